package slack_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/adapters/slack/slacktest"
	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
)

// responses are the answers posted to url (the form's response_url).
func (s *stack) responses(url string) []slacktest.Call { return s.fake.Responses(url) }

// pendingIntake counts the stored commands not yet done.
func (s *stack) pendingIntake() int64 {
	s.t.Helper()
	n, err := s.store.PendingIntake(context.Background())
	if err != nil {
		s.t.Fatal(err)
	}
	return n
}

// A command Slack (or a proxy) sends again — at once, concurrently, as a retry, and after
// Redis forgot its trigger id — is stored once and opens one ticket.
func TestARetriedCommandOpensOneTicket(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			s := newStack(t, b, stackOptions{})
			form := s.commandForm(reporter, origin, "The VPN drops every hour")
			form.Set("trigger_id", "trig-"+randomHex(4))
			body := []byte(form.Encode())
			retry := http.Header{"X-Slack-Retry-Num": {"1"}, "X-Slack-Retry-Reason": {"http_timeout"}}
			var wg sync.WaitGroup
			acks := make([]string, 4)
			for i := range acks {
				wg.Go(func() {
					h := http.Header{}
					if i > 0 {
						h = retry
					}
					r, err := s.client.Post(context.Background(), "/slack/commands", formType, body, h)
					if err == nil {
						acks[i] = r.Text("text")
					}
				})
			}
			wg.Wait()
			s.settle()
			if err := s.bot.Dedupe().Forget(context.Background(), "slack:trigger:"+form.Get("trigger_id")); err != nil {
				t.Fatal(err)
			}
			late := s.send("/slack/commands", formType, body, retry)
			s.settle()
			opened := 0
			for _, a := range append(acks, late.Text("text")) {
				if strings.Contains(a, "Ticket #1 opened") {
					opened++
				}
			}
			answered := len(s.responses(form.Get("response_url")))
			if opened+answered != 1 {
				t.Errorf("the user was told of the ticket %d times in acks and %d through response_url; want once (acks %q, late %q)", opened, answered, acks, late.Body)
			}
			if !strings.Contains(late.Text("text"), "already opened as #1") {
				t.Errorf("the retry after Redis forgot the trigger = %s; want already opened as #1", late.Body)
			}
			if _, err := s.store.TicketByNumber(context.Background(), s.ws, 2); !core.IsCode(err, core.ENotFound) {
				t.Fatalf("a second ticket: %v", err)
			}
			if st := s.intake.Stats(); st.Accepted != 1 {
				t.Errorf("the intake stored %d requests, want 1", st.Accepted)
			}
		})
	}
}

// While MaxInline commands wait for a database that does not answer, the next one is
// acknowledged as queued at once instead of waiting out Slack's 3 s too; every one is finished
// once the database answers, and each user gets one answer.
func TestAckIsImmediateOnceInlineWorkIsBackedUp(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			s := newStack(t, b, stackOptions{})
			hold := make(chan struct{})
			s.faults.hold.Store(&hold)
			const inline = 4 // core.IntakeConfig.MaxInline's default
			var wg sync.WaitGroup
			var forms []string
			for i := range inline {
				f := s.commandForm(reporter, origin, "Printer "+string(rune('A'+i))+" jammed")
				forms = append(forms, f.Get("response_url"))
				wg.Go(func() { s.send("/slack/commands", formType, []byte(f.Encode()), nil) })
			}
			coretest.Eventually(t, 10*time.Second, "four commands at work inline", func() bool { return s.intake.Stats().Inline == inline })
			f := s.commandForm(reporter, origin, "Scanner on fire")
			forms = append(forms, f.Get("response_url"))
			ack := s.send("/slack/commands", formType, []byte(f.Encode()), nil)
			if !strings.Contains(ack.Text("text"), "queued") || ack.Took > time.Second {
				t.Fatalf("fifth ack after %v = %s; want queued at once", ack.Took, ack.Body)
			}
			wg.Wait()
			close(hold)
			s.settle()
			for i, u := range forms {
				if rs := s.responses(u); len(rs) != 1 || !slacktest.Containing(" opened: ")(rs[0]) {
					t.Errorf("command %d got %d answers through response_url (%v); want one that it was opened", i, len(rs), rs)
				}
			}
			if _, err := s.store.TicketByNumber(context.Background(), s.ws, inline+1); err != nil {
				t.Fatalf("ticket #%d: %v", inline+1, err)
			}
		})
	}
}

