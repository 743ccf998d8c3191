package discord_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/adapters/discord"
	"github.com/ticketbot/ticketbot/adapters/discord/discordtest"
	"github.com/ticketbot/ticketbot/core"
)

// vpnCategory is the category the tests define: one question of each kind.
func vpnCategory() core.Category {
	return core.Category{ID: 3, Name: "VPN", Questions: []core.Question{
		{ID: "q1", Label: "Which device?", Kind: core.QuestionShort, Required: true},
		{ID: "q2", Label: "What happened?", Kind: core.QuestionLong},
		{ID: "q3", Label: "Office", Kind: core.QuestionChoice, Options: []string{"Berlin", "Lisbon"}},
	}}
}

func TestCategoryRenderGolden(t *testing.T) {
	c := vpnCategory()
	five := c
	five.Questions = append(append([]core.Question(nil), c.Questions...),
		core.Question{ID: "q4", Label: "Since when?"}, core.Question{ID: "q5", Label: "Ticket elsewhere?"})
	tk := fixedTicket()
	tk.CategoryID, tk.Category = c.ID, c.Name
	tk.Answers = []core.Answer{{QuestionID: "q1", Question: "Which device?", Value: "ThinkPad @everyone"}, {QuestionID: "q3", Question: "Office", Value: "Lisbon"}}
	golden(t, "category_modal.json", discord.CategoryModal(c))
	golden(t, "category_modal_five.json", discord.CategoryModal(five))
	golden(t, "card_with_answers.json", discord.CardMessage(tk))
}

// TestCategoryOpen: /ticket open category: answers with the category's modal, its submission
// opens a ticket with the answers, and the card in the private thread shows them.
func TestCategoryOpen(t *testing.T) {
	for _, be := range backends() {
		t.Run(be.name, func(t *testing.T) {
			s := newStack(t, stackOptions{backend: be})
			s.setup()
			admin := core.Actor{User: core.UserRef{ID: s.admin.ID, Name: s.admin.Name}, Role: core.RoleAdmin, Workspace: s.ws()}
			c := vpnCategory()
			name := c.Name
			cat, err := s.svc.CreateCategory(t.Context(), admin, s.ws(), core.CategoryInput{Name: &name, Questions: &c.Questions})
			if err != nil {
				t.Fatal(err)
			}
			t.Run("autocomplete suggests the categories", func(t *testing.T) {
				body := discordtest.Autocomplete(s.guild, s.support, s.reporter, "ticket", "open",
					discordtest.Opt{Name: "category", Type: 3, Value: "vp", Focused: true}).JSON()
				_, b := s.post(body, s.signer.Headers(body, time.Now())) // choices are strings: not a reply
				if !strings.Contains(string(b), `"type":8`) || !strings.Contains(string(b), `"choices":[{"name":"VPN","value":"VPN"}]`) {
					t.Fatalf("autocomplete = %s", b)
				}
			})
			t.Run("an unknown category lists the known ones", func(t *testing.T) {
				r := s.command(s.reporter, "ticket", "open", str("category", "printers"))
				if !strings.Contains(r.Data.Content, "there are: VPN") {
					t.Fatalf("reply = %q", r.Data.Content)
				}
			})
			t.Run("open with a category answers with its modal", func(t *testing.T) {
				r := s.command(s.reporter, "ticket", "open", str("category", "vpn"))
				if r.Type != 9 || r.Data.CustomID != fmt.Sprintf("tbd:open:cat:%d", cat.ID) {
					t.Fatalf("reply = %d %+v, want the category's modal", r.Type, r.Data)
				}
				for _, want := range []string{`"custom_id":"title"`, `"custom_id":"q:q1"`, `"label":"Which device?"`, `"custom_id":"q:q3"`, `One of: Berlin, Lisbon`} {
					if !strings.Contains(string(r.Data.Components), want) {
						t.Errorf("modal lacks %s: %s", want, r.Data.Components)
					}
				}
			})
			custom := fmt.Sprintf("tbd:open:cat:%d", cat.ID)
			t.Run("a missing required answer is refused", func(t *testing.T) {
				r := s.interact(discordtest.ModalSubmit(s.guild, s.support, s.reporter, custom, [2]string{"title", "No VPN"}, [2]string{"q:q3", "Berlin"}))
				if !strings.Contains(r.Data.Content, "Which device?") {
					t.Fatalf("reply = %q", r.Data.Content)
				}
			})
			t.Run("the submission opens a ticket with the answers, shown on the card", func(t *testing.T) {
				r := s.interact(discordtest.ModalSubmit(s.guild, s.support, s.reporter, custom,
					[2]string{"title", "No VPN"}, [2]string{"description", "since today"}, [2]string{"q:q1", "ThinkPad"}, [2]string{"q:q3", "lisbon"}))
				if !strings.Contains(r.Data.Content, "Ticket #1 opened") {
					t.Fatalf("reply = %q", r.Data.Content)
				}
				tk := s.waitCard(1)
				if tk.Category != "VPN" || len(tk.Answers) != 2 || tk.Answers[1].Value != "Lisbon" {
					t.Fatalf("ticket = %+v", tk.Ticket)
				}
				var card string
				for _, m := range s.api.MessagesIn(tk.Thread.ThreadID) {
					if m.ID == tk.Thread.CardID {
						card = string(m.Embeds)
					}
				}
				var embeds []struct {
					Fields []struct{ Name, Value string }
				}
				if err := json.Unmarshal([]byte(card), &embeds); err != nil || len(embeds) == 0 {
					t.Fatalf("card embeds %s: %v", card, err)
				}
				got := map[string]string{}
				for _, f := range embeds[0].Fields {
					got[f.Name] = f.Value
				}
				if got["Category"] != "VPN" || got["Which device?"] != "ThinkPad" || got["Office"] != "Lisbon" {
					t.Errorf("card fields = %v", got)
				}
			})
			t.Run("list filters by category", func(t *testing.T) {
				s.open(s.reporter, 2, "Printer jam")
				r := s.command(s.staff, "ticket", "list", str("category", "VPN"))
				if !strings.Contains(r.Data.Content, "No VPN") || strings.Contains(r.Data.Content, "Printer") {
					t.Fatalf("list = %q", r.Data.Content)
				}
			})
		})
	}
}
