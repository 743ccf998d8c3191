package core_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
	"github.com/ticketbot/ticketbot/core/gormstore"
	"github.com/ticketbot/ticketbot/core/memstate"
)

// slaWorkspace saves wsA's settings with Berlin office hours and an urgent/normal policy.
func slaWorkspace(t *testing.T, st core.Store) {
	t.Helper()
	h := mustHours(t, officeBerlin)
	err := st.SaveSettings(context.Background(), core.Settings{Workspace: wsA, TriageChannel: "C1", Hours: h,
		SLA: core.SLAPolicy{
			core.PriorityUrgent: {FirstResponse: time.Hour, Resolution: 4 * time.Hour},
			core.PriorityNormal: {FirstResponse: 8 * time.Hour, Resolution: 24 * time.Hour},
		}}, core.System().User)
	if err != nil {
		t.Fatal(err)
	}
}

func slaService(t *testing.T, st *gormstore.Store, clock core.Clock) *core.Service {
	m := memstate.New(nil)
	t.Cleanup(func() { m.Close() })
	return core.NewService(core.ServiceConfig{Store: st, State: m, Limiter: m, Clock: clock})
}

// TestSLAFollowsTheTicket: due times are set on open, the first public staff message meets the
// first response (an internal note does not), waiting pauses, a priority change recomputes.
func TestSLAFollowsTheTicket(t *testing.T) {
	for name, url := range backends() {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := openStore(t, url(t))
			clock := coretest.NewFakeClock(wall(t, "Europe/Berlin", "2026-12-01 10:00"))
			st.SetClock(clock)
			slaWorkspace(t, st)
			svc := slaService(t, st, clock)
			staff := actor(wsA, "US", core.RoleStaff)
			tk, err := svc.OpenTicket(ctx, actor(wsA, "UR", core.RoleRequester), core.OpenInput{Title: "down", Priority: "normal"})
			if err != nil {
				t.Fatal(err)
			}
			got, _ := svc.Ticket(ctx, staff, tk.ID)
			if d := got.SLA.FirstDue; d == nil || !d.Equal(wall(t, "Europe/Berlin", "2026-12-02 10:00")) {
				t.Fatalf("normal first response due %v, want tomorrow 10:00 (8 h of office hours)", d)
			}
			clock.Advance(30 * time.Minute)
			if _, err := svc.SetPriority(ctx, staff, tk.ID, core.PriorityUrgent); err != nil {
				t.Fatal(err)
			}
			got, _ = svc.Ticket(ctx, staff, tk.ID)
			if d := got.SLA.FirstDue; d == nil || !d.Equal(wall(t, "Europe/Berlin", "2026-12-01 11:00")) {
				t.Fatalf("after the priority change first response due %v, want 11:00", d)
			}
			if _, _, err := svc.AddMessage(ctx, staff, tk.ID, core.MessageInput{ExternalID: "n1", Content: "looking", Internal: true, Source: "api"}); err != nil {
				t.Fatal(err)
			}
			if got, _ = svc.Ticket(ctx, staff, tk.ID); got.SLA.FirstResponseAt != nil {
				t.Fatal("an internal note counted as the first response")
			}
			clock.Advance(10 * time.Minute)
			if _, _, err := svc.AddMessage(ctx, staff, tk.ID, core.MessageInput{ExternalID: "m1", Content: "on it", Source: "api"}); err != nil {
				t.Fatal(err)
			}
			got, _ = svc.Ticket(ctx, staff, tk.ID)
			if fr := got.SLA.FirstResponse(clock.Now()); fr.MetAt == nil || fr.Breached || got.SLA.FirstAlertAt != nil {
				t.Fatalf("first response state %+v alert %v, want met in time and no alert", fr, got.SLA.FirstAlertAt)
			}
			// Waiting from 10:40 to 12:40 pauses the resolution clock by 2 h.
			if _, err := svc.SetStatus(ctx, staff, tk.ID, core.StatusWaiting, ""); err != nil {
				t.Fatal(err)
			}
			clock.Advance(2 * time.Hour)
			if _, err := svc.SetStatus(ctx, staff, tk.ID, core.StatusOpen, ""); err != nil {
				t.Fatal(err)
			}
			got, _ = svc.Ticket(ctx, staff, tk.ID)
			if d := got.SLA.ResolveDue; d == nil || !d.Equal(wall(t, "Europe/Berlin", "2026-12-01 16:00")) {
				t.Fatalf("resolution due %v, want 16:00 (14:00 plus 2 h waiting)", d)
			}
		})
	}
}

