package coretest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

func workflowTests() []storeTest {
	return []storeTest{
		{"DueTickets finds tickets by status, reminder mark and status age", dueTicketsTest},
		{"a status change restarts a ticket's timers", func(t *testing.T, s core.Store) {
			ctx := t.Context()
			tk := mkTicket(t, s, wsA, "waiting", func(tk *core.Ticket) { tk.Status = core.StatusWaiting })
			first := tk.StatusChangedAt
			if first.IsZero() {
				t.Fatal("a new ticket has no StatusChangedAt")
			}
			remind(t, s, tk.ID)
			got, err := s.UpdateTicket(ctx, tk.ID, func(x *core.Ticket) ([]core.Change, error) {
				x.Status = core.StatusOpen
				return []core.Change{{Actor: alice, Field: "status", From: "waiting", To: "open"}}, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if got.Reminded || got.StatusChangedAt.Before(first) {
				t.Errorf("after a status change: reminded %v, status changed %v (was %v)", got.Reminded, got.StatusChangedAt, first)
			}
			again, _ := s.Ticket(ctx, tk.ID)
			if again.Reminded || !again.StatusChangedAt.Equal(got.StatusChangedAt) {
				t.Errorf("stored: %+v", again)
			}
		}},
		{"one owner holds a lease at a time", leaseTest},
		{"saved replies are kept per workspace by name", savedRepliesTest},
		{"RateTicket keeps the first rating's time and sets the ticket's rating", ratingTest},
	}
}

// remind sets ticket id's reminder mark as the scheduler does.
func remind(t *testing.T, s core.Store, id int64) {
	t.Helper()
	_, err := s.UpdateTicket(t.Context(), id, func(x *core.Ticket) ([]core.Change, error) {
		x.Reminded = true
		return []core.Change{{Actor: staff, Field: "reminder", To: "sent"}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func dueTicketsTest(t *testing.T, s core.Store) {
	ctx := t.Context()
	w1 := mkTicket(t, s, wsA, "w1", func(tk *core.Ticket) { tk.Status = core.StatusWaiting })
	w2 := mkTicket(t, s, wsA, "w2", func(tk *core.Ticket) { tk.Status = core.StatusWaiting })
	mkTicket(t, s, wsA, "open")
	mkTicket(t, s, wsB, "other workspace", func(tk *core.Ticket) { tk.Status = core.StatusWaiting })
	res := mkTicket(t, s, wsA, "resolved", func(tk *core.Ticket) { tk.Status = core.StatusResolved })
	remind(t, s, w2.ID)
	later := time.Now().Add(time.Hour)
	ids := func(ts []core.Ticket, err error) []int64 {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, x := range ts {
			out = append(out, x.ID)
		}
		return out
	}
	for _, tc := range []struct {
		name     string
		status   core.Status
		reminded bool
		before   time.Time
		want     []int64
	}{
		{"waiting, not reminded", core.StatusWaiting, false, later, []int64{w1.ID}},
		{"waiting, reminded", core.StatusWaiting, true, later, []int64{w2.ID}},
		{"resolved", core.StatusResolved, false, later, []int64{res.ID}},
		{"not yet due", core.StatusWaiting, false, w1.StatusChangedAt.Add(-time.Second), nil},
		{"due at the instant", core.StatusWaiting, false, w1.StatusChangedAt, []int64{w1.ID}},
	} {
		got := ids(s.DueTickets(ctx, wsA, tc.status, tc.reminded, tc.before, 10))
		if len(got) != len(tc.want) || (len(got) > 0 && got[0] != tc.want[0]) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	if got := ids(s.DueTickets(ctx, wsA, core.StatusWaiting, false, later, 0)); len(got) != 0 {
		t.Errorf("limit 0 returned %v", got)
	}
}

func leaseTest(t *testing.T, s core.Store) {
	ctx := t.Context()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	must := func(name, owner string, at time.Time, want bool) {
		t.Helper()
		got, err := s.AcquireLease(ctx, name, owner, at, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s acquires %s at %v: %v, want %v", owner, name, at.Format(time.TimeOnly), got, want)
		}
	}
	must("timers", "a", now, true)
	must("timers", "b", now, false)
	must("timers", "a", now, true) // renewing with the same values still holds it
	must("timers", "a", now.Add(30*time.Second), true)
	must("timers", "b", now.Add(80*time.Second), false) // a renewed it until 12:01:30
	must("other", "b", now, true)
	must("timers", "b", now.Add(91*time.Second), true) // a's lease expired
	must("timers", "a", now.Add(92*time.Second), false)
	if err := s.ReleaseLease(ctx, "timers", "a"); err != nil { // not a's: left alone
		t.Fatal(err)
	}
	must("timers", "a", now.Add(93*time.Second), false)
	if err := s.ReleaseLease(ctx, "timers", "b"); err != nil {
		t.Fatal(err)
	}
	must("timers", "a", now.Add(94*time.Second), true)

	// Many contenders at once: exactly one wins a fresh lease.
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.AcquireLease(ctx, "race", string(rune('a'+i)), now, time.Minute)
			if err != nil && !core.IsCode(err, core.EUnavailable) {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				won++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if won != 1 {
		t.Errorf("%d contenders hold the lease, want 1", won)
	}
}

func savedRepliesTest(t *testing.T, s core.Store) {
	ctx := t.Context()
	r := core.SavedReply{Workspace: wsA, Name: "vpn", Content: "Restart the VPN client.", Author: staff}
	if err := s.CreateSavedReply(ctx, &r); err != nil {
		t.Fatal(err)
	}
	if r.ID == 0 || r.CreatedAt.IsZero() {
		t.Fatalf("created = %+v", r)
	}
	dup := core.SavedReply{Workspace: wsA, Name: "vpn", Content: "again"}
	mustCode(t, s.CreateSavedReply(ctx, &dup), core.EConflict)
	other := core.SavedReply{Workspace: wsB, Name: "vpn", Content: "B's"}
	if err := s.CreateSavedReply(ctx, &other); err != nil {
		t.Fatalf("the same name in another workspace: %v", err)
	}
	a2 := core.SavedReply{Workspace: wsA, Name: "about", Content: "About us."}
	if err := s.CreateSavedReply(ctx, &a2); err != nil {
		t.Fatal(err)
	}
	list, err := s.SavedReplies(ctx, wsA)
	if err != nil || len(list) != 2 || list[0].Name != "about" || list[1].Name != "vpn" {
		t.Fatalf("SavedReplies = %+v, %v", list, err)
	}
	got, err := s.SavedReplyByName(ctx, wsB, "vpn")
	if err != nil || got.Content != "B's" {
		t.Errorf("SavedReplyByName = %+v, %v", got, err)
	}
	_, err = s.SavedReplyByName(ctx, wsB, "about")
	mustCode(t, err, core.ENotFound)
	r.Name, r.Content = "vpn-restart", "Restart it, then sign in again."
	if err := s.UpdateSavedReply(ctx, &r); err != nil {
		t.Fatal(err)
	}
	got, _ = s.SavedReply(ctx, r.ID)
	if got.Name != "vpn-restart" || got.Content != "Restart it, then sign in again." {
		t.Errorf("updated = %+v", got)
	}
	a2.Name = "vpn-restart"
	mustCode(t, s.UpdateSavedReply(ctx, &a2), core.EConflict)
	if err := s.DeleteSavedReply(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	mustCode(t, s.DeleteSavedReply(ctx, r.ID), core.ENotFound)
	_, err = s.SavedReply(ctx, r.ID)
	mustCode(t, err, core.ENotFound)
}

func ratingTest(t *testing.T, s core.Store) {
	ctx := t.Context()
	tk := mkTicket(t, s, wsA, "rate me", func(tk *core.Ticket) { tk.Status = core.StatusClosed })
	drain(t, s)
	_, err := s.Rating(ctx, tk.ID)
	mustCode(t, err, core.ENotFound)
	var seen []*core.Rating
	accept := func(_ core.Ticket, old *core.Rating) error { seen = append(seen, old); return nil }
	first, err := s.RateTicket(ctx, core.Rating{TicketID: tk.ID, Score: 2, Comment: "slow", Rater: alice}, core.Change{}, accept)
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.RateTicket(ctx, core.Rating{TicketID: tk.ID, Score: 5, Rater: alice}, core.Change{}, accept)
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2 || seen[0] != nil || seen[1] == nil || seen[1].Score != 2 {
		t.Errorf("fn saw %v", seen)
	}
	if second.Score != 5 || second.Comment != "" || !second.FirstRatedAt.Equal(first.FirstRatedAt) || second.Workspace != wsA {
		t.Errorf("second rating = %+v (first %+v)", second, first)
	}
	got, _ := s.Ticket(ctx, tk.ID)
	if got.Rating != 5 {
		t.Errorf("ticket rating = %d", got.Rating)
	}
	refuse := errors.New("too late")
	_, err = s.RateTicket(ctx, core.Rating{TicketID: tk.ID, Score: 1, Rater: alice}, core.Change{}, func(core.Ticket, *core.Rating) error { return refuse })
	if !errors.Is(err, refuse) {
		t.Errorf("refused rating: %v", err)
	}
	if r, _ := s.Rating(ctx, tk.ID); r.Score != 5 {
		t.Errorf("a refused rating changed it: %+v", r)
	}
	evs := drain(t, s)
	if len(evs) != 2 || evs[0].Kind != core.EventTicketChanged || evs[0].Changes[0].Field != "rating" || evs[1].Changes[0].From != "2" {
		t.Errorf("events = %+v", evs)
	}
	rs, err := s.Ratings(ctx, wsA, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil || len(rs) != 1 || rs[0].Score != 5 {
		t.Errorf("Ratings = %+v, %v", rs, err)
	}
	_, err = s.RateTicket(ctx, core.Rating{TicketID: 999999, Score: 1}, core.Change{}, accept)
	mustCode(t, err, core.ENotFound)
}
