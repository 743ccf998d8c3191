package coretest

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

func updateTests() []storeTest {
	return []storeTest{
		{"UpdateTicket saves the ticket, its changes and one ticket.changed event", func(t *testing.T, s core.Store) {
			ctx := t.Context()
			tk := mkTicket(t, s, wsA, "slow wifi")
			drain(t, s)
			before := time.Now()
			got, err := s.UpdateTicket(ctx, tk.ID, func(x *core.Ticket) ([]core.Change, error) {
				x.Status, x.Assignee = core.StatusInProgress, staff
				return []core.Change{
					{Actor: staff, Field: "status", From: "open", To: "in_progress", Note: "on it"},
					{Actor: staff, Field: "assignee", To: staff.ID},
				}, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != core.StatusInProgress || got.Assignee != staff {
				t.Errorf("returned ticket = %+v", got)
			}
			checkTime(t, "UpdatedAt", got.UpdatedAt, before, time.Now())
			if got.UpdatedAt.Before(tk.UpdatedAt) || !got.CreatedAt.Equal(tk.CreatedAt) {
				t.Errorf("times = %v/%v, were %v/%v", got.CreatedAt, got.UpdatedAt, tk.CreatedAt, tk.UpdatedAt)
			}
			stored, err := s.Ticket(ctx, tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			sameTicket(t, stored, got)
			h, err := s.History(ctx, tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			var fields []string
			for _, c := range h {
				fields = append(fields, c.Field)
				if c.TicketID != tk.ID || c.At.IsZero() || c.ID == 0 {
					t.Errorf("change %+v lacks ticket id, time or id", c)
				}
			}
			if want := []string{"created", "status", "assignee"}; !slices.Equal(fields, want) {
				t.Fatalf("history fields = %v, want %v", fields, want)
			}
			if h[1].Note != "on it" || h[1].From != "open" || h[1].To != "in_progress" || h[1].Actor != staff {
				t.Errorf("status change = %+v", h[1])
			}
			evs := drain(t, s)
			if len(evs) != 1 {
				t.Fatalf("events = %v, want one ticket.changed", kinds(evs))
			}
			e := evs[0]
			if e.Kind != core.EventTicketChanged || e.TicketID != tk.ID || e.Workspace != wsA || e.Actor != staff {
				t.Errorf("event = %+v", e)
			}
			if len(e.Changes) != 2 || e.Changes[0].Field != "status" || e.Changes[1].Field != "assignee" {
				t.Fatalf("event changes = %+v", e.Changes)
			}
			if st, ok := e.StatusChanged(); !ok || st != core.StatusInProgress {
				t.Errorf("StatusChanged = %q, %v", st, ok)
			}
			if e.Changes[0].Note != "on it" || e.Changes[0].TicketID != tk.ID || e.Changes[0].At.IsZero() {
				t.Errorf("event change = %+v", e.Changes[0])
			}
		}},
		{"UpdateTicket without changes writes nothing", func(t *testing.T, s core.Store) {
			tk := mkTicket(t, s, wsA, "x")
			n := pending(t, s)
			got, err := s.UpdateTicket(t.Context(), tk.ID, func(x *core.Ticket) ([]core.Change, error) {
				x.Title = "changed but not reported"
				return nil, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			sameTicket(t, got, tk)
			stored, _ := s.Ticket(t.Context(), tk.ID)
			sameTicket(t, stored, tk)
			if p := pending(t, s); p != n {
				t.Errorf("pending = %d, want %d", p, n)
			}
			if h, _ := s.History(t.Context(), tk.ID); len(h) != 1 {
				t.Errorf("history has %d changes, want 1", len(h))
			}
		}},
		{"UpdateTicket returns fn's error as is and writes nothing", func(t *testing.T, s core.Store) {
			tk := mkTicket(t, s, wsA, "x")
			n := pending(t, s)
			forbidden := core.Errorf(core.EForbidden, "only staff may do that")
			for _, want := range []error{errSentinel, forbidden} {
				_, err := s.UpdateTicket(t.Context(), tk.ID, func(x *core.Ticket) ([]core.Change, error) {
					x.Status = core.StatusClosed
					return []core.Change{{Actor: alice, Field: "status", To: "closed"}}, want
				})
				if err != want { // "as is": the very same error
					t.Errorf("err = %v, want %v itself", err, want)
				}
			}
			stored, _ := s.Ticket(t.Context(), tk.ID)
			sameTicket(t, stored, tk)
			if p := pending(t, s); p != n {
				t.Errorf("pending = %d, want %d", p, n)
			}
		}},
		{"UpdateTicket of an unknown id is not_found and does not call fn", func(t *testing.T, s core.Store) {
			called := false
			_, err := s.UpdateTicket(t.Context(), 424242, func(*core.Ticket) ([]core.Change, error) {
				called = true
				return nil, nil
			})
			mustCode(t, err, core.ENotFound)
			if called {
				t.Error("fn was called for a missing ticket")
			}
		}},
		{"UpdateTicket keeps a ticket's id, workspace, number and creation time", func(t *testing.T, s core.Store) {
			tk := mkTicket(t, s, wsA, "x")
			got, err := s.UpdateTicket(t.Context(), tk.ID, func(x *core.Ticket) ([]core.Change, error) {
				x.ID, x.Workspace, x.Number, x.CreatedAt = 999, wsB, 77, time.Unix(0, 0)
				x.Title = "renamed"
				return []core.Change{{Actor: staff, Field: "title", From: "x", To: "renamed"}}, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			stored, _ := s.Ticket(t.Context(), tk.ID)
			if got.ID != tk.ID || got.Workspace != wsA || got.Number != 1 || !got.CreatedAt.Equal(tk.CreatedAt) || got.Title != "renamed" {
				t.Errorf("returned = %+v", got)
			}
			sameTicket(t, stored, got)
		}},
		{"Concurrent UpdateTicket calls on one ticket are serialised", func(t *testing.T, s core.Store) {
			tk := mkTicket(t, s, wsA, "counter")
			const n = 10
			var wg sync.WaitGroup
			errs := make(chan error, n)
			for range n {
				wg.Go(func() {
					_, err := s.UpdateTicket(t.Context(), tk.ID, func(x *core.Ticket) ([]core.Change, error) {
						old := x.Description
						x.Description += "x"
						return []core.Change{{Actor: staff, Field: "description", From: old, To: x.Description}}, nil
					})
					errs <- err
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			got, _ := s.Ticket(t.Context(), tk.ID)
			if got.Description != strings.Repeat("x", n) {
				t.Errorf("description = %q, want %d x: an update was lost", got.Description, n)
			}
			if h, _ := s.History(t.Context(), tk.ID); len(h) != n+1 {
				t.Errorf("history has %d changes, want %d", len(h), n+1)
			}
			if evs := drain(t, s); len(evs) != n+1 {
				t.Errorf("%d events, want %d", len(evs), n+1)
			}
		}},
	}
}
