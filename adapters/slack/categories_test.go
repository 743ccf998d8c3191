package slack_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/adapters/slack/slacktest"
	"github.com/ticketbot/ticketbot/core"
)

// TestCategoryForm: with categories, /ticket opens a form with a category menu; choosing
// one updates the form with the category's questions (golden); submitting it opens a ticket
// with the answers, and the triage card shows them.
func TestCategoryForm(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			s := newStack(t, b, stackOptions{})
			s.setup()
			ctx := context.Background()
			admin := core.Actor{User: core.UserRef{ID: admin, Name: "ada"}, Role: core.RoleAdmin, Workspace: s.ws}
			name := "VPN"
			qs := []core.Question{
				{Label: "Which device?", Kind: core.QuestionShort, Required: true},
				{Label: "What happened?", Kind: core.QuestionLong},
				{Label: "Office", Kind: core.QuestionChoice, Options: []string{"Berlin", "Lisbon"}},
			}
			cat, err := s.svc.CreateCategory(ctx, admin, s.ws, core.CategoryInput{Name: &name, Questions: &qs})
			if err != nil {
				t.Fatal(err)
			}
			form := s.commandForm(reporter, origin, "")
			if r := s.send("/slack/commands", formType, []byte(form.Encode()), nil); r.Status != 200 {
				t.Fatalf("/ticket: %d %s", r.Status, r.Body)
			}
			open := s.fake.Wait(t, "views.open", slacktest.Param("trigger_id", form.Get("trigger_id")))
			if !strings.Contains(open.Params["view"], `"dispatch_action":true`) || !strings.Contains(open.Params["view"], `"text":"VPN"`) {
				t.Fatalf("the form has no category menu: %s", open.Params["view"])
			}
			var view slacktest.View
			for _, v := range s.fake.Views() {
				if v.CallbackID == "tb:open" {
					view = v
				}
			}
			id := strconv.FormatInt(cat.ID, 10)
			r := s.interact(slacktest.ViewBlockActions(s.team, slacktest.User{ID: reporter, Name: "rita"}, view,
				map[string]map[string]any{"category": {"category": slacktest.SelectInput(id)}}, selectedIn("category", "category", id)))
			if r.Status != 200 {
				t.Fatalf("choosing the category: %d %s", r.Status, r.Body)
			}
			upd := s.fake.Wait(t, "views.update", slacktest.Param("view_id", view.ID))
			golden(t, "modal_category.json", upd.Params["view"])

			submit := func(values map[string]map[string]any) response {
				return s.interact(slacktest.ViewSubmission(s.team, slacktest.User{ID: reporter, Name: "rita"}, "tb:open", origin, values))
			}
			values := map[string]map[string]any{
				"category": {"category": slacktest.SelectInput(id)},
				"title":    {"title": slacktest.PlainInput("No VPN at home")},
				"priority": {"priority": slacktest.SelectInput("")},
				"q:q3":     {"q:q3": slacktest.SelectInput("Lisbon")},
			}
			r = submit(values)
			if r.Text("response_action") != "errors" || !strings.Contains(r.Text("errors.q:q1"), "Which device?") {
				t.Fatalf("a missing required answer: %d %s", r.Status, r.Body)
			}
			values["q:q1"] = map[string]any{"q:q1": slacktest.PlainInput("ThinkPad X1")}
			r = submit(values)
			if r.Text("response_action") != "update" || !strings.Contains(string(r.Body), "Ticket #1 opened") {
				t.Fatalf("submission: %d %s", r.Status, r.Body)
			}
			tk := s.waitTicket(1, "a card", func(t tkt) bool { return t.Thread.CardID != "" })
			if tk.Category != "VPN" || len(tk.Answers) != 2 || tk.Answers[0].Value != "ThinkPad X1" || tk.Answers[1].Value != "Lisbon" {
				t.Fatalf("ticket = %+v", tk.Ticket)
			}
			card := s.fake.Wait(t, "chat.postMessage", slacktest.Param("channel", helpdesk), slacktest.Containing("tb:card:answers"),
				slacktest.Containing("ThinkPad X1"), slacktest.Containing("Lisbon"))
			golden(t, "card_answers.json", card.Params["blocks"])
		})
	}
}

// selectedIn is a static_select's action in block.
func selectedIn(block, actionID, value string) map[string]any {
	a := slacktest.Selected(actionID, value)
	a["block_id"] = block
	return a
}
