package core_test

import (
	"context"
	"testing"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/gormstore"
)

func TestTicketsAndPlacesReadsABatchAndAddPlacesRecordsOne(t *testing.T) {
	eachBackend(t, func(t *testing.T, svc *core.Service, st *gormstore.Store) {
		ctx := context.Background()
		sys := core.System()
		reporter := actor(wsA, "U1", core.RoleRequester)
		a, b, c := mustOpen(t, svc, reporter, "a"), mustOpen(t, svc, reporter, "b"), mustOpen(t, svc, reporter, "c")
		place := func(tk core.Ticket, kind core.PlaceKind, thread string) core.Place {
			return core.Place{TicketID: tk.ID, Kind: kind, Workspace: wsA, ChannelID: "C1", ThreadID: thread, CardID: thread}
		}
		if err := svc.AddPlaces(ctx, sys, []core.Place{place(a, core.PlaceTriage, "1.1"), place(a, core.PlaceRequesterDM, "1.2"), place(b, core.PlaceTriage, "2.1")}); err != nil {
			t.Fatal(err)
		}
		t.Run("a place already recorded for its thread is kept, also earlier in the same call; one of a ticket that is gone is skipped", func(t *testing.T) {
			again := place(c, core.PlaceTriage, "1.1") // a's thread, claimed for c
			gone := core.Place{TicketID: c.ID + 1000, Kind: core.PlaceTriage, Workspace: wsA, ChannelID: "C1", ThreadID: "9.9"}
			twice := place(c, core.PlaceRequesterDM, "3.1") // the thread of the place before it
			if err := svc.AddPlaces(ctx, sys, []core.Place{again, gone, place(c, core.PlaceTriage, "3.1"), twice}); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("threads looked up before their places were recorded are found at once after", func(t *testing.T) {
			d := mustOpen(t, svc, reporter, "d")
			for _, th := range []string{"4.1", "4.2"} {
				if _, _, err := svc.PlaceForThread(ctx, wsA, "C1", th); !core.IsCode(err, core.ENotFound) {
					t.Fatalf("thread %s before its place: err = %v, want not_found (and remembered so)", th, err)
				}
			}
			if err := svc.AddPlaces(ctx, sys, []core.Place{place(d, core.PlaceTriage, "4.1"), place(d, core.PlaceRequesterDM, "4.2")}); err != nil {
				t.Fatal(err)
			}
			for _, th := range []string{"4.1", "4.2"} {
				if tk, _, err := svc.PlaceForThread(ctx, wsA, "C1", th); err != nil || tk.ID != d.ID {
					t.Errorf("thread %s after AddPlaces: ticket %d, err %v; want ticket %d", th, tk.ID, err, d.ID)
				}
			}
		})
		t.Run("a place without a thread is refused", func(t *testing.T) {
			wantCode(t, svc.AddPlaces(ctx, sys, []core.Place{place(c, core.PlaceTriage, "")}), core.EInvalid)
		})
		t.Run("only ticketbot itself", func(t *testing.T) {
			wantCode(t, svc.AddPlaces(ctx, actor(wsA, "S1", core.RoleStaff), []core.Place{place(c, core.PlaceTriage, "3.2")}), core.EForbidden)
			_, err := svc.TicketsAndPlaces(ctx, actor(wsA, "S1", core.RoleAdmin), []int64{a.ID})
			wantCode(t, err, core.EForbidden)
		})
		got, err := svc.TicketsAndPlaces(ctx, sys, []int64{a.ID, b.ID, c.ID, c.ID + 1000})
		if err != nil {
			t.Fatal(err)
		}
		threads := func(ps []core.Place) (out []string) {
			for _, p := range ps {
				out = append(out, p.ThreadID)
			}
			return out
		}
		for _, want := range []struct {
			tk      core.Ticket
			threads []string
		}{{a, []string{"1.1", "1.2"}}, {b, []string{"2.1"}}, {c, []string{"3.1"}}} {
			tp, ok := got[want.tk.ID]
			if !ok || tp.Ticket.Title != want.tk.Title {
				t.Fatalf("ticket %d: %+v (found %v)", want.tk.ID, tp.Ticket, ok)
			}
			if g := threads(tp.Places); len(g) != len(want.threads) || (len(g) > 0 && g[0] != want.threads[0]) || (len(g) > 1 && g[1] != want.threads[1]) {
				t.Errorf("ticket %q: places %v, want %v (oldest first)", want.tk.Title, g, want.threads)
			}
		}
		if ps := got[c.ID].Places; len(ps) == 1 && ps[0].Kind != core.PlaceTriage {
			t.Errorf("ticket c's thread 3.1 is its %s place, want the first recorded (triage)", ps[0].Kind)
		}
		if len(got) != 3 {
			t.Errorf("%d tickets read, want 3 (the one that does not exist is missing)", len(got))
		}
	})
}
