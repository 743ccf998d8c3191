package discord_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/adapters/discord"
	"github.com/ticketbot/ticketbot/adapters/discord/discordtest"
	"github.com/ticketbot/ticketbot/core"
)

// TestPanelCategoriesGolden: one button per category, five to a row, at most 25.
func TestPanelCategoriesGolden(t *testing.T) {
	var cats []core.Category
	for i := 1; i <= 7; i++ {
		cats = append(cats, core.Category{ID: int64(i), Name: fmt.Sprintf("Kind %d", i)})
	}
	golden(t, "panel_categories.json", discord.PanelMessage(cats))
	for i := 8; i <= 30; i++ {
		cats = append(cats, core.Category{ID: int64(i), Name: fmt.Sprintf("Kind %d", i)})
	}
	m := discord.PanelMessage(cats)
	if len(m.Components) != 5 || strings.Count(fmt.Sprintf("%+v", m.Components), "tbd:panel:cat:") != 25 {
		t.Fatalf("30 categories: %d rows %+v, want 5 rows of 5", len(m.Components), m.Components)
	}
}

// TestCategoryPanel: /ticket-admin panel per_category: posts a button per category; a button
// opens its category's modal and the submission opens a ticket with the category and the
// answers; a deleted category's button says so and offers the plain form; the plain panel
// button and /ticket open without options offer a menu of the categories first.
func TestCategoryPanel(t *testing.T) {
	for _, be := range backends() {
		t.Run(be.name, func(t *testing.T) {
			s := newStack(t, stackOptions{backend: be})
			s.setup()
			admin := core.Actor{User: core.UserRef{ID: s.admin.ID, Name: s.admin.Name}, Role: core.RoleAdmin, Workspace: s.ws()}
			t.Run("per_category without categories is refused", func(t *testing.T) {
				ch := discordtest.ID()
				r := s.command(s.admin, "ticket-admin", "panel", discordtest.Opt{Name: "channel", Type: 7, Value: ch},
					discordtest.Opt{Name: "per_category", Type: 5, Value: true})
				if !strings.Contains(r.Data.Content, "no categories yet") || len(s.api.MessagesIn(ch)) != 0 {
					t.Fatalf("reply = %q, messages %+v", r.Data.Content, s.api.MessagesIn(ch))
				}
			})
			c := vpnCategory()
			name, other := c.Name, "Printers"
			vpn, err := s.svc.CreateCategory(t.Context(), admin, s.ws(), core.CategoryInput{Name: &name, Questions: &c.Questions})
			if err != nil {
				t.Fatal(err)
			}
			printers, err := s.svc.CreateCategory(t.Context(), admin, s.ws(), core.CategoryInput{Name: &other})
			if err != nil {
				t.Fatal(err)
			}
			vpnButton := fmt.Sprintf("tbd:panel:cat:%d", vpn.ID)
			printersButton := fmt.Sprintf("tbd:panel:cat:%d", printers.ID)
			panelChannel := discordtest.ID()
			var panel discordtest.Message
			t.Run("per_category posts one button per category", func(t *testing.T) {
				r := s.command(s.admin, "ticket-admin", "panel", discordtest.Opt{Name: "channel", Type: 7, Value: panelChannel},
					discordtest.Opt{Name: "per_category", Type: 5, Value: true})
				if !strings.Contains(r.Data.Content, "Posted the panel") {
					t.Fatalf("reply = %q", r.Data.Content)
				}
				msgs := s.api.MessagesIn(panelChannel)
				if len(msgs) != 1 {
					t.Fatalf("panel messages = %+v", msgs)
				}
				panel = msgs[0]
				comps := string(panel.Components)
				for _, want := range []string{`"custom_id":"` + vpnButton + `"`, `"label":"VPN"`, `"custom_id":"` + printersButton + `"`, `"label":"Printers"`} {
					if !strings.Contains(comps, want) {
						t.Errorf("panel lacks %s: %s", want, comps)
					}
				}
				if strings.Contains(comps, `"custom_id":"tbd:panel"`) {
					t.Errorf("per-category panel has the plain button: %s", comps)
				}
			})
			t.Run("a category's button opens its modal", func(t *testing.T) {
				r := s.interact(discordtest.Component(s.guild, panelChannel, s.reporter, panel.ID, vpnButton))
				if r.Type != 9 || r.Data.CustomID != fmt.Sprintf("tbd:open:cat:%d", vpn.ID) {
					t.Fatalf("button answered %d %+v, want the VPN modal", r.Type, r.Data)
				}
				for _, want := range []string{`"custom_id":"q:q1"`, `"label":"Which device?"`} {
					if !strings.Contains(string(r.Data.Components), want) {
						t.Errorf("modal lacks %s: %s", want, r.Data.Components)
					}
				}
			})
			t.Run("the submission opens a ticket with the category and answers", func(t *testing.T) {
				r := s.interact(discordtest.ModalSubmit(s.guild, panelChannel, s.reporter, fmt.Sprintf("tbd:open:cat:%d", vpn.ID),
					[2]string{"title", "No VPN"}, [2]string{"q:q1", "ThinkPad"}, [2]string{"q:q3", "berlin"}))
				if !strings.Contains(r.Data.Content, "Ticket #1 opened") {
					t.Fatalf("reply = %q", r.Data.Content)
				}
				tk, err := s.svc.TicketByNumber(t.Context(), admin, s.ws(), 1)
				if err != nil {
					t.Fatal(err)
				}
				if tk.CategoryID != vpn.ID || tk.Category != "VPN" || len(tk.Answers) != 2 || tk.Answers[0].Value != "ThinkPad" || tk.Answers[1].Value != "Berlin" {
					t.Fatalf("ticket = %+v", tk)
				}
			})
			t.Run("a deleted category's button says so and offers the plain form", func(t *testing.T) {
				if err := s.svc.DeleteCategory(t.Context(), admin, s.ws(), printers.ID); err != nil {
					t.Fatal(err)
				}
				r := s.interact(discordtest.Component(s.guild, panelChannel, s.reporter, panel.ID, printersButton))
				if r.Type != 4 || r.Data.Flags&64 == 0 || !strings.Contains(r.Data.Content, "no longer exists") ||
					!strings.Contains(string(r.Data.Components), `"custom_id":"tbd:form"`) {
					t.Fatalf("button answered %d %+v", r.Type, r.Data)
				}
				r = s.interact(discordtest.Component(s.guild, panelChannel, s.reporter, panel.ID, "tbd:form"))
				if r.Type != 9 || r.Data.CustomID != "tbd:open" {
					t.Fatalf("plain form button answered %d %+v, want the plain modal", r.Type, r.Data)
				}
			})
			t.Run("the plain button and /ticket open offer a menu of the categories", func(t *testing.T) {
				for _, r := range []reply{
					s.interact(discordtest.Component(s.guild, panelChannel, s.reporter, panel.ID, "tbd:panel")),
					s.command(s.reporter, "ticket", "open"),
				} {
					comps := string(r.Data.Components)
					if r.Type != 4 || r.Data.Flags&64 == 0 || !strings.Contains(comps, `"custom_id":"tbd:pick"`) ||
						!strings.Contains(comps, fmt.Sprintf(`"label":"VPN","value":"%d"`, vpn.ID)) ||
						!strings.Contains(comps, `"label":"Something else","value":"other"`) || strings.Contains(comps, "Printers") {
						t.Fatalf("answered %d %+v, want an ephemeral menu of the categories", r.Type, r.Data)
					}
				}
				r := s.interact(discordtest.Component(s.guild, s.support, s.reporter, panel.ID, "tbd:pick", fmt.Sprint(vpn.ID)))
				if r.Type != 9 || r.Data.CustomID != fmt.Sprintf("tbd:open:cat:%d", vpn.ID) {
					t.Fatalf("choosing VPN answered %d %+v, want its modal", r.Type, r.Data)
				}
				r = s.interact(discordtest.Component(s.guild, s.support, s.reporter, panel.ID, "tbd:pick", "other"))
				if r.Type != 9 || r.Data.CustomID != "tbd:open" {
					t.Fatalf("choosing something else answered %d %+v, want the plain modal", r.Type, r.Data)
				}
			})
		})
	}
}
