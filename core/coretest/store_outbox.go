package coretest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// claim calls ClaimEvents or fails t.
func claim(t *testing.T, s core.Store, owner string, now time.Time, lease time.Duration, limit int) []core.Event {
	t.Helper()
	evs, err := s.ClaimEvents(t.Context(), owner, now, lease, limit)
	if err != nil {
		t.Fatalf("ClaimEvents(%s): %v", owner, err)
	}
	return evs
}

// ids lists the events' ids.
func ids(evs []core.Event) []int64 {
	out := make([]int64, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}

// saveSettings writes one settings.changed event for ws.
func saveSettings(t *testing.T, s core.Store, ws core.Workspace, channel string) {
	t.Helper()
	if err := s.SaveSettings(t.Context(), core.Settings{Workspace: ws, TriageChannel: channel}, staff); err != nil {
		t.Fatalf("SaveSettings: %v", err)
	}
}

// changeStatus updates ticket id's status, writing one ticket.changed event.
func changeStatus(t *testing.T, s core.Store, id int64, st core.Status) {
	t.Helper()
	_, err := s.UpdateTicket(t.Context(), id, func(x *core.Ticket) ([]core.Change, error) {
		old := x.Status
		x.Status = st
		return []core.Change{{Actor: staff, Field: "status", From: string(old), To: string(st)}}, nil
	})
	if err != nil {
		t.Fatalf("UpdateTicket: %v", err)
	}
}

func outboxTests() []storeTest {
	return []storeTest{
		{"RenewLeases extends only the leases its owner still holds", func(t *testing.T, s core.Store) {
			mkTicket(t, s, wsA, "a")
			mkTicket(t, s, wsA, "b")
			now := time.Now().Add(time.Second)
			evs := claim(t, s, "d1", now, time.Minute, 2)
			if len(evs) != 2 {
				t.Fatalf("claimed %d events, want 2", len(evs))
			}
			if err := s.MarkFailed(t.Context(), evs[1].ID, "d1", now, "released"); err != nil {
				t.Fatal(err)
			}
			if n, err := s.RenewLeases(t.Context(), "d2", ids(evs), now.Add(10*time.Minute)); err != nil || n != 0 {
				t.Fatalf("RenewLeases by another owner = %d, %v; want 0, nil", n, err)
			}
			n, err := s.RenewLeases(t.Context(), "d1", ids(evs), now.Add(10*time.Minute))
			if err != nil || n != 1 {
				t.Fatalf("RenewLeases = %d, %v; want 1 (the released event is not d1's any more)", n, err)
			}
			// Past the first lease, the renewed event is still held; the released one is free.
			got := claim(t, s, "d2", now.Add(2*time.Minute), time.Minute, 10)
			if len(got) != 1 || got[0].ID != evs[1].ID {
				t.Fatalf("after the first lease ran out d2 claimed %v, want only the released event %d", ids(got), evs[1].ID)
			}
			if err := s.MarkDelivered(t.Context(), got[0].ID, "d2", now.Add(2*time.Minute)); err != nil {
				t.Fatal(err)
			}
			// Past the renewed lease, another owner may take it.
			got = claim(t, s, "d2", now.Add(11*time.Minute), time.Minute, 10)
			if len(got) != 1 || got[0].ID != evs[0].ID {
				t.Fatalf("after the renewed lease d2 claimed %v, want %d", ids(got), evs[0].ID)
			}
			if n, err := s.RenewLeases(t.Context(), "d1", nil, now); err != nil || n != 0 {
				t.Fatalf("RenewLeases of nothing = %d, %v", n, err)
			}
		}},
		{"MarkDeliveredMany marks the owner's events in one call and leaves the others", func(t *testing.T, s core.Store) {
			for _, title := range []string{"a", "b", "c"} {
				mkTicket(t, s, wsA, title)
			}
			now := time.Now().Add(time.Second)
			mine := claim(t, s, "d1", now, time.Minute, 2)
			theirs := claim(t, s, "d2", now, time.Minute, 10)
			if len(mine) != 2 || len(theirs) != 1 {
				t.Fatalf("claimed %v and %v", ids(mine), ids(theirs))
			}
			n, err := s.MarkDeliveredMany(t.Context(), append(ids(mine), theirs[0].ID), "d1", now)
			if err != nil || n != 2 {
				t.Fatalf("MarkDeliveredMany = %d, %v; want 2 (d2's event is not d1's)", n, err)
			}
			if n, err := s.MarkDeliveredMany(t.Context(), ids(mine), "d1", now); err != nil || n != 0 {
				t.Fatalf("marking again = %d, %v; want 0", n, err)
			}
			if p, err := s.PendingEvents(t.Context()); err != nil || p != 1 {
				t.Fatalf("pending = %d, %v; want d2's event", p, err)
			}
			if n, err := s.MarkDeliveredMany(t.Context(), nil, "d1", now); err != nil || n != 0 {
				t.Fatalf("marking nothing = %d, %v", n, err)
			}
		}},
		{"PurgeDelivered deletes only events delivered before the cut-off", func(t *testing.T, s core.Store) {
			a := mkTicket(t, s, wsA, "a") // one event, delivered below
			mkTicket(t, s, wsA, "b")      // one event, left pending
			now := time.Now().Add(time.Second)
			evs := claim(t, s, "d", now, time.Minute, 1)
			if len(evs) != 1 || evs[0].TicketID != a.ID {
				t.Fatalf("claimed %+v", evs)
			}
			if err := s.MarkDelivered(t.Context(), evs[0].ID, "d", now); err != nil {
				t.Fatal(err)
			}
			if n, err := s.PurgeDelivered(t.Context(), now.Add(-time.Hour), 100); err != nil || n != 0 {
				t.Fatalf("purge before delivery time: %d, %v", n, err)
			}
			if n, err := s.PurgeDelivered(t.Context(), now.Add(time.Hour), 100); err != nil || n != 1 {
				t.Fatalf("purge after delivery time: %d, %v; want 1", n, err)
			}
			if p, err := s.PendingEvents(t.Context()); err != nil || p != 1 {
				t.Fatalf("pending = %d, %v: the undelivered event must stay", p, err)
			}
		}},
		{"ClaimEvents with platforms claims only those platforms' events", func(t *testing.T, s core.Store) {
			mkTicket(t, s, wsA, "slack")
			mkTicket(t, s, wsD, "discord")
			now := time.Now().Add(time.Second)
			evs, err := s.ClaimEvents(t.Context(), "d", now, time.Minute, 10, core.PlatformDiscord)
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != 1 || evs[0].Workspace != wsD {
				t.Fatalf("claimed %+v, want only the discord event", evs)
			}
			rest := claim(t, s, "d2", now, time.Minute, 10)
			if len(rest) != 1 || rest[0].Workspace != wsA {
				t.Fatalf("then claimed %+v, want the slack event", rest)
			}
		}},
		{"ClaimEvents hands out only the oldest undelivered event of each ticket", func(t *testing.T, s core.Store) {
			a := mkTicket(t, s, wsA, "a")        // event 1 (a opened)
			changeStatus(t, s, a.ID, "waiting")  // event 2 (a changed)
			b := mkTicket(t, s, wsA, "b")        // event 3 (b opened)
			changeStatus(t, s, a.ID, "resolved") // event 4 (a changed)
			changeStatus(t, s, b.ID, "closed")   // event 5 (b changed)
			now := time.Now().Add(time.Second)
			first := claim(t, s, "d1", now, time.Minute, 10)
			if len(first) != 2 || first[0].TicketID != a.ID || first[0].Kind != core.EventTicketOpened ||
				first[1].TicketID != b.ID || first[1].Kind != core.EventTicketOpened {
				t.Fatalf("first claim = %+v, want the opened events of a and b", first)
			}
			// While they are leased, nothing else of a or b may go out, to anyone.
			if evs := claim(t, s, "d2", now, time.Minute, 10); len(evs) != 0 {
				t.Fatalf("claim while the oldest are leased = %v, want none", ids(evs))
			}
			if err := s.MarkDelivered(t.Context(), first[0].ID, "d1", now); err != nil {
				t.Fatal(err)
			}
			second := claim(t, s, "d2", now, time.Minute, 10)
			if len(second) != 1 || second[0].TicketID != a.ID || second[0].Kind != core.EventTicketChanged {
				t.Fatalf("claim after a's first delivery = %+v, want a's first change", second)
			}
			if st, _ := second[0].StatusChanged(); st != "waiting" {
				t.Errorf("a's next event changes status to %q, want waiting", st)
			}
			// Deliver what is held; the rest follows in order per ticket.
			if err := s.MarkDelivered(t.Context(), first[1].ID, "d1", now); err != nil {
				t.Fatal(err)
			}
			if err := s.MarkDelivered(t.Context(), second[0].ID, "d2", now); err != nil {
				t.Fatal(err)
			}
			rest := drain(t, s)
			var statuses []string
			for _, e := range rest {
				st, _ := e.StatusChanged()
				statuses = append(statuses, fmt.Sprintf("%d:%s", e.TicketID, st))
			}
			want := []string{fmt.Sprintf("%d:resolved", a.ID), fmt.Sprintf("%d:closed", b.ID)}
			slices.Sort(statuses)
			slices.Sort(want)
			if !slices.Equal(statuses, want) {
				t.Errorf("remaining events = %v, want %v", statuses, want)
			}
		}},
		{"Events without a ticket do not wait for each other", func(t *testing.T, s core.Store) {
			saveSettings(t, s, wsA, "C1")
			saveSettings(t, s, wsA, "C2")
			saveSettings(t, s, wsB, "C3")
			evs := claim(t, s, "d1", time.Now().Add(time.Second), time.Minute, 10)
			if len(evs) != 3 {
				t.Fatalf("claimed %d settings events, want 3", len(evs))
			}
			for _, e := range evs {
				if e.TicketID != 0 || e.Kind != core.EventSettingsChange {
					t.Errorf("event = %+v", e)
				}
			}
		}},
		{"ClaimEvents leases an event to one owner at a time", func(t *testing.T, s core.Store) {
			mkTicket(t, s, wsA, "a")
			mkTicket(t, s, wsA, "b")
			now := time.Now().Add(time.Second)
			one := claim(t, s, "d1", now, time.Minute, 1)
			if len(one) != 1 {
				t.Fatalf("claim with limit 1 = %d events", len(one))
			}
			two := claim(t, s, "d2", now, time.Minute, 10)
			if len(two) != 1 || two[0].ID == one[0].ID {
				t.Fatalf("second owner got %v, first holds %v", ids(two), ids(one))
			}
			if evs := claim(t, s, "d1", now.Add(30*time.Second), time.Minute, 10); len(evs) != 0 {
				t.Errorf("claim before leases end = %v, want none", ids(evs))
			}
		}},
		{"Concurrent ClaimEvents never give one event to two owners", func(t *testing.T, s core.Store) {
			const events = 30
			for i := range events {
				if i%3 == 0 {
					mkTicket(t, s, wsA, fmt.Sprintf("t%d", i))
				} else {
					saveSettings(t, s, wsB, fmt.Sprintf("C%d", i))
				}
			}
			now := time.Now().Add(time.Second)
			var (
				wg        sync.WaitGroup
				mu        sync.Mutex
				delivered = map[int64]string{}
			)
			deadline := time.Now().Add(30 * time.Second)
			for w := range 4 {
				owner := fmt.Sprintf("worker-%d", w)
				wg.Go(func() {
					for time.Now().Before(deadline) {
						evs, err := s.ClaimEvents(t.Context(), owner, now, time.Hour, 3)
						if err != nil {
							t.Errorf("%s: ClaimEvents: %v", owner, err)
							return
						}
						if len(evs) == 0 {
							if n, err := s.PendingEvents(t.Context()); err != nil || n == 0 {
								return
							}
							time.Sleep(time.Millisecond)
							continue
						}
						for _, e := range evs {
							mu.Lock()
							if prev, dup := delivered[e.ID]; dup {
								t.Errorf("event %d held by %s and %s", e.ID, prev, owner)
							}
							delivered[e.ID] = owner
							mu.Unlock()
							if err := s.MarkDelivered(t.Context(), e.ID, owner, now); err != nil {
								t.Errorf("%s: MarkDelivered(%d): %v", owner, e.ID, err)
							}
						}
					}
				})
			}
			wg.Wait()
			if len(delivered) != events {
				t.Errorf("%d events delivered, want %d", len(delivered), events)
			}
			if n := pending(t, s); n != 0 {
				t.Errorf("pending = %d, want 0", n)
			}
		}},
		{"An expired lease lets another owner claim the event", func(t *testing.T, s core.Store) {
			mkTicket(t, s, wsA, "a")
			now := time.Now().Add(time.Second)
			first := claim(t, s, "d1", now, time.Minute, 10)
			if len(first) != 1 || first[0].Attempts != 1 {
				t.Fatalf("first claim = %+v", first)
			}
			later := now.Add(2 * time.Minute)
			again := claim(t, s, "d2", later, time.Minute, 10)
			if len(again) != 1 || again[0].ID != first[0].ID || again[0].Attempts != 2 {
				t.Fatalf("claim after the lease ran out = %+v, want event %d with 2 attempts", again, first[0].ID)
			}
			mustCode(t, s.MarkDelivered(t.Context(), first[0].ID, "d1", later), core.EConflict)
			mustCode(t, s.MarkFailed(t.Context(), first[0].ID, "d1", later, "late"), core.EConflict)
			if err := s.MarkDelivered(t.Context(), first[0].ID, "d2", later); err != nil {
				t.Fatal(err)
			}
			if n := pending(t, s); n != 0 {
				t.Errorf("pending = %d, want 0", n)
			}
		}},
		{"MarkFailed releases the event until next", func(t *testing.T, s core.Store) {
			a := mkTicket(t, s, wsA, "a")
			changeStatus(t, s, a.ID, "closed")
			now := time.Now().Add(time.Second)
			evs := claim(t, s, "d1", now, time.Minute, 10)
			if len(evs) != 1 {
				t.Fatalf("claimed %d, want 1", len(evs))
			}
			next := now.Add(10 * time.Minute)
			if err := s.MarkFailed(t.Context(), evs[0].ID, "d1", next, "slack said 500"); err != nil {
				t.Fatal(err)
			}
			if got := claim(t, s, "d2", now.Add(time.Minute), time.Minute, 10); len(got) != 0 {
				t.Fatalf("claim before next = %v, want none (not even the ticket's later event)", ids(got))
			}
			got := claim(t, s, "d2", next.Add(time.Second), time.Minute, 10)
			if len(got) != 1 || got[0].ID != evs[0].ID || got[0].Attempts != 2 {
				t.Fatalf("claim after next = %+v, want event %d on attempt 2", got, evs[0].ID)
			}
			mustCode(t, s.MarkFailed(t.Context(), evs[0].ID, "d1", next, "not mine"), core.EConflict)
		}},
		{"MarkDelivered and MarkFailed need the owner's lease", func(t *testing.T, s core.Store) {
			mkTicket(t, s, wsA, "a")
			now := time.Now().Add(time.Second)
			mustCode(t, s.MarkDelivered(t.Context(), 424242, "d1", now), core.EConflict)
			evs := claim(t, s, "d1", now, time.Minute, 10)
			if len(evs) != 1 {
				t.Fatalf("claimed %d, want 1", len(evs))
			}
			id := evs[0].ID
			mustCode(t, s.MarkDelivered(t.Context(), id, "d2", now), core.EConflict)
			mustCode(t, s.MarkFailed(t.Context(), id, "d2", now, "x"), core.EConflict)
			if err := s.MarkDelivered(t.Context(), id, "d1", now); err != nil {
				t.Fatal(err)
			}
			mustCode(t, s.MarkFailed(t.Context(), id, "d1", now, "after delivery"), core.EConflict)
			if got := claim(t, s, "d1", now.Add(time.Hour), time.Minute, 10); len(got) != 0 {
				t.Errorf("a delivered event was claimed again: %v", ids(got))
			}
		}},
		{"ClaimEvents skips events not yet due and honours limit", func(t *testing.T, s core.Store) {
			before := time.Now().Add(-time.Hour)
			for i := range 5 {
				mkTicket(t, s, wsA, fmt.Sprintf("t%d", i))
			}
			if evs := claim(t, s, "d1", before, time.Minute, 10); len(evs) != 0 {
				t.Fatalf("claim at a time before the events = %v, want none", ids(evs))
			}
			now := time.Now().Add(time.Second)
			evs := claim(t, s, "d1", now, time.Minute, 2)
			if len(evs) != 2 {
				t.Fatalf("claim with limit 2 = %d events", len(evs))
			}
			if evs[0].ID >= evs[1].ID {
				t.Errorf("claimed %v, want oldest first", ids(evs))
			}
			if evs := claim(t, s, "d1", now, time.Minute, 0); len(evs) != 0 {
				t.Errorf("claim with limit 0 = %v, want none", ids(evs))
			}
		}},
		{"PendingEvents counts undelivered events", func(t *testing.T, s core.Store) {
			if n := pending(t, s); n != 0 {
				t.Fatalf("empty store pending = %d", n)
			}
			a := mkTicket(t, s, wsA, "a")
			changeStatus(t, s, a.ID, "closed")
			saveSettings(t, s, wsA, "C1")
			if n := pending(t, s); n != 3 {
				t.Fatalf("pending = %d, want 3", n)
			}
			now := time.Now().Add(time.Second)
			evs := claim(t, s, "d1", now, time.Minute, 10) // leased still counts
			if n := pending(t, s); n != 3 {
				t.Fatalf("pending with leases = %d, want 3", n)
			}
			if err := s.MarkDelivered(t.Context(), evs[0].ID, "d1", now); err != nil {
				t.Fatal(err)
			}
			if err := s.MarkFailed(t.Context(), evs[1].ID, "d1", now.Add(time.Hour), "x"); err != nil {
				t.Fatal(err)
			}
			if n := pending(t, s); n != 2 {
				t.Errorf("pending = %d, want 2", n)
			}
		}},
	}
}
