package discord_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/adapters/discord/discordtest"
	"github.com/ticketbot/ticketbot/core"
)

// openThreadless opens a ticket as the reporter outside Discord (no origin channel) before the
// guild is set up, so its ticket.opened delivery is given up and it has no thread; then the
// admin runs setup.
func openThreadless(t *testing.T, s *stack, title string) tkt {
	t.Helper()
	reporter := core.Actor{User: core.UserRef{ID: s.reporter.ID, Name: s.reporter.Name}, Role: core.RoleRequester, Workspace: s.ws()}
	tk, err := s.svc.OpenTicket(context.Background(), reporter, core.OpenInput{Title: title})
	if err != nil {
		t.Fatal(err)
	}
	s.waitLog("has no support channel")
	s.setup()
	got := s.ticket(tk.Number)
	if got.Thread.ThreadID != "" {
		t.Fatalf("the ticket got a thread before setup: %+v", got.Thread)
	}
	return got
}

// A reply written in the dashboard or the API to a ticket that has no thread yet makes the
// thread and card first and is then posted there, instead of being dropped.
func TestReplyToTicketWithoutThreadMakesTheThread(t *testing.T) {
	s := newStack(t, stackOptions{backend: backends()[0]})
	tk := openThreadless(t, s, "Asked in the dashboard")

	_, _, err := s.svc.AddMessage(context.Background(), apiActor(), tk.ID, core.MessageInput{
		ExternalID: "api-1", Content: "we are looking into it", Source: "api", Deliver: true})
	if err != nil {
		t.Fatal(err)
	}
	tk = s.waitCard(tk.Number)
	th, ok := s.api.Thread(tk.Thread.ThreadID)
	if !ok || th.ParentID != s.support || !slices.Contains(th.Members, s.reporter.ID) {
		t.Fatalf("thread = %+v (found %v), want one in the support channel with the reporter", th, ok)
	}
	ok = s.api.WaitUntil(wait, func() bool {
		for _, m := range s.api.MessagesIn(tk.Thread.ThreadID) {
			if strings.Contains(m.Content, "we are looking into it") {
				return true
			}
		}
		return false
	})
	if !ok {
		t.Fatalf("the reply was not posted into the new thread:\n%s", s.api.Dump())
	}
	if msgs := s.api.MessagesIn(tk.Thread.ThreadID); msgs[0].ID != tk.Thread.CardID {
		t.Fatalf("the card is not the thread's first message: %+v", msgs)
	}
}

// A status change of a ticket that has no thread yet makes the thread (with the card showing
// the new status) and DMs the reporter, instead of doing nothing.
func TestStatusChangeOfTicketWithoutThreadMakesTheThreadAndDMs(t *testing.T) {
	s := newStack(t, stackOptions{backend: backends()[0]})
	tk := openThreadless(t, s, "Asked by mail")

	r := s.command(s.staff, "ticket", "status", num(tk.Number), str("status", "in_progress"), str("note", "on it"))
	if !strings.Contains(r.Data.Content, "now in progress") {
		t.Fatalf("reply = %q", r.Data.Content)
	}
	tk = s.waitCard(tk.Number)
	card, _ := s.api.Message(tk.Thread.CardID)
	if !strings.Contains(string(card.Embeds), `"name":"Status","value":"in progress"`) {
		t.Fatalf("card = %s", card.Embeds)
	}
	ok := s.api.WaitUntil(wait, func() bool { return len(s.api.DMsTo(s.reporter.ID)) > 0 })
	dms := s.api.DMsTo(s.reporter.ID)
	if !ok || !strings.Contains(dms[0].Content, "is now in progress") || !strings.Contains(dms[0].Content, "on it") {
		t.Fatalf("DMs = %+v\n%s", dms, s.api.Dump())
	}
	if n := len(s.api.Find("POST", "channels/*/threads")); n != 1 {
		t.Fatalf("thread creations = %d, want 1", n)
	}
	// The staff notice with the Join button was posted too, so staff can find the thread.
	notices := s.api.MessagesIn(s.staffCh)
	if len(notices) != 1 || !strings.Contains(string(notices[0].Components), "tbd:join:"+itoa(tk.ID)) {
		t.Fatalf("notices = %+v", notices)
	}
}

// A ticket whose thread was made but whose card could not be posted (a 400, given up) gets its
// card in that same thread with its next change, and the change's DM goes out.
func TestStatusChangeFinishesAThreadWithoutCard(t *testing.T) {
	s := newStack(t, stackOptions{backend: backends()[0]})
	s.setup()
	s.api.Inject(discordtest.Fault{Method: "POST", Path: "channels/*/messages", Status: 400, Code: 50035, Message: "Invalid Form Body", Times: 1})
	if r := s.command(s.reporter, "ticket", "open", str("title", "Card refused")); !strings.Contains(r.Data.Content, "Ticket #1 opened") {
		t.Fatalf("reply = %q", r.Data.Content)
	}
	s.waitLog("could not post the ticket card; giving up")
	tk := s.waitTicket(1, "thread recorded", func(tk tkt) bool { return tk.Thread.ThreadID != "" })
	if tk.Thread.CardID != "" {
		t.Fatalf("card = %q, want none", tk.Thread.CardID)
	}

	s.command(s.staff, "ticket", "status", num(1), str("status", "waiting"))
	got := s.waitCard(1)
	if got.Thread.ThreadID != tk.Thread.ThreadID || len(s.privateThreads()) != 1 {
		t.Fatalf("thread %s, threads %d; want the card in the existing thread %s", got.Thread.ThreadID, len(s.privateThreads()), tk.Thread.ThreadID)
	}
	if ok := s.api.WaitUntil(wait, func() bool { return len(s.api.DMsTo(s.reporter.ID)) > 0 }); !ok {
		t.Fatalf("no DM:\n%s", s.api.Dump())
	}
}
