package slack_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/adapters/slack/slacktest"
	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
)

// While MaxInline requests wait for a database that does not answer, a submitted ticket form
// is stored for the workers and acknowledged at once — the form says it is queued — and once
// the database answers the workers open its ticket and the form shows it, once.
func TestAQueuedFormIsOpenedByTheWorkers(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			s := newStack(t, b, stackOptions{})
			view := s.openForm(reporter)
			hold := make(chan struct{})
			s.faults.hold.Store(&hold)
			const inline = 4 // core.IntakeConfig.MaxInline's default
			var wg sync.WaitGroup
			for i := range inline {
				f := s.commandForm(reporter, origin, "Printer "+string(rune('A'+i))+" jammed")
				wg.Go(func() { s.send("/slack/commands", formType, []byte(f.Encode()), nil) })
			}
			coretest.Eventually(t, 10*time.Second, "four commands at work inline", func() bool { return s.intake.Stats().Inline == inline })

			sub := s.submission(reporter, origin, "Toner everywhere", "All over the floor", "high")
			sub["view"].(map[string]any)["id"] = view
			r := s.interact(sub)
			if r.JSON["response_action"] != "update" || !strings.Contains(string(r.Body), "queued") || r.Took > time.Second {
				t.Fatalf("ack after %v = %d %s; want the form updated at once to say it is queued", r.Took, r.Status, r.Body)
			}
			if st := s.intake.Stats(); st.Queued != 1 {
				t.Fatalf("intake %+v; want the form stored for the workers", st)
			}
			wg.Wait()
			close(hold)
			s.fake.Wait(t, "views.update", slacktest.Param("view_id", view), slacktest.Containing("opened"))
			s.settle()
			if n := len(s.fake.Find("views.update", slacktest.Param("view_id", view))); n != 1 {
				t.Errorf("the form was updated %d times, want once", n)
			}
			var found *tkt
			for n := int64(1); n <= inline+1; n++ {
				if tk, err := s.load(n); err == nil && tk.Title == "Toner everywhere" {
					found = &tk
				}
			}
			if found == nil {
				t.Fatal("the form's ticket was not opened")
			}
			if found.Description != "All over the floor" || found.Priority != core.PriorityHigh || found.Reporter.ID != reporter {
				t.Errorf("the form's ticket = %+v; want what was filled in, by its reporter", found.Ticket)
			}
			if _, err := s.store.TicketByNumber(context.Background(), s.ws, inline+2); !core.IsCode(err, core.ENotFound) {
				t.Fatalf("a ticket more than the four commands and the form: %v", err)
			}
		})
	}
}

// A form sent again — by a proxy's retry (same trigger), after Redis forgot the trigger, and
// as a new submission of the same form once its ticket is open — opens one ticket, and the
// later ones say which.
func TestAFormSentAgainOpensOneTicket(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			s := newStack(t, b, stackOptions{})
			view := s.openForm(reporter)
			sub := s.submission(reporter, origin, "The VPN drops every hour", "", "normal")
			sub["view"].(map[string]any)["id"] = view
			body := sub.Form()
			var wg sync.WaitGroup
			acks := make([]response, 3)
			for i := range acks {
				wg.Go(func() { acks[i] = s.send("/slack/interactivity", formType, body, nil) })
			}
			wg.Wait()
			s.settle()
			if err := s.bot.Dedupe().Forget(context.Background(), "slack:trigger:"+sub["trigger_id"].(string)); err != nil {
				t.Fatal(err)
			}
			replay := s.send("/slack/interactivity", formType, body, nil)
			again := s.submission(reporter, origin, "The VPN drops every hour", "", "normal")
			again["view"].(map[string]any)["id"] = view
			resent := s.interact(again)
			s.settle()
			opened := 0
			for _, a := range acks {
				if strings.Contains(string(a.Body), "Ticket #1 opened") {
					opened++
				}
			}
			if opened != 1 {
				t.Errorf("%d of the concurrent sends were answered with the ticket; want one (%v)", opened, acks)
			}
			for name, r := range map[string]response{"the replay after Redis forgot the trigger": replay, "a new submission of the form": resent} {
				if !strings.Contains(string(r.Body), "already opened as #1") {
					t.Errorf("%s = %s; want already opened as #1", name, r.Body)
				}
			}
			if _, err := s.store.TicketByNumber(context.Background(), s.ws, 2); !core.IsCode(err, core.ENotFound) {
				t.Fatalf("a second ticket: %v", err)
			}
		})
	}
}

// openForm opens the ticket form for user (/ticket without text) and returns its view id.
func (s *stack) openForm(user string) string {
	s.t.Helper()
	form := s.commandForm(user, origin, "")
	form.Set("trigger_id", "trig-"+randomHex(4))
	s.send("/slack/commands", formType, []byte(form.Encode()), nil)
	s.fake.Wait(s.t, "views.open", slacktest.Param("trigger_id", form.Get("trigger_id")))
	views := s.fake.Views()
	return views[len(views)-1].ID
}