// TestSLAAlertsOnceAcrossReplicas: two replicas (two stores on one database) check the same
// due tickets at the same moments; each ticket gets exactly one warning and one breach alert
// per clock in the outbox.
func TestSLAAlertsOnceAcrossReplicas(t *testing.T) {
	for name, url := range backends() {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			dbURL := url(t)
			st := openStore(t, dbURL)
			other := openStore(t, dbURL)
			clock := coretest.NewFakeClock(wall(t, "Europe/Berlin", "2026-12-01 09:00"))
			st.SetClock(clock)
			slaWorkspace(t, st)
			svc := slaService(t, st, clock)
			const tickets = 5
			for i := range tickets {
				if _, err := svc.OpenTicket(ctx, actor(wsA, "UR", core.RoleRequester), core.OpenInput{Title: "t" + string(rune('a'+i)), Priority: "urgent"}); err != nil {
					t.Fatal(err)
				}
			}
			check := func() {
				var wg sync.WaitGroup
				for _, s := range []*gormstore.Store{st, other} {
					for range 2 {
						wg.Go(func() {
							if _, err := (core.SLAChecker{Store: s}).Check(ctx, clock.Now()); err != nil {
								t.Error(err)
							}
						})
					}
				}
				wg.Wait()
			}
			// 09:00 + 45 m: the first-response warning (75 % of 1 h); 10:05: its breach; 12:00:
			// the resolution warning (75 % of 4 h); 13:30: its breach.
			for _, at := range []string{"09:50", "09:55", "10:05", "10:30", "12:00", "12:10", "13:30", "14:00"} {
				clock.Advance(wall(t, "Europe/Berlin", "2026-12-01 "+at).Sub(clock.Now()))
				check()
			}
			counts := map[string]int{}
			for _, ev := range drain(t, st) {
				if clk, stage, _, ok := core.SLAAlertOf(ev); ok {
					counts[clk+" "+stage]++
				}
			}
			for _, k := range []string{"first_response warning", "first_response breach", "resolution warning", "resolution breach"} {
				if counts[k] != tickets {
					t.Errorf("%s alerts = %d, want %d (one per ticket): %v", k, counts[k], tickets, counts)
				}
			}
		})
	}
}

// drain claims and delivers every outbox event of st.
func drain(t *testing.T, st *gormstore.Store) []core.Event {
	t.Helper()
	var out []core.Event
	for range 100 {
		evs, err := st.ClaimEvents(context.Background(), "sla-test", time.Now().Add(24*365*time.Hour), time.Minute, 500)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			return out
		}
		for _, ev := range evs {
			if err := st.MarkDelivered(context.Background(), ev.ID, "sla-test", time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, evs...)
	}
	return out
}

// TestListSortedByDue: the due sort lists the ticket whose next target is due soonest first,
// tickets without a target last, and its cursor continues the order.
func TestListSortedByDue(t *testing.T) {
	for name, url := range backends() {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := openStore(t, url(t))
			clock := coretest.NewFakeClock(wall(t, "Europe/Berlin", "2026-12-01 10:00"))
			st.SetClock(clock)
			slaWorkspace(t, st)
			svc := slaService(t, st, clock)
			var ids []int64
			for _, p := range []string{"low", "normal", "urgent"} { // low has no target
				tk, err := svc.OpenTicket(ctx, actor(wsA, "UR", core.RoleRequester), core.OpenInput{Title: p, Priority: p})
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, tk.ID)
			}
			staff := actor(wsA, "US", core.RoleStaff)
			var got []int64
			f := core.ListFilter{Workspace: wsA, Sort: core.SortDue, Limit: 2}
			for range 3 {
				page, err := svc.ListTickets(ctx, staff, f)
				if err != nil {
					t.Fatal(err)
				}
				for _, tk := range page {
					got = append(got, tk.ID)
				}
				if len(page) < 2 {
					break
				}
				f.After = core.CursorAfter(page[len(page)-1], core.SortDue)
			}
			want := []int64{ids[2], ids[1], ids[0]}
			if len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
				t.Fatalf("due order %v, want urgent, normal, low %v", got, want)
			}
		})
	}
}
