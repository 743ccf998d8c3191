package coretest

import (
	"reflect"
	"testing"

	"github.com/ticketbot/ticketbot/core"
)

// mkCategory stores a category of ws called name with one question of each kind.
func mkCategory(t *testing.T, s core.Store, ws core.Workspace, name string) core.Category {
	t.Helper()
	c := core.Category{Workspace: ws, Name: name, Description: "About " + name, Questions: []core.Question{
		{ID: "q1", Label: "Which device?", Kind: core.QuestionShort, Required: true},
		{ID: "q2", Label: "What happened?", Kind: core.QuestionLong},
		{ID: "q3", Label: "Office", Kind: core.QuestionChoice, Options: []string{"Berlin", "Lisbon"}},
	}}
	if err := s.CreateCategory(t.Context(), &c); err != nil {
		t.Fatalf("CreateCategory(%q): %v", name, err)
	}
	return c
}

func categoryTests() []storeTest {
	return []storeTest{
		{"CreateCategory stores questions and Categories lists a workspace's by name", func(t *testing.T, s core.Store) {
			ctx := t.Context()
			b := mkCategory(t, s, wsA, "VPN")
			a := mkCategory(t, s, wsA, "Access")
			mkCategory(t, s, wsB, "Other workspace")
			if a.ID == 0 || a.ID == b.ID || a.CreatedAt.IsZero() {
				t.Fatalf("created %+v", a)
			}
			got, err := s.Categories(ctx, wsA)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 || got[0].Name != "Access" || got[1].Name != "VPN" {
				t.Fatalf("Categories = %+v, want Access, VPN", got)
			}
			if !reflect.DeepEqual(got[1].Questions, b.Questions) || got[1].Description != "About VPN" || got[1].Workspace != wsA {
				t.Errorf("category = %+v, want %+v", got[1], b)
			}
			one, err := s.Category(ctx, b.ID)
			if err != nil || one.Name != "VPN" || len(one.Questions) != 3 || one.Questions[2].Options[1] != "Lisbon" {
				t.Errorf("Category = %+v, %v", one, err)
			}
		}},
		{"a category name is unique per workspace, ignoring case", func(t *testing.T, s core.Store) {
			mkCategory(t, s, wsA, "VPN")
			c := core.Category{Workspace: wsA, Name: "vpn"}
			mustCode(t, s.CreateCategory(t.Context(), &c), core.EConflict)
			mkCategory(t, s, wsB, "VPN")
			other := mkCategory(t, s, wsA, "Printers")
			other.Name = "Vpn"
			mustCode(t, s.UpdateCategory(t.Context(), &other), core.EConflict)
		}},
		{"UpdateCategory and DeleteCategory change one category", func(t *testing.T, s core.Store) {
			ctx := t.Context()
			c := mkCategory(t, s, wsA, "VPN")
			c.Name, c.Questions = "Network", c.Questions[:1]
			if err := s.UpdateCategory(ctx, &c); err != nil {
				t.Fatal(err)
			}
			got, _ := s.Category(ctx, c.ID)
			if got.Name != "Network" || len(got.Questions) != 1 {
				t.Errorf("updated = %+v", got)
			}
			if err := s.DeleteCategory(ctx, c.ID); err != nil {
				t.Fatal(err)
			}
			_, err := s.Category(ctx, c.ID)
			mustCode(t, err, core.ENotFound)
			mustCode(t, s.DeleteCategory(ctx, c.ID), core.ENotFound)
			missing := core.Category{ID: c.ID, Workspace: wsA, Name: "Gone"}
			mustCode(t, s.UpdateCategory(ctx, &missing), core.ENotFound)
		}},
		{"a ticket keeps its category and answers, also after the category is deleted", func(t *testing.T, s core.Store) {
			ctx := t.Context()
			c := mkCategory(t, s, wsA, "VPN")
			answers := []core.Answer{{QuestionID: "q1", Question: "Which device?", Value: "ThinkPad X1"},
				{QuestionID: "q3", Question: "Office", Value: "Lisbon"}}
			tk := mkTicket(t, s, wsA, "cannot connect", func(tk *core.Ticket) {
				tk.CategoryID, tk.Category, tk.Answers = c.ID, c.Name, answers
			})
			for _, get := range []func() (core.Ticket, error){
				func() (core.Ticket, error) { return s.Ticket(ctx, tk.ID) },
				func() (core.Ticket, error) { return s.TicketByNumber(ctx, wsA, tk.Number) },
			} {
				got, err := get()
				if err != nil {
					t.Fatal(err)
				}
				if got.CategoryID != c.ID || got.Category != "VPN" || !reflect.DeepEqual(got.Answers, answers) {
					t.Errorf("ticket = %+v, want category %d and answers %+v", got, c.ID, answers)
				}
			}
			if err := s.DeleteCategory(ctx, c.ID); err != nil {
				t.Fatal(err)
			}
			got, _ := s.Ticket(ctx, tk.ID)
			if got.Category != "VPN" || len(got.Answers) != 2 {
				t.Errorf("after delete: %+v", got)
			}
			plain := mkTicket(t, s, wsA, "no category")
			if got, _ := s.Ticket(ctx, plain.ID); got.CategoryID != 0 || got.Answers != nil {
				t.Errorf("plain ticket = %+v", got)
			}
		}},
		{"lists and counts filter by category", func(t *testing.T, s core.Store) {
			ctx := t.Context()
			vpn := mkCategory(t, s, wsA, "VPN")
			mail := mkCategory(t, s, wsA, "Mail")
			in := func(c core.Category) func(*core.Ticket) {
				return func(tk *core.Ticket) { tk.CategoryID, tk.Category = c.ID, c.Name }
			}
			v1 := mkTicket(t, s, wsA, "vpn one", in(vpn))
			mkTicket(t, s, wsA, "mail one", in(mail))
			v2 := mkTicket(t, s, wsA, "vpn two", in(vpn), func(tk *core.Ticket) { tk.Status = core.StatusWaiting })
			mkTicket(t, s, wsA, "none")
			for _, sort := range core.ListSorts() {
				got, err := s.ListTickets(ctx, core.ListFilter{Workspace: wsA, Category: vpn.ID, Sort: sort})
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != 2 || got[0].ID != v2.ID && got[1].ID != v2.ID || got[0].ID != v1.ID && got[1].ID != v1.ID {
					t.Errorf("sort %s: list = %v, want tickets %d and %d", sort, numbers(got), v1.Number, v2.Number)
				}
			}
			got, _ := s.ListTickets(ctx, core.ListFilter{Category: vpn.ID, Statuses: []core.Status{core.StatusWaiting}})
			if len(got) != 1 || got[0].ID != v2.ID {
				t.Errorf("waiting vpn = %v", numbers(got))
			}
			counts, err := s.CountTickets(ctx, core.ListFilter{Workspace: wsA, Category: vpn.ID})
			if err != nil {
				t.Fatal(err)
			}
			if counts[core.StatusOpen] != 1 || counts[core.StatusWaiting] != 1 || counts.Total() != 2 {
				t.Errorf("counts = %v", counts)
			}
		}},
		{"search finds a ticket by an answer and filters by category", func(t *testing.T, s core.Store) {
			ctx := t.Context()
			c := mkCategory(t, s, wsA, "VPN")
			tk := mkTicket(t, s, wsA, "cannot connect", func(tk *core.Ticket) {
				tk.CategoryID, tk.Category = c.ID, c.Name
				tk.Answers = []core.Answer{{QuestionID: "q1", Question: "Which device?", Value: "Thinkpad Carbon"}}
			})
			mkTicket(t, s, wsA, "carbon copy of mail")
			hits, err := s.SearchTickets(ctx, core.ListFilter{Workspace: wsA, Query: "thinkpad"})
			if err != nil {
				t.Fatal(err)
			}
			if len(hits) != 1 || hits[0].Ticket.ID != tk.ID || snippetText(hits[0].Snippet) == "" {
				t.Fatalf("hits = %+v, want ticket %d with a snippet", hits, tk.ID)
			}
			hits, _ = s.SearchTickets(ctx, core.ListFilter{Workspace: wsA, Query: "carbon", Category: c.ID})
			if len(hits) != 1 || hits[0].Ticket.ID != tk.ID {
				t.Errorf("carbon in VPN = %+v", hits)
			}
		}},
	}
}
