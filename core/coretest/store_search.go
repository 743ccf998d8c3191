package coretest

import (
	"slices"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/core"
)

// snippetText renders a snippet with [matches] bracketed.
func snippetText(parts []core.SnippetPart) string {
	var b strings.Builder
	for _, p := range parts {
		if p.Match {
			b.WriteString("[" + p.Text + "]")
		} else {
			b.WriteString(p.Text)
		}
	}
	return b.String()
}

func searchTests() []storeTest {
	return []storeTest{
		{"SearchTickets finds titles, descriptions and visible messages, folding case and accents", func(t *testing.T, s core.Store) {
			ctx := t.Context()
			mkTicket(t, s, wsA, "So viel Ärger mit dem Drucker") // 1
			mkTicket(t, s, wsA, "VPN", func(tk *core.Ticket) { tk.Description = "the tunnel drops every hour" })
			m := mkTicket(t, s, wsA, "laptop")                                                                 // 3
			n := mkTicket(t, s, wsA, "monitor")                                                                // 4
			mkTicket(t, s, wsB, "Ärger in B")                                                                  // B1
			mkTicket(t, s, wsA, "printer", func(tk *core.Ticket) { tk.Status = core.StatusClosed })            // 5
			mkTicket(t, s, wsA, "printer toner", func(tk *core.Ticket) { tk.Description = "printer printer" }) // 6
			if _, _, err := s.AddMessage(ctx, mkMessage(m.ID, "m1", "the keyboard is sticky since Tuesday"), nil); err != nil {
				t.Fatal(err)
			}
			note := mkMessage(n.ID, "n1", "internal: customer owes money, keyboard swap denied")
			note.Internal = true
			if _, _, err := s.AddMessage(ctx, note, nil); err != nil {
				t.Fatal(err)
			}
			if _, _, err := s.AddMessage(ctx, mkMessage(n.ID, "d1", "zebra crossing"), nil); err != nil {
				t.Fatal(err)
			}
			if _, err := s.EditMessage(ctx, n.ID, "d1", "", true, nil); err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				name    string
				f       core.ListFilter
				want    []int64
				snippet string
			}{
				{"accented word typed in lower case", core.ListFilter{Workspace: wsA, Query: "ärger"}, []int64{1}, "So viel [Ärger] mit dem Drucker"},
				{"accent left out", core.ListFilter{Workspace: wsA, Query: "ARGER"}, []int64{1}, "So viel [Ärger] mit dem Drucker"},
				{"every workspace", core.ListFilter{Query: "Ärger"}, []int64{1, 1}, ""},
				{"description, by prefix", core.ListFilter{Workspace: wsA, Query: "tunn"}, []int64{2}, "the [tunnel] drops every hour"},
				{"every word must match", core.ListFilter{Workspace: wsA, Query: "tunnel hour"}, []int64{2}, ""},
				{"words that match apart do not", core.ListFilter{Workspace: wsA, Query: "tunnel keyboard"}, []int64{}, ""},
				{"public message", core.ListFilter{Workspace: wsA, Query: "sticky"}, []int64{3}, "the keyboard is [sticky] since Tuesday"},
				{"internal note hidden from requesters", core.ListFilter{Workspace: wsA, Query: "owes"}, []int64{}, ""},
				{"internal note found by staff", core.ListFilter{Workspace: wsA, Query: "owes", Internal: true}, []int64{4}, "internal: customer [owes] money, keyboard swap denied"},
				{"public and internal", core.ListFilter{Workspace: wsA, Query: "keyboard", Internal: true}, []int64{4, 3}, ""},
				{"deleted message", core.ListFilter{Workspace: wsA, Query: "zebra", Internal: true}, []int64{}, ""},
				{"status filter", core.ListFilter{Workspace: wsA, Query: "printer", Statuses: []core.Status{core.StatusOpen}}, []int64{6}, ""},
				{"ranked: more matches first", core.ListFilter{Workspace: wsA, Query: "printer"}, []int64{6, 5}, "[printer] toner"},
			} {
				hits, err := s.SearchTickets(ctx, c.f)
				if err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				got := make([]int64, len(hits))
				for i, h := range hits {
					got[i] = h.Ticket.Number
				}
				if c.name == "public and internal" {
					slices.Sort(got) // both match once: the order is the engine's
					slices.Reverse(got)
				}
				if !slices.Equal(got, c.want) {
					t.Errorf("%s: numbers = %v, want %v", c.name, got, c.want)
					continue
				}
				if c.snippet != "" && snippetText(hits[0].Snippet) != c.snippet {
					t.Errorf("%s: snippet %q, want %q", c.name, snippetText(hits[0].Snippet), c.snippet)
				}
				listed, err := s.ListTickets(ctx, c.f)
				if err != nil || len(listed) != len(hits) {
					t.Errorf("%s: ListTickets with the query = %d tickets, %v; want the %d hits", c.name, len(listed), err, len(hits))
				}
			}
		}},
		{"SearchTickets answers a word common among the newest tickets newest first, a page at a time", func(t *testing.T, s core.Store) {
			ctx := t.Context()
			mkTicket(t, s, wsA, "Drücker drücker drücker", func(tk *core.Ticket) { tk.Description = "drücker" }) // 1: the best match
			for i := range 6 {
				tk := mkTicket(t, s, wsA, "ticket", func(tk *core.Ticket) {
					if i%2 == 1 {
						tk.Reporter = bob
					}
				}) // 2..7
				msg := mkMessage(tk.ID, "m", "der DRUCKER streikt")
				msg.Internal = i == 4 // 6: only an internal note holds the word
				if _, _, err := s.AddMessage(ctx, msg, nil); err != nil {
					t.Fatal(err)
				}
			}
			mkTicket(t, s, wsB, "drucker in B") // 8: another workspace
			pages := func(f core.ListFilter) []int64 {
				var got []int64
				for range 10 {
					hits, err := s.SearchTickets(ctx, f)
					if err != nil {
						t.Fatal(err)
					}
					for _, h := range hits {
						if h.Snippet == nil {
							t.Errorf("hit %d has no snippet", h.Ticket.Number)
						}
						got = append(got, h.Ticket.Number)
					}
					if len(hits) < f.Limit {
						return got
					}
					f.After = core.CursorAfterHit(hits[len(hits)-1])
				}
				return got
			}
			for _, c := range []struct {
				name string
				f    core.ListFilter
				want []int64
			}{
				{"staff, pages of 2", core.ListFilter{Workspace: wsA, Query: "drücker", Limit: 2, Internal: true}, []int64{7, 6, 5, 4, 3, 2, 1}},
				{"public messages only", core.ListFilter{Workspace: wsA, Query: "Drucker", Limit: 2}, []int64{7, 5, 4, 3, 2, 1}},
				{"a requester's own tickets", core.ListFilter{Workspace: wsA, Query: "drucker", Limit: 2, Reporter: alice.ID}, []int64{4, 2, 1}},
				{"every workspace", core.ListFilter{Query: "DRUCKER", Limit: 3, Internal: true}, []int64{1, 7, 6, 5, 4, 3, 2, 1}},
			} {
				if got := pages(c.f); !slices.Equal(got, c.want) {
					t.Errorf("%s: numbers = %v, want %v", c.name, got, c.want)
				}
			}
		}},
		{"SearchTickets pages with its cursor and follows edits", func(t *testing.T, s core.Store) {
			ctx := t.Context()
			for range 5 {
				mkTicket(t, s, wsA, "network outage")
			}
			f := core.ListFilter{Workspace: wsA, Query: "outage", Limit: 2}
			var got []int64
			for range 5 {
				hits, err := s.SearchTickets(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				if len(hits) == 0 {
					break
				}
				for _, h := range hits {
					got = append(got, h.Ticket.Number)
				}
				f.After = core.CursorAfterHit(hits[len(hits)-1])
			}
			if want := []int64{5, 4, 3, 2, 1}; !slices.Equal(got, want) {
				t.Errorf("pages = %v, want %v", got, want)
			}
			tk := mkTicket(t, s, wsA, "old title")
			if _, err := s.UpdateTicket(ctx, tk.ID, func(x *core.Ticket) ([]core.Change, error) {
				x.Title = "renamed firewall"
				return []core.Change{{Actor: staff, Field: "title", To: x.Title}}, nil
			}); err != nil {
				t.Fatal(err)
			}
			for q, want := range map[string]int{"firewall": 1, "old": 0} {
				hits, err := s.SearchTickets(ctx, core.ListFilter{Workspace: wsA, Query: q})
				if err != nil || len(hits) != want {
					t.Errorf("search %q after the edit = %d hits, %v; want %d", q, len(hits), err, want)
				}
			}
		}},
	}
}
