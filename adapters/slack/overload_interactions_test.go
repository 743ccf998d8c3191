package slack_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/adapters/slack/slacktest"
	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
)

// A card button or form submission whose database work outlasts Slack's 3 s is acknowledged
// in time, the user is told it is queued, and the work is finished rather than cut short: the
// button's answer follows through response_url and the form turns into what was opened.
// Work the database turns away once it got to it says so, and changes nothing.
func TestBusyDatabaseQueuesButtonsAndForms(t *testing.T) {
	s := newStack(t, backends()[0], stackOptions{})
	s.setup()
	tk := s.withCard("Printer on fire")
	card := s.fake.Wait(t, "chat.postMessage", slacktest.Param("channel", helpdesk), slacktest.Containing("Printer on fire"))
	id := fmt.Sprint(tk.ID)
	ctx := context.Background()
	hold := func() chan struct{} {
		h := make(chan struct{})
		s.faults.hold.Store(&h)
		return h
	}

	t.Run("a button is acknowledged, queued, and then done", func(t *testing.T) {
		h := hold()
		r := s.interact(s.press(staff, helpdesk, card.TS, "tb:claim:"+id, id, false))
		if r.Status != 200 || len(r.Body) != 0 {
			t.Fatalf("ack = %d %s; want an empty 200", r.Status, r.Body)
		}
		s.fake.Wait(t, "response_url", slacktest.Containing("queued"))
		if got := s.ticket(tk.Number); !got.Assignee.IsZero() {
			t.Fatalf("assigned before the database answered: %+v", got.Assignee)
		}
		close(h)
		s.fake.Wait(t, "response_url", slacktest.Containing("You now own ticket #1"))
		s.waitTicket(tk.Number, "its assignee", func(t tkt) bool { return t.Assignee.ID == staff })
	})

	t.Run("a button whose work the database turns away says busy and changes nothing", func(t *testing.T) {
		busy := error(&core.Error{Code: core.EUnavailable, Dependency: "database", Busy: true, Message: "no room"})
		s.faults.heldErr.Store(&busy)
		defer s.faults.heldErr.Store(nil)
		h := hold()
		queued := len(s.fake.Find("response_url", slacktest.Containing("queued")))
		s.interact(s.press(staff, helpdesk, card.TS, "tb:status:"+id, "waiting", true))
		s.fake.WaitFor(t, 10*time.Second, "response_url", queued+1, slacktest.Containing("queued"))
		close(h)
		s.fake.Wait(t, "response_url", slacktest.Containing("nothing was changed"))
		if got := s.ticket(tk.Number); got.Status != core.StatusOpen {
			t.Errorf("status %s after a refused change; want it open still", got.Status)
		}
	})

	t.Run("a form submission is acknowledged as queued, and the form then says what was opened", func(t *testing.T) {
		s.faults.hold.Store(nil)
		form := s.commandForm(reporter, origin, "")
		form.Set("trigger_id", "trig-"+randomHex(4))
		s.send("/slack/commands", formType, []byte(form.Encode()), nil)
		s.fake.Wait(t, "views.open", slacktest.Param("trigger_id", form.Get("trigger_id")))
		views := s.fake.Views()
		view := views[len(views)-1]

		h := hold()
		sub := s.submission(reporter, origin, "Toner everywhere", "", "normal")
		sub["view"].(map[string]any)["id"] = view.ID
		r := s.interact(sub)
		if r.JSON["response_action"] != "update" || !strings.Contains(string(r.Body), "queued") {
			t.Fatalf("ack = %d %s; want the form updated to say it is queued", r.Status, r.Body)
		}
		if _, err := s.store.TicketByNumber(ctx, s.ws, 2); !core.IsCode(err, core.ENotFound) {
			t.Fatalf("a ticket before the database answered: %v", err)
		}
		close(h)
		s.fake.Wait(t, "views.update", slacktest.Param("view_id", view.ID), slacktest.Containing("Ticket #2 opened"))
		if _, err := s.store.TicketByNumber(ctx, s.ws, 2); err != nil {
			t.Errorf("ticket #2: %v", err)
		}
	})

	t.Run("a rating form is acknowledged as queued, and then says the rating was saved", func(t *testing.T) {
		s.faults.hold.Store(nil)
		ops := core.Actor{User: core.UserRef{ID: staff, Name: "sam"}, Role: core.RoleStaff, Workspace: s.ws}
		if _, err := s.svc.SetStatus(ctx, ops, tk.ID, core.StatusClosed, ""); err != nil {
			t.Fatal(err)
		}
		rate := bot.RateAction(tk.ID, 5)
		s.interact(s.press(reporter, tk.DM.ChannelID, tk.DM.CardID, rate, "5", false))
		s.fake.Wait(t, "views.open", slacktest.Containing("Rate your ticket"))
		views := s.fake.Views()
		view := views[len(views)-1]

		h := hold()
		sub := slacktest.ViewSubmission(s.team, slacktest.User{ID: reporter, Name: userName(reporter)}, "tb_rate", view.PrivateMetadata,
			map[string]map[string]any{"comment": {"comment": slacktest.PlainInput("quick and kind")}})
		sub["view"].(map[string]any)["id"] = view.ID
		r := s.interact(sub)
		if r.JSON["response_action"] != "update" || !strings.Contains(string(r.Body), "queued") {
			t.Fatalf("ack = %d %s; want the form updated to say it is queued", r.Status, r.Body)
		}
		close(h)
		s.fake.Wait(t, "views.update", slacktest.Param("view_id", view.ID), slacktest.Containing("Thanks for your rating"))
	})
}
