package slack_test

import (
	"context"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/adapters/slack/slacktest"
	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
)

// TestSLAAlertInTriageThread: an sla.alert event posts one line into the ticket's triage
// thread that mentions the assignee, however often it is delivered.
func TestSLAAlertInTriageThread(t *testing.T) {
	b := backends()[0]
	s := newStack(t, b, stackOptions{})
	s.setup()
	tk := s.withCard("Printer on fire")
	ctx := context.Background()
	if _, err := s.svc.Assign(ctx, core.Actor{User: core.UserRef{ID: staff, Name: "sam"}, Role: core.RoleStaff, Workspace: s.ws}, tk.ID, core.UserRef{ID: staff, Name: "sam"}); err != nil {
		t.Fatal(err)
	}
	due := time.Now().Add(-10 * time.Minute).UTC()
	ev := core.Event{ID: 990001, Kind: core.EventSLAAlert, Workspace: s.ws, TicketID: tk.ID, CreatedAt: time.Now(),
		Changes: []core.Change{{Field: "sla.first_response", From: core.SLAStageBreach, To: due.Format(time.RFC3339)}}}
	for range 2 {
		// Delivered as the outbox does: a delivery paced behind the card's posts in the same
		// channel (Slack's ~1 message a second) is tried again when its turn comes.
		coretest.Eventually(t, 10*time.Second, "the alert delivered", func() bool {
			err := s.adapter.Notify(ctx, ev)
			if err != nil && !core.IsPaced(err) {
				t.Fatal(err)
			}
			return err == nil
		})
	}
	calls := s.fake.Find("chat.postMessage", slacktest.Param("thread_ts", tk.Thread.ThreadID), slacktest.Containing("SLA breached: first response"))
	if len(calls) != 1 {
		t.Fatalf("%d alert posts in the triage thread, want 1", len(calls))
	}
	if text := calls[0].Params["text"]; text == "" || text[:len("<@"+staff+">")] != "<@"+staff+">" {
		t.Fatalf("alert %q does not start by mentioning the assignee", text)
	}
}
