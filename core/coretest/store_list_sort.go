package coretest

import (
	"maps"
	"slices"
	"testing"

	"github.com/ticketbot/ticketbot/core"
)

// pageAll lists f page by page (limit 2) with CursorAfter and returns the numbers in order.
func pageAll(t *testing.T, s core.Store, f core.ListFilter) []int64 {
	t.Helper()
	f.Limit = 2
	var got []int64
	for page := 0; ; page++ {
		if page > 20 {
			t.Fatal("pagination does not end")
		}
		ts, err := s.ListTickets(t.Context(), f)
		if err != nil {
			t.Fatalf("ListTickets(%+v): %v", f, err)
		}
		if len(ts) == 0 {
			return got
		}
		got = append(got, numbers(ts)...)
		f.After = core.CursorAfter(ts[len(ts)-1], f.Sort)
	}
}

func setPriority(p core.Priority) func(*core.Ticket) {
	return func(tk *core.Ticket) { tk.Priority = p }
}

func sortCountTests() []storeTest {
	return []storeTest{
		{"ListTickets sorts by created, updated and priority across statuses and pages", func(t *testing.T, s core.Store) {
			ctx := t.Context()
			mkTicket(t, s, wsA, "one", setPriority(core.PriorityLow))           // 1
			two := mkTicket(t, s, wsA, "two", setPriority(core.PriorityUrgent)) // 2
			mkTicket(t, s, wsA, "three", func(tk *core.Ticket) { tk.Status = core.StatusClosed })
			mkTicket(t, s, wsA, "four", setPriority(core.PriorityUrgent), func(tk *core.Ticket) { tk.Status = core.StatusWaiting })
			five := mkTicket(t, s, wsA, "five", setPriority(core.PriorityHigh)) // 5
			mkTicket(t, s, wsA, "six")                                          // 6
			mkTicket(t, s, wsB, "other workspace", setPriority(core.PriorityUrgent))
			for _, tk := range []core.Ticket{two, five} {
				if _, err := s.UpdateTicket(ctx, tk.ID, func(x *core.Ticket) ([]core.Change, error) {
					x.Description = "touched"
					return []core.Change{{Actor: staff, Field: "description", To: "touched"}}, nil
				}); err != nil {
					t.Fatal(err)
				}
			}
			open := []core.Status{core.StatusOpen, core.StatusWaiting}
			for _, c := range []struct {
				name string
				f    core.ListFilter
				want []int64
			}{
				{"created", core.ListFilter{Workspace: wsA}, []int64{6, 5, 4, 3, 2, 1}},
				{"updated", core.ListFilter{Workspace: wsA, Sort: core.SortUpdated}, []int64{5, 2, 6, 4, 3, 1}},
				{"priority", core.ListFilter{Workspace: wsA, Sort: core.SortPriority}, []int64{4, 2, 5, 6, 3, 1}},
				{"priority, two statuses", core.ListFilter{Workspace: wsA, Sort: core.SortPriority, Statuses: open}, []int64{4, 2, 5, 6, 1}},
				{"updated, two statuses", core.ListFilter{Workspace: wsA, Sort: core.SortUpdated, Statuses: open}, []int64{5, 2, 6, 4, 1}},
				{"priority filter", core.ListFilter{Workspace: wsA, Priorities: []core.Priority{core.PriorityUrgent, core.PriorityLow}}, []int64{4, 2, 1}},
				{"priority filter sorted by priority", core.ListFilter{Workspace: wsA, Sort: core.SortPriority, Priorities: []core.Priority{core.PriorityUrgent, core.PriorityLow}}, []int64{4, 2, 1}},
				{"reporter sorted by updated", core.ListFilter{Workspace: wsA, Reporter: alice.ID, Sort: core.SortUpdated}, []int64{5, 2, 6, 4, 3, 1}},
				{"every workspace by priority", core.ListFilter{Sort: core.SortPriority, Statuses: []core.Status{core.StatusOpen}, Priorities: []core.Priority{core.PriorityUrgent}}, []int64{1, 2}},
			} {
				if got := pageAll(t, s, c.f); !slices.Equal(got, c.want) {
					t.Errorf("%s: numbers = %v, want %v", c.name, got, c.want)
				}
			}
		}},
		{"CountTickets counts per status exactly as tickets are opened and changed", func(t *testing.T, s core.Store) {
			ctx := t.Context()
			a := mkTicket(t, s, wsA, "a")
			mkTicket(t, s, wsA, "b", setPriority(core.PriorityHigh))
			mkTicket(t, s, wsA, "c", func(tk *core.Ticket) { tk.Status = core.StatusWaiting })
			mkTicket(t, s, wsB, "d")
			check := func(name string, f core.ListFilter, want map[core.Status]int64) {
				t.Helper()
				got, err := s.CountTickets(ctx, f)
				if err != nil {
					t.Fatalf("%s: CountTickets: %v", name, err)
				}
				full := core.StatusCounts{}
				for _, st := range core.Statuses() {
					full[st] = want[st]
				}
				if !maps.Equal(got, full) {
					t.Errorf("%s: counts = %v, want %v", name, got, full)
				}
			}
			check("workspace", core.ListFilter{Workspace: wsA}, map[core.Status]int64{core.StatusOpen: 2, core.StatusWaiting: 1})
			check("every workspace", core.ListFilter{}, map[core.Status]int64{core.StatusOpen: 3, core.StatusWaiting: 1})
			if _, err := s.UpdateTicket(ctx, a.ID, func(x *core.Ticket) ([]core.Change, error) {
				x.Status, x.Priority, x.Assignee = core.StatusResolved, core.PriorityHigh, staff
				return []core.Change{{Actor: staff, Field: "status", From: "open", To: "resolved"}}, nil
			}); err != nil {
				t.Fatal(err)
			}
			check("after a change", core.ListFilter{Workspace: wsA}, map[core.Status]int64{core.StatusOpen: 1, core.StatusWaiting: 1, core.StatusResolved: 1})
			check("priority", core.ListFilter{Workspace: wsA, Priorities: []core.Priority{core.PriorityHigh}}, map[core.Status]int64{core.StatusOpen: 1, core.StatusResolved: 1})
			check("assignee", core.ListFilter{Workspace: wsA, Assignee: staff.ID}, map[core.Status]int64{core.StatusResolved: 1})
			check("reporter, every workspace", core.ListFilter{Reporter: alice.ID}, map[core.Status]int64{core.StatusOpen: 2, core.StatusWaiting: 1, core.StatusResolved: 1})
			check("statuses and query do not narrow", core.ListFilter{Workspace: wsB, Statuses: []core.Status{core.StatusClosed}, Query: "zzz"}, map[core.Status]int64{core.StatusOpen: 1})
		}},
	}
}
