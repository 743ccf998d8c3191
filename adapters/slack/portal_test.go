package slack_test

import (
	"context"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/adapters/slack/slacktest"
	"github.com/ticketbot/ticketbot/core"
)

// A ticket opened in the web portal by a requester account is a ticket of the workspace like
// any other: its card goes to the triage channel (no DM: the reporter is no Slack user), a
// staff reply in the card's thread reaches the requester, and the requester's portal reply
// (written outside the ticket's places) is posted into the thread.
func TestPortalTicketsMeetTheTriageThread(t *testing.T) {
	s := newStack(t, backends()[0], stackOptions{})
	s.setup()
	ctx := context.Background()
	rita := core.Actor{User: core.UserRef{ID: "web:rita", Name: "rita"}, Role: core.RoleRequester, Workspace: s.ws}
	opened, err := s.svc.OpenTicket(ctx, rita, core.OpenInput{Title: "Laptop battery drains overnight"})
	if err != nil {
		t.Fatal(err)
	}
	tk := s.waitTicket(opened.Number, "a triage card", func(t tkt) bool { return t.Thread.ID != 0 })
	if tk.DM.ID != 0 {
		t.Errorf("a requester card for a web account: %+v", tk.DM)
	}
	thread := tk.Thread.ThreadID
	s.event(slacktest.NewEventID(), map[string]any{"type": "message", "channel": helpdesk, "channel_type": "channel",
		"user": staff, "text": "Which model is it?", "ts": "1700000800.000001", "thread_ts": thread, "event_ts": "1700000800.000001"}, 0)
	ms, err := s.svc.Messages(ctx, rita, opened.ID)
	if err != nil || len(ms) != 1 || ms[0].Content != "Which model is it?" {
		t.Fatalf("what rita sees: %+v, %v", ms, err)
	}
	if _, _, err := s.svc.AddMessage(ctx, rita, opened.ID, core.MessageInput{ExternalID: "web:portal-reply-1",
		Content: "A ThinkPad X1", Source: "web", Deliver: true}); err != nil {
		t.Fatal(err)
	}
	s.fake.WaitFor(t, 10*time.Second, "chat.postMessage", 1, slacktest.Param("thread_ts", thread), slacktest.Containing("A ThinkPad X1"))
}
