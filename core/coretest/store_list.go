package coretest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/ticketbot/ticketbot/core"
)

func listTests() []storeTest {
	return []storeTest{
		{"ListTickets filters by workspace, status, reporter, assignee and title", func(t *testing.T, s core.Store) {
			ctx := t.Context()
			mkTicket(t, s, wsA, "VPN broken")                                                                       // 1
			mkTicket(t, s, wsA, "printer jam", func(tk *core.Ticket) { tk.Reporter = bob })                         // 2
			mkTicket(t, s, wsA, "vpn slow", func(tk *core.Ticket) { tk.Status = core.StatusClosed })                // 3
			mkTicket(t, s, wsA, "laptop", func(tk *core.Ticket) { tk.Assignee = staff; tk.Status = "in_progress" }) // 4
			mkTicket(t, s, wsB, "vpn in B")                                                                         // B1
			all, err := s.ListTickets(ctx, core.ListFilter{Workspace: wsA})
			if err != nil || len(all) != 4 {
				t.Fatalf("ListTickets(wsA) = %d tickets, %v", len(all), err)
			}
			cases := []struct {
				name string
				f    core.ListFilter
				want []int64
			}{
				{"workspace", core.ListFilter{Workspace: wsA}, []int64{4, 3, 2, 1}},
				{"other workspace", core.ListFilter{Workspace: wsB}, []int64{1}},
				{"unknown workspace", core.ListFilter{Workspace: wsD}, []int64{}},
				{"status", core.ListFilter{Workspace: wsA, Statuses: []core.Status{core.StatusOpen}}, []int64{2, 1}},
				{"statuses", core.ListFilter{Workspace: wsA, Statuses: []core.Status{core.StatusClosed, core.StatusInProgress}}, []int64{4, 3}},
				{"reporter", core.ListFilter{Workspace: wsA, Reporter: bob.ID}, []int64{2}},
				{"assignee", core.ListFilter{Workspace: wsA, Assignee: staff.ID}, []int64{4}},
				{"query ignores case", core.ListFilter{Workspace: wsA, Query: "VpN"}, []int64{3, 1}},
				{"query and status", core.ListFilter{Workspace: wsA, Query: "vpn", Statuses: []core.Status{core.StatusOpen}}, []int64{1}},
				{"limit", core.ListFilter{Workspace: wsA, Limit: 2}, []int64{4, 3}},
				{"after", core.ListFilter{Workspace: wsA, After: core.ListCursor{ID: all[1].ID}}, []int64{2, 1}},
				{"after and status", core.ListFilter{Workspace: wsA, After: core.ListCursor{ID: all[0].ID}, Statuses: []core.Status{core.StatusClosed}}, []int64{3}},
			}
			for _, c := range cases {
				got, err := s.ListTickets(ctx, c.f)
				if err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				if !slices.Equal(numbers(got), c.want) {
					t.Errorf("%s: numbers = %v, want %v", c.name, numbers(got), c.want)
				}
				for _, tk := range got {
					if !c.f.Workspace.IsZero() && tk.Workspace != c.f.Workspace {
						t.Errorf("%s: ticket of %v listed", c.name, tk.Workspace)
					}
				}
			}
			every, err := s.ListTickets(ctx, core.ListFilter{})
			if err != nil || len(every) != 5 {
				t.Errorf("ListTickets without workspace = %d tickets, %v; want all 5", len(every), err)
			}
			for i := 1; i < len(every); i++ {
				if every[i].ID >= every[i-1].ID {
					t.Errorf("ListTickets not ordered by id descending: %d then %d", every[i-1].ID, every[i].ID)
				}
			}
		}},
		{"ListTickets pages by id with no duplicates or gaps while tickets are added", func(t *testing.T, s core.Store) {
			ctx := t.Context()
			for i := range 7 {
				mkTicket(t, s, wsA, fmt.Sprintf("t%d", i))
				mkTicket(t, s, wsB, fmt.Sprintf("b%d", i))
			}
			var got []int64
			after := int64(0)
			for page := 0; ; page++ {
				if page > 10 {
					t.Fatal("pagination does not end")
				}
				ts, err := s.ListTickets(ctx, core.ListFilter{Workspace: wsA, Limit: 3, After: core.ListCursor{ID: after}})
				if err != nil {
					t.Fatal(err)
				}
				if len(ts) == 0 {
					break
				}
				got = append(got, numbers(ts)...)
				after = ts[len(ts)-1].ID
				mkTicket(t, s, wsA, fmt.Sprintf("added after page %d", page)) // must not appear
			}
			if want := []int64{7, 6, 5, 4, 3, 2, 1}; !slices.Equal(got, want) {
				t.Fatalf("pages gave numbers %v, want %v", got, want)
			}
		}},
		{"ListTickets limit defaults to 50 and is capped at 200", func(t *testing.T, s core.Store) {
			for i := range 201 {
				mkTicket(t, s, wsA, fmt.Sprintf("t%d", i))
			}
			for _, c := range []struct{ limit, want int }{{0, 50}, {-1, 50}, {10, 10}, {200, 200}, {201, 200}, {1000, 200}} {
				got, err := s.ListTickets(t.Context(), core.ListFilter{Workspace: wsA, Limit: c.limit})
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != c.want {
					t.Errorf("Limit %d: %d tickets, want %d", c.limit, len(got), c.want)
				}
			}
		}},
	}
}