// With every slot of the database gate taken (MariaDB: SQLite's one-connection gate says
// nothing of the load), a command is stored on the intake's own lane and acknowledged as
// queued at once — not after Slack's 3 s, and not "busy, try again" — and once the
// database has room the workers open the ticket and answer through response_url.
func TestSaturatedGateQueuesTheCommandAtOnce(t *testing.T) {
	s := newStack(t, backends()[1], stackOptions{})
	var leaves []func()
	// The test holds every slot itself: one a background claim holds when the loop looks
	// would be given back, and the gate would no longer be saturated for the command (once
	// in CI: the command was opened inline).
	for !s.store.Saturated() || int64(len(leaves)) < s.store.Gate().Stats().Inside {
		leave, err := s.store.Gate().Enter(context.Background(), core.DepDatabase)
		if err != nil {
			t.Fatal(err)
		}
		leaves = append(leaves, leave)
	}
	form := s.commandForm(reporter, origin, "Laptop will not boot")
	ack := s.send("/slack/commands", formType, []byte(form.Encode()), nil)
	if !strings.Contains(ack.Text("text"), "queued") || ack.Took > time.Second {
		t.Fatalf("ack after %v = %s; want queued at once", ack.Took, ack.Body)
	}
	if st := s.intake.Stats(); st.Queued != 1 {
		t.Fatalf("intake %+v; want the command stored for the workers", st)
	}
	for _, leave := range leaves {
		leave()
	}
	answer := s.fake.Wait(t, "response_url", slacktest.Containing("Ticket #1 opened"))
	if answer.Params["url"] != strings.TrimPrefix(form.Get("response_url"), s.fake.URL()) {
		t.Errorf("answer went to %s", answer.Params["url"])
	}
	s.settle()
	if n := len(s.responses(form.Get("response_url"))); n != 1 {
		t.Errorf("%d answers, want one", n)
	}
}

// A stored command whose work fails for good (here: the user is over the open limit) is
// finished with an answer that says what could not be done, rather than vanishing.
func TestAQueuedCommandThatFailsForGoodIsAnswered(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			lim := bot.DefaultLimits()
			lim.Open = core.Limit{Rate: 1, Period: time.Hour, Burst: 1}
			s := newStack(t, b, stackOptions{limits: lim})
			hold := make(chan struct{})
			s.faults.hold.Store(&hold)
			first := s.commandForm(reporter, origin, "First problem")
			second := s.commandForm(reporter, origin, "Second problem")
			// The first runs late (acknowledged as queued), so the second is queued at once.
			for _, f := range []string{first.Encode(), second.Encode()} {
				if r := s.send("/slack/commands", formType, []byte(f), nil); !strings.Contains(r.Text("text"), "queued") {
					t.Fatalf("ack = %s; want queued (the database is held)", r.Body)
				}
			}
			if st := s.intake.Stats(); st.Inline != 1 || st.Queued != 1 {
				t.Fatalf("intake %+v; want the first inline, the second queued", st)
			}
			close(hold)
			s.settle()
			got := s.responses(second.Get("response_url"))
			if len(got) != 1 || !slacktest.Containing("I could not open your ticket: you're going a bit fast")(got[0]) {
				t.Fatalf("answers to the second command: %v; want one saying it could not be opened", got)
			}
			if s.pendingIntake() != 0 {
				t.Fatal("a request that failed for good is still pending")
			}
		})
	}
}
