package slack_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/adapters/slack/slacktest"
	"github.com/ticketbot/ticketbot/core"
)

// linkedFixture is a notify fixture whose workspace staffs a Discord server from helpdesk.
type linkedFixture struct {
	*notifyFixture
	guild core.Workspace
}

func newLinkedFixture(t *testing.T, b backend) *linkedFixture {
	t.Helper()
	s := &linkedFixture{notifyFixture: newNotifyFixture(t, b),
		guild: core.Workspace{Platform: core.PlatformDiscord, ExternalID: "G" + randomHex(4)}}
	ctx := context.Background()
	code, _, err := s.svc.NewLinkCode(ctx, core.Actor{User: core.UserRef{ID: "DADMIN"}, Role: core.RoleAdmin, Workspace: s.guild}, "Modders")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.LinkWith(ctx, core.Actor{User: core.UserRef{ID: admin}, Role: core.RoleAdmin, Workspace: s.ws}, code, helpdesk); err != nil {
		t.Fatal(err)
	}
	return s
}

// discordTicket opens a ticket in the Discord server, gives it its Discord private thread
// and stores the requester's message written there; it returns the ticket.opened event the
// Slack Notifier gets for it.
func (s *linkedFixture) discordTicket(title, said string) core.Event {
	s.t.Helper()
	ctx := context.Background()
	req := core.Actor{User: core.UserRef{ID: "DREQ", Name: "dana"}, Role: core.RoleRequester, Workspace: s.guild}
	tk, err := s.svc.OpenTicket(ctx, req, core.OpenInput{Title: title})
	if err != nil {
		s.t.Fatal(err)
	}
	p, err := s.svc.AddPlace(ctx, core.System(), core.Place{TicketID: tk.ID, Kind: core.PlaceRequesterThread, Workspace: s.guild,
		ChannelID: "T" + randomHex(4), ThreadID: "T" + randomHex(4)})
	if err != nil {
		s.t.Fatal(err)
	}
	if _, _, err := s.svc.AddMessage(ctx, req, tk.ID, core.MessageInput{ExternalID: randomHex(6), Content: said, Source: "discord", PlaceID: p.ID}); err != nil {
		s.t.Fatal(err)
	}
	ev := s.outboxEvent(core.EventTicketOpened, tk.ID)
	ev.Workspace, ev.Platform = s.guild, core.PlatformSlack
	return ev
}

// The requester's messages stored before a Discord ticket's Slack card existed are copied
// into the card's thread by the card's own event. When that copy fails after the card and its
// place were recorded (Slack errs, or asks to wait), the event's retry still posts it, once:
// the place being recorded does not make the event count as done.
func TestLinkedCardCopiesEarlierMessagesOnRetry(t *testing.T) {
	faults := []struct {
		name  string
		fault slacktest.Fault
	}{
		{"after a server error", slacktest.Fault{Status: http.StatusServiceUnavailable}},
		{"after a 429", slacktest.Fault{Status: http.StatusTooManyRequests, RetryAfter: time.Second}},
	}
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			s := newLinkedFixture(t, b)
			ctx := context.Background()
			for _, fc := range faults {
				t.Run(fc.name, func(t *testing.T) {
					said := "it happened twice today " + randomHex(3)
					ev := s.discordTicket("Roles vanish "+fc.name, said)
					copies := func() []slacktest.Call {
						return s.fake.Find("chat.postMessage", slacktest.InChannel(helpdesk), slacktest.Containing(said),
							func(c slacktest.Call) bool { return c.OK() && c.Params["thread_ts"] != "" })
					}
					f := fc.fault
					f.Method, f.Times = "chat.postMessage", 1
					f.Where = func(c slacktest.Call) bool { return c.Params["thread_ts"] != "" }
					s.fake.Inject(f)

					ev.Attempts = 1
					if err := s.adapter.Notify(ctx, ev); err == nil || core.IsPermanent(err) {
						t.Fatalf("first attempt: err = %v, want a retryable error from the failed copy", err)
					}
					if n := len(copies()); n != 0 {
						t.Fatalf("%d copies after the failed attempt", n)
					}
					// The outbox brings the event back, as often as it waits its turn.
					ev.Attempts = 2
					var err error
					s.fake.WaitUntil(10*time.Second, func() bool {
						err = s.adapter.Notify(ctx, ev)
						return core.RetryAfterOf(err) == 0
					})
					if err != nil {
						t.Fatalf("retry: %v", err)
					}
					got := copies()
					if len(got) != 1 {
						t.Fatalf("%d copies of the requester's message in the card's thread after the retry, want 1:\n%s", len(got), s.fake.Dump())
					}
					ev.Attempts = 3
					if err := s.adapter.Notify(ctx, ev); err != nil {
						t.Fatal(err)
					}
					if n := len(copies()); n != 1 {
						t.Errorf("%d copies after one more delivery, want still 1", n)
					}
					cards := s.fake.Find("chat.postMessage", slacktest.InChannel(helpdesk), slacktest.Param("thread_ts", ""),
						slacktest.Containing("Roles vanish "+fc.name), func(c slacktest.Call) bool { return c.OK() })
					if len(cards) != 1 || got[0].Params["thread_ts"] != cards[0].TS {
						t.Errorf("want one card with the copy in its thread; cards %v, copy in %q", cards, got[0].Params["thread_ts"])
					}
					_ = s.bot.Cache("slack").Delete(ctx, "pause:"+s.ws.ExternalID+":chat")
				})
			}
		})
	}
}
