package slack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/adapters/slack"
	"github.com/ticketbot/ticketbot/adapters/slack/slacktest"
	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/memstate"
)

// TestSlack runs every behaviour end to end — signed requests into the real HTTP endpoints of a
// running server, the outbox delivering to a fake Slack — on each backend.
func TestSlack(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, b backend)
	}{
		{"verifies signatures and rejects bad requests", testRequests},
		{"opens a ticket from /ticket TEXT and posts its card", testOpenByText},
		{"opens a ticket from the modal, showing validation errors in it", testOpenByModal},
		{"opens a ticket from a DM draft, and says when a draft expired", testOpenByDraft},
		{"lets only admins set up the helpdesk channel, then posts cards there", testSetup},
		{"stores thread replies once, ignores bots, records edits and deletions", testThreadReplies},
		{"runs card buttons and the status menu with the role rules", testButtons},
		{"updates the card in place when the ticket changes elsewhere", testChangedElsewhere},
		{"never lets user text ping a channel", testMentionEscaping},
		{"tells a user who opens too fast when to try again", testRateLimit},
		{"answers within Slack's 3 seconds even when Slack is slow", testSlowSlack},
		{"holds role look-ups while Slack rate-limits users.info", testUsersRateLimit},
		{"retries the card after Slack answers 429", testSlack429},
		{"caches roles: a burst of commands is not a burst of API calls", testRoleCache},
		{"delivers an outbox event once however often it comes", testNotifyOnce},
		{"classifies Slack's failures and paces its posts", testNotifyFailures},
		{"posts late cards and message copies, never a note to the requester", testNotifyCopies},
		{"serves Socket Mode through the same handlers", testSocketMode},
		{"acknowledges a Socket Mode event only once it was processed", testSocketRedelivery},
		{"survives a panicking Socket Mode handler and still acknowledges", testSocketPanic},
		{"ignores a repeated slash command or view submission", testRepeatedRequests},
		{"never logs an interaction's response_url", testRedactedURLs},
	}
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) { tc.run(t, b) })
			}
		})
	}
}

func testRequests(t *testing.T, b backend) {
	// Slack's published example: https://api.slack.com/authentication/verifying-requests-from-slack
	const (
		exampleSecret = "8f742231b10e8888abcd99yyyzzz85a5"
		exampleTS     = "1531420618"
		exampleBody   = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
		exampleSig    = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
	)
	clock := &manualClock{now: time.Unix(1531420618, 0)}
	s := newStack(t, b, stackOptions{clock: clock, secret: exampleSecret})

	t.Run("rejects the example's signature over another token", func(t *testing.T) {
		h := http.Header{}
		h.Set("X-Slack-Request-Timestamp", exampleTS)
		h.Set("X-Slack-Signature", exampleSig)
		body := strings.Replace(exampleBody, "xyzz0WbapA4vBCDEFasx0q6G", "xyzz0WbapA4vBCDEvV9t1qNbhwMV3x8T7F%2BbGkVbBO4%3D", 1)
		if r := s.raw("/slack/commands", formType, []byte(body), h); r.Status != http.StatusUnauthorized {
			t.Fatalf("status %d", r.Status)
		}
	})
	t.Run("accepts Slack's published example", func(t *testing.T) {
		// The example's trigger_id is the same on every run; an earlier run's mark (in Redis)
		// would have this one taken for a replay.
		_ = s.bot.Dedupe().Forget(context.Background(), "slack:trigger:398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c")
		h := http.Header{}
		h.Set("X-Slack-Request-Timestamp", exampleTS)
		h.Set("X-Slack-Signature", exampleSig)
		r := s.raw("/slack/commands", formType, []byte(exampleBody), h)
		if r.Status != http.StatusOK {
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
		// An empty /ticket opens the modal with the trigger id, at once.
		s.fake.Wait(t, "views.open", slacktest.Param("trigger_id", "398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"))
	})

	form := s.commandForm(reporter, origin, "Printer on fire")
	body := []byte(form.Encode())
	now := clock.Now()
	signed := func(ts time.Time, key string) http.Header { return slacktest.Sign(key, ts, body) }
	other := slacktest.Sign(exampleSecret, now, []byte("text=something+else"))
	big := make([]byte, (1<<20)+1)
	for i := range big {
		big[i] = 'a'
	}
	cases := []struct {
		name   string
		path   string
		ctype  string
		body   []byte
		header http.Header
		status int
	}{
		{"missing signature → 401", "/slack/commands", formType, body, http.Header{}, 401},
		{"missing timestamp → 401", "/slack/commands", formType, body, http.Header{"X-Slack-Signature": signed(now, exampleSecret)["X-Slack-Signature"]}, 401},
		{"wrong secret → 401", "/slack/commands", formType, body, signed(now, "not-the-secret"), 401},
		{"signature of another body → 401", "/slack/commands", formType, body, other, 401},
		{"stale timestamp → 401", "/slack/commands", formType, body, signed(now.Add(-6*time.Minute), exampleSecret), 401},
		{"future timestamp → 401", "/slack/commands", formType, body, signed(now.Add(6*time.Minute), exampleSecret), 401},
		{"unsigned event → 401", "/slack/events", "application/json", []byte(`{"type":"url_verification","challenge":"x"}`), http.Header{}, 401},
		{"unsigned interaction → 401", "/slack/interactivity", formType, []byte("payload=%7B%7D"), http.Header{}, 401},
		{"body past the cap → 413", "/slack/commands", formType, big, slacktest.Sign(exampleSecret, now, big), 413},
		{"malformed form → 400", "/slack/commands", formType, []byte("text=%zz"), slacktest.Sign(exampleSecret, now, []byte("text=%zz")), 400},
		{"command without a team → 400", "/slack/commands", formType, []byte("user_id=U1&text=hi"), slacktest.Sign(exampleSecret, now, []byte("user_id=U1&text=hi")), 400},
		{"event that is not JSON → 400", "/slack/events", "application/json", []byte("{nope"), slacktest.Sign(exampleSecret, now, []byte("{nope")), 400},
		{"event that is a JSON array → 400", "/slack/events", "application/json", []byte("[1,2]"), slacktest.Sign(exampleSecret, now, []byte("[1,2]")), 400},
		{"event_callback without an event id → 400", "/slack/events", "application/json",
			[]byte(`{"type":"event_callback","team_id":"T1","event":{"type":"message"}}`),
			slacktest.Sign(exampleSecret, now, []byte(`{"type":"event_callback","team_id":"T1","event":{"type":"message"}}`)), 400},
		{"interaction without payload → 400", "/slack/interactivity", formType, []byte("foo=bar"), slacktest.Sign(exampleSecret, now, []byte("foo=bar")), 400},
		{"interaction payload that is not JSON → 400", "/slack/interactivity", formType, []byte("payload=%7Bnope"), slacktest.Sign(exampleSecret, now, []byte("payload=%7Bnope")), 400},
		{"interaction without a user → 400", "/slack/interactivity", formType, []byte("payload=%7B%22type%22%3A%22block_actions%22%7D"),
			slacktest.Sign(exampleSecret, now, []byte("payload=%7B%22type%22%3A%22block_actions%22%7D")), 400},
		{"interaction with a wrongly typed field → 400", "/slack/interactivity", formType, []byte("payload=%7B%22type%22%3A5%7D"),
			slacktest.Sign(exampleSecret, now, []byte("payload=%7B%22type%22%3A5%7D")), 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := s.raw(c.path, c.ctype, c.body, c.header)
			if r.Status != c.status {
				t.Fatalf("status %d, want %d: %s", r.Status, c.status, r.Body)
			}
		})
	}
	t.Run("body past the cap without a length → 413", func(t *testing.T) {
		h := slacktest.Sign(exampleSecret, now, big)
		req, _ := http.NewRequest(http.MethodPost, s.srv.URL+"/slack/commands", struct{ *strings.Reader }{strings.NewReader(string(big))})
		req.Header = h
		req.Header.Set("Content-Type", formType)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 413 {
			t.Fatalf("status %d, want 413", res.StatusCode)
		}
	})
	t.Run("answers url_verification with its challenge", func(t *testing.T) {
		b := []byte(`{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`)
		r := s.raw("/slack/events", "application/json", b, slacktest.Sign(exampleSecret, now, b))
		if r.Status != 200 || r.Text("challenge") != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
	})
	t.Run("ignores event types it does not handle", func(t *testing.T) {
		b := s.eventBody(slacktest.NewEventID(), map[string]any{"type": "reaction_added", "user": "U1", "reaction": "+1"})
		if r := s.raw("/slack/events", "application/json", b, slacktest.Sign(exampleSecret, now, b)); r.Status != 200 {
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
	})
	t.Run("changed nothing for refused requests", func(t *testing.T) {
		ts, err := s.store.ListTickets(context.Background(), core.ListFilter{Limit: 10})
		if err != nil || len(ts) != 0 {
			t.Fatalf("tickets after refused requests: %v %v", ts, err)
		}
	})
}

// manualClock is a clock that reads what it was set to.
type manualClock struct{ now time.Time }

func (c *manualClock) Now() time.Time { return c.now }

func testOpenByText(t *testing.T, b backend) {
	s := newStack(t, b, stackOptions{})
	r := s.command(reporter, origin, "VPN is down\nSince this morning, on every network.")
	if r.Status != 200 || r.Text("response_type") != "ephemeral" {
		t.Fatalf("answer %d %s", r.Status, r.Body)
	}
	if got := r.Text("text"); !strings.HasPrefix(got, "Ticket #1 opened: VPN is down.") {
		t.Errorf("reply text %q", got)
	}
	golden(t, "command_open.json", string(r.Body))

	card := s.fake.Wait(t, "chat.postMessage", slacktest.Param("channel", origin))
	golden(t, "card_open.json", card.Params["blocks"])
	if !strings.Contains(card.Params["text"], "#1 VPN is down") {
		t.Errorf("card text %q", card.Params["text"])
	}
	tk := s.waitTicket(1, "a thread", func(t tkt) bool { return t.Thread.ID != 0 })
	// Before setup the card heads a thread where the ticket was asked for, on the requester's
	// side (no internal note goes there).
	if got := tk.Thread; got.ChannelID != origin || got.ThreadID != card.TS || got.CardID != card.TS || got.Kind != core.PlaceRequestThread || tk.Title != "VPN is down" || tk.Description != "Since this morning, on every network." ||
		tk.Reporter != (core.UserRef{ID: reporter, Name: "rita"}) || tk.OriginChannel != origin || tk.Workspace != s.ws {
		t.Errorf("ticket %+v", tk)
	}

	t.Run("help lists the commands", func(t *testing.T) {
		r := s.command(reporter, origin, "help")
		for _, w := range []string{"/ticket new [TEXT]", "/ticket list", "/ticket status N STATUS [note]"} {
			if !strings.Contains(r.Text("text"), w) {
				t.Errorf("help lacks %q: %s", w, r.Text("text"))
			}
		}
	})
	t.Run("a usage error is answered, not failed", func(t *testing.T) {
		r := s.command(reporter, origin, "show banana")
		if r.Status != 200 || !strings.Contains(r.Text("text"), "usage: /ticket show N") {
			t.Errorf("got %d %s", r.Status, r.Body)
		}
	})
}

func testOpenByModal(t *testing.T, b backend) {
	s := newStack(t, b, stackOptions{})
	form := s.commandForm(reporter, origin, "")
	r := s.send("/slack/commands", formType, []byte(form.Encode()), nil)
	if r.Status != 200 || len(r.Body) != 0 {
		t.Fatalf("answer to /ticket: %d %q", r.Status, r.Body)
	}
	open := s.fake.Wait(t, "views.open", slacktest.Param("trigger_id", form.Get("trigger_id")))
	golden(t, "modal.json", open.Params["view"])

	cases := []struct {
		name, title, desc, prio, field, says string
	}{
		{"a title that is too long", strings.Repeat("x", 121), "", "high", "title", "the limit is 120"},
		{"an unknown priority", "Printer jam", "", "critical", "priority", "Unknown priority"},
		{"no title", "   ", "", "", "title", "A ticket needs a title"},
		{"a description but no title", "", "Paper everywhere", "", "title", "needs a title"},
	}
	for _, c := range cases {
		t.Run("shows "+c.name+" beside its field", func(t *testing.T) {
			r := s.interact(s.submission(reporter, origin, c.title, c.desc, c.prio))
			if r.Status != 200 || r.Text("response_action") != "errors" || !strings.Contains(r.Text("errors."+c.field), c.says) {
				t.Fatalf("got %d %s", r.Status, r.Body)
			}
		})
	}
	if _, err := s.store.TicketByNumber(context.Background(), s.ws, 1); !core.IsCode(err, core.ENotFound) {
		t.Fatalf("a rejected form opened a ticket: %v", err)
	}
	r = s.interact(s.submission(reporter, origin, "Printer jam", "Third floor, the big one.", "high"))
	if r.Status != 200 || r.Text("response_action") != "update" || !strings.Contains(string(r.Body), "Ticket #1 opened") {
		t.Fatalf("got %d %s", r.Status, r.Body)
	}
	tk := s.waitTicket(1, "a thread", func(t tkt) bool { return t.Thread.ID != 0 })
	if tk.Title != "Printer jam" || tk.Description != "Third floor, the big one." || tk.Priority != core.PriorityHigh || tk.OriginChannel != origin {
		t.Errorf("ticket %+v", tk)
	}
	s.fake.Wait(t, "chat.postMessage", slacktest.Param("channel", origin), slacktest.Containing("Printer jam"))
}

func testOpenByDraft(t *testing.T, b backend) {
	s := newStack(t, b, stackOptions{})
	dm := "D" + reporter
	r := s.event(slacktest.NewEventID(), map[string]any{"type": "message", "channel": dm, "channel_type": "im", "user": reporter,
		"text": "my VPN is down &amp; I can't work\nIt says &lt;timeout&gt;", "ts": "1700000001.000100", "event_ts": "1700000001.000100"}, 0)
	if r.Status != 200 {
		t.Fatalf("event: %d %s", r.Status, r.Body)
	}
	prompt := s.fake.Wait(t, "chat.postMessage", slacktest.Param("channel", dm))
	id := actionValue(t, prompt.Params["blocks"], "tbslack:draft:open")
	golden(t, "draft.json", strings.ReplaceAll(prompt.Params["blocks"], id, "DRAFT-ID"))

	s.interact(s.press(reporter, dm, prompt.TS, "tbslack:draft:open", id, false))
	done := s.fake.Wait(t, "response_url", slacktest.Containing("Ticket #1 opened"))
	if done.Params["replace_original"] != "true" {
		t.Errorf("the prompt was not replaced: %v", done.Params)
	}
	tk := s.waitTicket(1, "a thread", func(t tkt) bool { return t.Thread.ID != 0 })
	if tk.Title != "my VPN is down & I can't work" || tk.Description != "It says <timeout>" || tk.Thread.ChannelID != dm {
		t.Errorf("ticket %+v", tk)
	}

	t.Run("a used draft is not opened twice", func(t *testing.T) {
		s.interact(s.press(reporter, dm, prompt.TS, "tbslack:draft:open", id, false))
		s.fake.Wait(t, "response_url", slacktest.Containing("already opened"))
		if _, err := s.store.TicketByNumber(context.Background(), s.ws, 2); !core.IsCode(err, core.ENotFound) {
			t.Fatalf("second ticket: %v", err)
		}
	})
	t.Run("an expired draft says so", func(t *testing.T) {
		s.interact(s.press(reporter, dm, prompt.TS, "tbslack:draft:open", "0123456789abcdef01234567", false))
		r := s.fake.Wait(t, "response_url", slacktest.Containing("expired"))
		if r.Params["replace_original"] == "true" || r.Params["response_type"] != "ephemeral" {
			t.Errorf("expired notice %v", r.Params)
		}
	})
	t.Run("no thanks drops the draft", func(t *testing.T) {
		s.event(slacktest.NewEventID(), map[string]any{"type": "message", "channel": dm, "channel_type": "im", "user": reporter,
			"text": "never mind this one", "ts": "1700000002.000100"}, 0)
		p := s.fake.Wait(t, "chat.postMessage", slacktest.Param("channel", dm), slacktest.Containing("never mind this one"))
		id := actionValue(t, p.Params["blocks"], "tbslack:draft:cancel")
		s.interact(s.press(reporter, dm, p.TS, "tbslack:draft:cancel", id, false))
		s.fake.Wait(t, "response_url", slacktest.Containing("no ticket then"))
		s.interact(s.press(reporter, dm, p.TS, "tbslack:draft:open", id, false))
		s.fake.Wait(t, "response_url", slacktest.Containing("already opened"))
	})
	t.Run("the bot's own DMs are not drafts", func(t *testing.T) {
		s.settle()
		before := len(s.fake.Find("chat.postMessage", slacktest.Param("channel", dm)))
		s.event(slacktest.NewEventID(), map[string]any{"type": "message", "channel": dm, "channel_type": "im", "user": "UBOT", "bot_id": "BBOT",
			"text": "Open a ticket with this?", "ts": "1700000003.000100"}, 0)
		s.settle()
		if after := len(s.fake.Find("chat.postMessage", slacktest.Param("channel", dm))); after != before {
			t.Errorf("the bot answered itself")
		}
	})
}

// actionValue returns the value of the element with actionID in a blocks JSON.
func actionValue(t *testing.T, blocks, actionID string) string {
	t.Helper()
	var bs []map[string]any
	if err := json.Unmarshal([]byte(blocks), &bs); err != nil {
		t.Fatal(err)
	}
	for _, b := range bs {
		els, _ := b["elements"].([]any)
		for _, e := range els {
			m, _ := e.(map[string]any)
			if m["action_id"] == actionID {
				return m["value"].(string)
			}
		}
	}
	t.Fatalf("no %s in %s", actionID, blocks)
	return ""
}

func testSetup(t *testing.T, b backend) {
	s := newStack(t, b, stackOptions{})
	for _, who := range []string{reporter, staff} {
		r := s.command(who, origin, "setup <#"+helpdesk+"|helpdesk>")
		if !strings.Contains(r.Text("text"), "only workspace admins") {
			t.Errorf("setup by %s: %s", who, r.Body)
		}
	}
	if r := s.command(admin, origin, "setup helpdesk"); !strings.Contains(r.Text("text"), "usage: /ticket setup [#channel]") {
		t.Errorf("setup without a channel mention: %s", r.Body)
	}
	s.setup()
	st, err := s.svc.Settings(context.Background(), s.ws)
	if err != nil || st.TriageChannel != helpdesk {
		t.Fatalf("settings %+v %v", st, err)
	}
	s.fake.Wait(t, "chat.postMessage", slacktest.Param("channel", helpdesk), slacktest.Containing("triage channel"))
	tk := s.withCard("Laptop broken")
	if tk.Thread.ChannelID != helpdesk {
		t.Errorf("card in %q, want the helpdesk channel", tk.Thread.ChannelID)
	}
	s.fake.Wait(t, "chat.postMessage", slacktest.Param("channel", helpdesk), slacktest.Containing("Laptop broken"))
}

func testThreadReplies(t *testing.T, b backend) {
	s := newStack(t, b, stackOptions{})
	s.setup()
	tk := s.withCard("Need a new monitor")
	thread := tk.Thread.ThreadID
	msg := func(user, ts, text string, more map[string]any) map[string]any {
		m := map[string]any{"type": "message", "channel": helpdesk, "channel_type": "channel", "user": user,
			"text": text, "ts": ts, "thread_ts": thread, "event_ts": ts}
		for k, v := range more {
			m[k] = v
		}
		return m
	}
	ev := slacktest.NewEventID()
	first := msg(staff, "1700000500.000001", "Which model? &lt;b&gt;", nil)
	adds := s.faults.adds.Load()
	for _, d := range []struct {
		id    string
		retry int
	}{{ev, 0}, {ev, 1}, {ev, 2}, {slacktest.NewEventID(), 0}} { // retried deliveries, then the same message under a new event id
		if r := s.event(d.id, first, d.retry); r.Status != 200 {
			t.Fatalf("delivery %v: %d %s", d, r.Status, r.Body)
		}
	}
	// Slack's retries of one event are recognised before any work; only the same message under
	// another event id reaches the store, whose unique key then stores nothing twice.
	if n := s.faults.adds.Load() - adds; n != 2 {
		t.Errorf("%d AddMessage calls for one event retried twice and one new event, want 2", n)
	}
	ignored := []map[string]any{
		msg("UOTHERBOT", "1700000500.000003", "beep", map[string]any{"subtype": "bot_message", "bot_id": "B2"}),
		msg("UBOT", "1700000500.000004", "Status: open → waiting", map[string]any{"bot_id": "BBOT"}),
		msg(staff, "1700000500.000005", "<@USTAFF> has joined the channel", map[string]any{"subtype": "channel_join"}),
		{"type": "message", "channel": helpdesk, "channel_type": "channel", "user": staff, "text": "not in a thread", "ts": "1700000500.000006"},
		msg(staff, "1700000500.000007", "another thread", map[string]any{"thread_ts": "1600000000.000001"}),
		{"type": "message", "subtype": "message_changed", "channel": helpdesk, "hidden": true, "ts": "1700000500.000008",
			"message": map[string]any{"type": "message", "bot_id": "BBOT", "user": "UBOT", "text": "card", "ts": thread, "thread_ts": thread, "reply_count": 1}},
	}
	for i, m := range ignored {
		if r := s.event(slacktest.NewEventID(), m, 0); r.Status != 200 {
			t.Fatalf("ignored[%d]: %d %s", i, r.Status, r.Body)
		}
	}
	s.event(slacktest.NewEventID(), msg(reporter, "1700000500.000002", "A 27 inch one", nil), 0)
	s.event(slacktest.NewEventID(), msg(stranger, "1700000500.000009", "Same problem here", nil), 0)

	ms := s.messages(tk.ID)
	if len(ms) != 3 {
		t.Fatalf("stored %d messages, want 3: %+v", len(ms), ms)
	}
	if ms[2].Author.ID != stranger || ms[2].Content != "Same problem here" {
		t.Errorf("a colleague's reply in the thread: %+v", ms[2])
	}
	if ms[0].Content != "Which model? <b>" || ms[0].Author != (core.UserRef{ID: staff, Name: "sam"}) || ms[0].ExternalID != "1700000500.000001" || ms[0].Source != "slack" {
		t.Errorf("first message %+v", ms[0])
	}
	if ms[1].Content != "A 27 inch one" || ms[1].Author.ID != reporter {
		t.Errorf("second message %+v", ms[1])
	}

	t.Run("an edit updates the stored message", func(t *testing.T) {
		s.event(slacktest.NewEventID(), map[string]any{"type": "message", "subtype": "message_changed", "channel": helpdesk, "hidden": true,
			"ts": "1700000600.000001", "event_ts": "1700000600.000001",
			"message":          map[string]any{"type": "message", "user": staff, "text": "Which model exactly?", "ts": "1700000500.000001", "thread_ts": thread},
			"previous_message": map[string]any{"type": "message", "user": staff, "text": "Which model?", "ts": "1700000500.000001", "thread_ts": thread},
		}, 0)
		if m := s.messages(tk.ID)[0]; m.Content != "Which model exactly?" || !m.Edited {
			t.Errorf("after the edit: %+v", m)
		}
	})
	t.Run("a deletion marks the stored message deleted", func(t *testing.T) {
		s.event(slacktest.NewEventID(), map[string]any{"type": "message", "subtype": "message_deleted", "channel": helpdesk, "hidden": true,
			"ts": "1700000700.000001", "deleted_ts": "1700000500.000002",
			"previous_message": map[string]any{"type": "message", "user": reporter, "text": "A 27 inch one", "ts": "1700000500.000002", "thread_ts": thread},
		}, 0)
		if m := s.messages(tk.ID)[1]; !m.Deleted {
			t.Errorf("after the deletion: %+v", m)
		}
	})
	t.Run("thread replies are not echoed back into the thread", func(t *testing.T) {
		s.settle()
		if cs := s.fake.Find("chat.postMessage", slacktest.Param("thread_ts", thread), slacktest.Containing("Which model")); len(cs) != 0 {
			t.Errorf("echoed: %+v", cs)
		}
	})
}

// messages returns ticket id's conversation.
func (s *stack) messages(id int64) []core.Message {
	s.t.Helper()
	ms, err := s.store.Messages(context.Background(), id)
	if err != nil {
		s.t.Fatal(err)
	}
	return ms
}

func testButtons(t *testing.T, b backend) {
	s := newStack(t, b, stackOptions{})
	s.setup()
	tk := s.withCard("Printer on fire")
	card := s.fake.Wait(t, "chat.postMessage", slacktest.Param("channel", helpdesk), slacktest.Containing("Printer on fire"))
	id := fmt.Sprint(tk.ID)
	press := func(user, action, value string, menu bool) {
		t.Helper()
		if r := s.interact(s.press(user, helpdesk, card.TS, action, value, menu)); r.Status != 200 || len(r.Body) != 0 {
			t.Fatalf("press %s by %s: %d %s", action, user, r.Status, r.Body)
		}
	}

	t.Run("a stranger cannot close someone else's ticket", func(t *testing.T) {
		press(stranger, "tb:close:"+id, id, false)
		r := s.fake.Wait(t, "response_url", slacktest.Containing("Ticket not found")) // requesters see only their own tickets
		if r.Params["response_type"] != "ephemeral" || r.Params["replace_original"] == "true" {
			t.Errorf("the refusal was not ephemeral: %v", r.Params)
		}
		if got := s.ticket(tk.Number); got.Status != core.StatusOpen {
			t.Errorf("status %s", got.Status)
		}
	})
	t.Run("staff claim it", func(t *testing.T) {
		press(staff, "tb:claim:"+id, id, false)
		s.fake.Wait(t, "response_url", slacktest.Containing("You now own ticket #1"))
		s.waitTicket(tk.Number, "an assignee", func(t tkt) bool { return t.Assignee.ID == staff })
		upd := s.fake.Wait(t, "chat.update", slacktest.Param("channel", helpdesk), slacktest.Param("ts", card.TS), slacktest.Containing("<@USTAFF>"))
		golden(t, "card_claimed.json", upd.Params["blocks"])
		s.fake.Wait(t, "chat.postMessage", slacktest.Param("thread_ts", card.TS), slacktest.Containing("Assigned to <@USTAFF> by sam."))
	})
	t.Run("staff set the status from the menu, and the reporter hears of it", func(t *testing.T) {
		press(staff, "tb:status:"+id, "waiting", true)
		s.fake.Wait(t, "response_url", slacktest.Containing("Ticket #1 is now waiting"))
		s.waitTicket(tk.Number, "waiting", func(t tkt) bool { return t.Status == core.StatusWaiting })
		s.fake.Wait(t, "chat.update", slacktest.Param("ts", card.TS), slacktest.Containing("*Status*\nwaiting"))
		dm := s.ticket(tk.Number).DM
		line := s.fake.Wait(t, "chat.postMessage", slacktest.Param("channel", dm.ChannelID), slacktest.Param("thread_ts", dm.ThreadID), slacktest.Containing("sam marked this waiting."))
		if line.Params["reply_broadcast"] != "true" {
			t.Errorf("the status line is not broadcast to the DM, so the reporter is not notified: %+v", line.Params)
		}
		s.fake.Wait(t, "chat.update", slacktest.Param("channel", dm.ChannelID), slacktest.Param("ts", dm.CardID), slacktest.Containing("*Status*\nwaiting"))
	})
	t.Run("the reporter closes their own ticket", func(t *testing.T) {
		press(reporter, "tb:close:"+id, id, false)
		s.fake.Wait(t, "response_url", slacktest.Containing("Ticket #1 is now closed"))
		s.waitTicket(tk.Number, "closed", func(t tkt) bool { return t.Status == core.StatusClosed })
		upd := s.fake.Wait(t, "chat.update", slacktest.Param("ts", card.TS), slacktest.Containing("tb:reopen:"+id))
		golden(t, "card_closed.json", upd.Params["blocks"])
	})
	t.Run("a button of another workspace's ticket finds nothing", func(t *testing.T) {
		p := s.press(staff, helpdesk, card.TS, "tb:claim:999999", "999999", false)
		if r := s.interact(p); r.Status != 200 {
			t.Fatalf("status %d", r.Status)
		}
		s.fake.Wait(t, "response_url", slacktest.Containing("not found"))
	})
}

func testChangedElsewhere(t *testing.T, b backend) {
	s := newStack(t, b, stackOptions{})
	s.setup()
	tk := s.withCard("Toner empty")
	ctx := context.Background()
	ops := core.Actor{User: core.UserRef{ID: "ops-token", Name: "ops"}, Role: core.RoleStaff}
	if _, err := s.svc.SetStatus(ctx, ops, tk.ID, core.StatusResolved, "Replaced the toner"); err != nil {
		t.Fatal(err)
	}
	upd := s.fake.Wait(t, "chat.update", slacktest.Param("channel", helpdesk), slacktest.Param("ts", tk.Thread.CardID), slacktest.Containing("*Status*\nresolved"))
	if !strings.Contains(upd.Params["text"], "(resolved)") {
		t.Errorf("card text %q", upd.Params["text"])
	}
	s.fake.Wait(t, "chat.postMessage", slacktest.Param("thread_ts", tk.Thread.ThreadID), slacktest.Containing("Status: open → *resolved*, by ops. Note: Replaced the toner"))
	dm := s.ticket(tk.Number).DM
	s.fake.Wait(t, "chat.postMessage", slacktest.Param("channel", "D"+reporter), slacktest.Param("thread_ts", dm.ThreadID),
		slacktest.Containing("ops marked this resolved: Replaced the toner."))
	if _, _, err := s.svc.AddMessage(ctx, ops, tk.ID, core.MessageInput{ExternalID: "api-1", Content: "Please try printing again.", Source: "api", Deliver: true}); err != nil {
		t.Fatal(err)
	}
	s.fake.Wait(t, "chat.postMessage", slacktest.Param("thread_ts", tk.Thread.ThreadID), slacktest.Containing("*ops* (via the API):\nPlease try printing again."))
	if n := len(s.fake.Find("chat.postMessage", slacktest.Param("channel", helpdesk), slacktest.Param("thread_ts", ""))); n != 2 { // welcome + card
		t.Errorf("%d top-level posts in the helpdesk channel, want 2 (a change must not post a second card)", n)
	}
}

var pings = regexp.MustCompile(`(?i)<!|@here|@channel|@everyone|<@USTAFF>`)

func testMentionEscaping(t *testing.T, b backend) {
	s := newStack(t, b, stackOptions{})
	s.setup()
	r := s.command(reporter, origin, "Printer <!channel> @here <!subteam^S123|ops> @Everyone <@USTAFF>\nAlso <!here|here> and @channel & <https://evil.example|a link>")
	if r.Status != 200 {
		t.Fatalf("open: %d %s", r.Status, r.Body)
	}
	tk := s.waitTicket(1, "a thread", func(t tkt) bool { return t.Thread.ID != 0 })
	if tk.Title != "Printer <!channel> @here <!subteam^S123|ops> @Everyone <@USTAFF>" {
		t.Errorf("the title is stored as typed, got %q", tk.Title)
	}
	ctx := context.Background()
	ops := core.Actor{User: core.UserRef{ID: "ops", Name: "<!everyone> ops"}, Role: core.RoleStaff}
	if _, err := s.svc.SetStatus(ctx, ops, tk.ID, core.StatusWaiting, "<!here> need info @channel"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.svc.AddMessage(ctx, ops, tk.ID, core.MessageInput{ExternalID: "api-1", Content: "hi <!channel> @here", Source: "api", Deliver: true}); err != nil {
		t.Fatal(err)
	}
	s.fake.Wait(t, "chat.postMessage", slacktest.Param("channel", "D"+reporter))
	s.fake.Wait(t, "chat.postMessage", slacktest.Param("thread_ts", tk.Thread.ThreadID), slacktest.Containing("(via the API)"))
	s.fake.Wait(t, "chat.update", slacktest.Param("ts", tk.Thread.CardID), slacktest.Containing("*Status*\nwaiting"))
	list := s.command(reporter, origin, "list")
	show := s.command(reporter, origin, "show 1")

	s.fake.Wait(t, "chat.postMessage", slacktest.Containing("Printer &lt;!channel&gt; @\u200bhere"))
	s.fake.AssertNoMentions(t)
	for _, c := range s.fake.Calls() {
		for _, str := range c.Strings {
			if m := pings.FindString(str); m != "" {
				t.Errorf("%s carried %q unescaped: %q", c.Method, m, str)
			}
		}
	}
	t.Run("a long description is cut to Block Kit's limit without breaking an entity", func(t *testing.T) {
		desc := strings.TrimSpace(strings.Repeat("<!here> ", 499))
		if r := s.command(stranger, origin, "Long one\n"+desc); r.Status != 200 {
			t.Fatalf("open: %s", r.Body)
		}
		card := s.fake.Wait(t, "chat.postMessage", slacktest.Param("channel", helpdesk), slacktest.Containing("*#2 Long one*"))
		var blocks []map[string]any
		_ = json.Unmarshal([]byte(card.Params["blocks"]), &blocks)
		text, _ := blocks[1]["text"].(map[string]any)["text"].(string)
		if n := len([]rune(text)); n > 3000 || !strings.HasSuffix(text, "…") || regexp.MustCompile(`&[a-z]*…$`).MatchString(text) {
			t.Errorf("description block of %d runes ends %q", n, text[max(0, len(text)-20):])
		}
	})
	for _, r := range []response{r, list, show} {
		var v any
		_ = json.Unmarshal(r.Body, &v)
		for _, str := range slacktest.Strings(v) {
			if m := pings.FindString(str); m != "" {
				t.Errorf("a command reply carried %q unescaped: %q", m, str)
			}
		}
	}
}

func testRateLimit(t *testing.T, b backend) {
	s := newStack(t, b, stackOptions{})
	for i := 1; i <= 5; i++ {
		if r := s.command(reporter, origin, fmt.Sprintf("Problem %d", i)); !strings.Contains(r.Text("text"), "opened") {
			t.Fatalf("open %d: %s", i, r.Body)
		}
	}
	r := s.command(reporter, origin, "Problem 6")
	if !regexp.MustCompile(`^You're going a bit fast; try again in \d+ s\.$`).MatchString(r.Text("text")) || r.Text("response_type") != "ephemeral" {
		t.Errorf("sixth open: %s", r.Body)
	}
	if r := s.command(stranger, origin, "Someone else's problem"); !strings.Contains(r.Text("text"), "opened") {
		t.Errorf("another user is limited too: %s", r.Body)
	}
}

// A 429 on users.info holds the role look-ups of the workspace until Retry-After passes: the
// next commands do not call Slack, and staff are told their role could not be checked.
func testUsersRateLimit(t *testing.T, b backend) {
	s := newStack(t, b, stackOptions{})
	s.fake.RateLimitTimes("users.info", 30*time.Second, 1)
	r := s.command(staff, origin, "claim 1")
	if !strings.Contains(r.Text("text"), "couldn't check your role") {
		t.Fatalf("first: %s", r.Body)
	}
	before := len(s.fake.Attempts("users.info"))
	for _, who := range []string{admin, stranger} {
		if r := s.command(who, origin, "claim 1"); !strings.Contains(r.Text("text"), "couldn't check your role") {
			t.Errorf("%s: %s", who, r.Body)
		}
	}
	if n := len(s.fake.Attempts("users.info")) - before; n != 0 {
		t.Errorf("%d users.info calls during Slack's Retry-After", n)
	}
}

func testSlowSlack(t *testing.T, b backend) {
	s := newStack(t, b, stackOptions{})
	s.fake.Slow("users.info", 4*time.Second)
	s.fake.Slow("chat.postMessage", 4*time.Second)
	start := time.Now()
	r := s.command(reporter, origin, "Everything is slow today") // s.raw fails the test past 3 s
	if !strings.Contains(r.Text("text"), "Ticket #1 opened") {
		t.Fatalf("answer after %v: %s", time.Since(start), r.Body)
	}
	// The card follows through the outbox once Slack answers.
	s.waitTicket(1, "a thread", func(t tkt) bool { return t.Thread.ID != 0 })
}

func testSlack429(t *testing.T, b backend) {
	s := newStack(t, b, stackOptions{})
	s.fake.RateLimitTimes("chat.postMessage", time.Second, 1)
	tk := s.withCard("Slack is busy")
	var limited, posted slacktest.Call
	for _, c := range s.fake.Calls() {
		if c.Method != "chat.postMessage" {
			continue
		}
		if c.Status == http.StatusTooManyRequests {
			limited = c
		} else if c.TS == tk.Thread.CardID {
			posted = c
		}
	}
	if limited.Method == "" || posted.Method == "" {
		t.Fatalf("calls:\n%s", s.fake.Dump())
	}
	if gap := posted.At.Sub(limited.At); gap < 900*time.Millisecond {
		t.Errorf("retried after %v; Slack asked for 1 s", gap)
	}
}

func testRoleCache(t *testing.T, b backend) {
	s := newStack(t, b, stackOptions{})
	t.Run("before setup only admins are staff", func(t *testing.T) {
		s.command(reporter, origin, "Before setup")
		if r := s.command(staff, origin, "claim 1"); !strings.Contains(r.Text("text"), "only staff") {
			t.Errorf("staff before setup: %s", r.Body)
		}
		if r := s.command(admin, origin, "claim 1"); !strings.Contains(r.Text("text"), "You now own ticket #1") {
			t.Errorf("admin before setup: %s", r.Body)
		}
	})
	s.setup()
	for range 5 {
		if r := s.command(staff, helpdesk, "list all"); !strings.Contains(strings.ToLower(r.Text("text")), "tickets") {
			t.Fatalf("list: %s", r.Body)
		}
	}
	if n := len(s.fake.Find("users.info", slacktest.Param("user", staff))); n != 1 {
		t.Errorf("users.info for staff called %d times, want 1", n)
	}
	if n := len(s.fake.Find("conversations.members", slacktest.Param("channel", helpdesk), slacktest.Param("cursor", ""))); n != 1 {
		t.Errorf("the member list was fetched %d times, want 1", n)
	}
	if n := len(s.fake.Find("conversations.members", slacktest.Param("channel", helpdesk))); n != 3 {
		t.Errorf("%d member pages read, want 3 (5 members, 2 a page)", n)
	}
	if r := s.command(staff, helpdesk, "list all"); !strings.Contains(r.Text("text"), "Before setup") && !strings.Contains(string(r.Body), "Before setup") {
		t.Errorf("staff see every ticket: %s", r.Body)
	}
}

// notifyFixture drives the adapter's Notify by hand, with no dispatcher: tickets are opened
// through the service, and their outbox events are made up by the test.
type notifyFixture struct {
	*stack
	t         *testing.T
	reporters int
	seq       int64
}

func newNotifyFixture(t *testing.T, b backend) *notifyFixture {
	return &notifyFixture{stack: newStack(t, b, stackOptions{noDispatcher: true}), t: t, seq: 1000}
}

// openIn opens a ticket whose origin is channel, by a reporter of its own: their DM channel is
// paced apart from the others'.
func (s *notifyFixture) openIn(title, channel string) core.Ticket {
	s.t.Helper()
	s.reporters++
	who := fmt.Sprintf("UREP%d", s.reporters)
	s.fake.AddUser(slacktest.User{ID: who, Name: "rep" + who})
	tk, err := s.svc.OpenTicket(context.Background(), core.Actor{User: core.UserRef{ID: who, Name: "rep" + who}, Role: core.RoleRequester, Workspace: s.ws},
		core.OpenInput{Title: title, OriginChannel: channel})
	if err != nil {
		s.t.Fatal(err)
	}
	return tk
}

// outboxEvent is a new outbox event of kind about ticket id.
func (s *notifyFixture) outboxEvent(kind core.EventKind, id int64) core.Event {
	s.seq++
	return core.Event{ID: s.seq, Kind: kind, Workspace: s.ws, TicketID: id, CreatedAt: time.Now()}
}

// testNotifyOnce: a card is posted once however often its event is delivered, even when
// Slack's answer to the first post was lost.
func testNotifyOnce(t *testing.T, b backend) {
	s := newNotifyFixture(t, b)
	ctx := context.Background()

	t.Run("ticket.opened posts one card, however often it is delivered", func(t *testing.T) {
		tk := s.openIn("Once only", "CONCE")
		ev := s.outboxEvent(core.EventTicketOpened, tk.ID)
		for range 3 {
			if err := s.adapter.Notify(ctx, ev); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.adapter.Notify(ctx, s.outboxEvent(core.EventTicketOpened, tk.ID)); err != nil {
			t.Fatal(err)
		}
		if n := len(s.fake.Find("chat.postMessage", slacktest.Param("channel", "CONCE"))); n != 1 {
			t.Errorf("%d cards posted", n)
		}
	})
	t.Run("a card whose answer was lost is not posted again on the retry", func(t *testing.T) {
		tk := s.openIn("Lost answer", "CLOST")
		ev := s.outboxEvent(core.EventTicketOpened, tk.ID)
		ev.Attempts = 1
		s.fake.LateAnswer("chat.postMessage", 2*time.Second, 1)
		short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		err := s.adapter.Notify(short, ev)
		cancel()
		if err == nil {
			t.Fatal("the first attempt should have failed waiting for Slack's answer")
		}
		s.fake.WaitFor(t, 5*time.Second, "chat.postMessage", 1, slacktest.Param("channel", "CLOST"))
		ev.Attempts = 2
		if err := s.adapter.Notify(ctx, ev); err != nil {
			t.Fatal(err)
		}
		cards := s.fake.Attempts("chat.postMessage", slacktest.Param("channel", "CLOST"), slacktest.Param("thread_ts", ""))
		if len(cards) != 1 {
			t.Fatalf("%d cards posted, want 1 (the retry must find the first)", len(cards))
		}
		if got := s.ticket(tk.Number).Thread; got.CardID == "" || got.CardID != cards[0].TS {
			t.Errorf("place %+v, want the first card %s", got, cards[0].TS)
		}
	})
}

// testNotifyFailures: Slack's failures are classified (a missing channel is permanent, a 429
// carries its Retry-After and pauses the workspace's chat calls, a 5xx is retried), posts into
// one channel are paced, and a DM that cannot be sent does not hold up the card.
func testNotifyFailures(t *testing.T, b backend) {
	s := newNotifyFixture(t, b)
	ctx := context.Background()

	t.Run("a missing channel is permanent", func(t *testing.T) {
		s.fake.BreakChannel("CGONE", "channel_not_found")
		err := s.adapter.Notify(ctx, s.outboxEvent(core.EventTicketOpened, s.openIn("Nowhere", "CGONE").ID))
		if !core.IsPermanent(err) {
			t.Errorf("err = %v, want permanent", err)
		}
	})
	t.Run("a 429 carries Slack's Retry-After", func(t *testing.T) {
		s.fake.RateLimitTimes("chat.postMessage", 7*time.Second, 1)
		err := s.adapter.Notify(ctx, s.outboxEvent(core.EventTicketOpened, s.openIn("Later", "CLATER").ID))
		if core.RetryAfterOf(err) != 7*time.Second || core.IsPermanent(err) {
			t.Errorf("err = %v (retry after %v)", err, core.RetryAfterOf(err))
		}
		_ = s.bot.Cache("slack").Delete(ctx, "pause:"+s.ws.ExternalID+":chat") // the next subtests post again
	})
	t.Run("after a 429 no chat call reaches Slack until its Retry-After has passed", func(t *testing.T) {
		const pauseLine = "Slack asked to wait (429)"
		lines := strings.Count(s.log.String(), pauseLine)
		s.fake.RateLimitTimes("chat.postMessage", 30*time.Second, 1)
		err := s.adapter.Notify(ctx, s.outboxEvent(core.EventTicketOpened, s.openIn("First of many", "CPAUSE1").ID))
		if core.RetryAfterOf(err) != 30*time.Second {
			t.Fatalf("err = %v", err)
		}
		before := len(s.fake.Attempts("chat.postMessage"))
		for i := range 5 {
			err := s.adapter.Notify(ctx, s.outboxEvent(core.EventTicketOpened, s.openIn(fmt.Sprint("Waiting ", i), "CPAUSE2").ID))
			if d := core.RetryAfterOf(err); d <= 0 || d > 30*time.Second || !core.IsPaced(err) {
				t.Fatalf("event %d: err = %v, want to wait (paced, not failed) for Slack's Retry-After", i, err)
			}
		}
		if n := strings.Count(s.log.String(), pauseLine) - lines; n != 1 {
			t.Errorf("%d log lines about the pause; want one for the pause, none per waiting event", n)
		}
		if n := len(s.fake.Attempts("chat.postMessage")) - before; n != 0 {
			t.Errorf("%d chat.postMessage calls reached Slack during its Retry-After", n)
		}
		_ = s.bot.Cache("slack").Delete(ctx, "pause:"+s.ws.ExternalID+":chat") // the next subtests post again
	})
	t.Run("a server error is retried", func(t *testing.T) {
		s.fake.FailStatus("chat.postMessage", 503, 1)
		err := s.adapter.Notify(ctx, s.outboxEvent(core.EventTicketOpened, s.openIn("Flaky", "CFLAKY").ID))
		if err == nil || core.IsPermanent(err) {
			t.Errorf("err = %v, want a retryable error", err)
		}
	})
	t.Run("posts into one channel are paced at about one a second", func(t *testing.T) {
		var err error
		for i := range 6 {
			if err = s.adapter.Notify(ctx, s.outboxEvent(core.EventTicketOpened, s.openIn(fmt.Sprint("Busy ", i), "CBUSY").ID)); err != nil {
				break
			}
		}
		if d := core.RetryAfterOf(err); d <= 0 || d > time.Second {
			t.Errorf("err = %v (retry after %v), want a pacing delay", err, d)
		}
	})
	t.Run("a DM the reporter cannot get does not hold up the card", func(t *testing.T) {
		tk := s.openIn("No DMs", "CNODM")
		s.fake.Fail("conversations.open", "cannot_dm_bot", 2)
		if err := s.adapter.Notify(ctx, s.outboxEvent(core.EventTicketOpened, tk.ID)); err != nil {
			t.Fatal(err)
		}
		ops := core.Actor{User: core.UserRef{ID: "ops", Name: "ops"}, Role: core.RoleStaff}
		if _, err := s.svc.SetStatus(ctx, ops, tk.ID, core.StatusInProgress, ""); err != nil {
			t.Fatal(err)
		}
		ev := s.outboxEvent(core.EventTicketChanged, tk.ID)
		ev.Actor = ops.User
		ev.Changes = []core.Change{{Field: "status", From: "open", To: "in_progress", Actor: ops.User}}
		// Paced posts come back later, as the outbox would bring them: wait until one goes through.
		var err error
		s.fake.WaitUntil(10*time.Second, func() bool {
			err = s.adapter.Notify(ctx, ev)
			return core.RetryAfterOf(err) == 0
		})
		if err != nil {
			t.Errorf("err = %v", err)
		}
		s.fake.Wait(t, "chat.update", slacktest.Param("channel", "CNODM"), slacktest.Containing("*Status*\nin progress"))
	})
}

// testNotifyCopies: ticket.changed of a ticket without a card posts it first, message.copy
// posts a copy once and follows its edits and deletion, and an internal note never reaches the
// requester side.
func testNotifyCopies(t *testing.T, b backend) {
	s := newNotifyFixture(t, b)
	ctx := context.Background()

	t.Run("ticket.changed of a ticket without a card posts the card, then the note and the DM", func(t *testing.T) {
		tk := s.openIn("Never carded", "CLATE")
		ops := core.Actor{User: core.UserRef{ID: "ops", Name: "ops"}, Role: core.RoleStaff}
		if _, err := s.svc.SetStatus(ctx, ops, tk.ID, core.StatusWaiting, "which floor?"); err != nil {
			t.Fatal(err)
		}
		ev := s.outboxEvent(core.EventTicketChanged, tk.ID)
		ev.Actor = ops.User
		ev.Changes = []core.Change{{Field: "status", From: "open", To: "waiting", Note: "which floor?", Actor: ops.User}}
		for i := range 2 { // one delivery does it all; a redelivery repeats nothing
			if err := s.adapter.Notify(ctx, ev); err != nil {
				t.Fatal(err)
			}
			cards := s.fake.Find("chat.postMessage", slacktest.Param("channel", "CLATE"), slacktest.Param("thread_ts", ""))
			if len(cards) != 1 || !strings.Contains(cards[0].Params["text"], "(waiting)") {
				t.Fatalf("delivery %d: cards posted: %+v", i+1, cards)
			}
			if got := s.ticket(tk.Number).Thread; got.CardID != cards[0].TS {
				t.Errorf("delivery %d: thread %+v, want the card %s", i+1, got, cards[0].TS)
			}
			// Before setup the card's thread is the requester's side: it gets the status line.
			if n := len(s.fake.Find("chat.postMessage", slacktest.Param("thread_ts", cards[0].TS), slacktest.Containing("ops marked this waiting: which floor?"))); n != 1 {
				t.Errorf("delivery %d: %d status lines in the card's thread, want 1", i+1, n)
			}
			if dms := s.fake.Find("chat.postMessage", slacktest.Param("channel", "D"+tk.Reporter.ID)); len(dms) != 0 {
				t.Errorf("delivery %d: a DM card besides the card where it was asked: %+v", i+1, dms)
			}
		}
	})
	t.Run("message.copy posts a copy once, and edits and deletions follow it", func(t *testing.T) {
		tk := s.openIn("Copy me", "CCOPY")
		if err := s.adapter.Notify(ctx, s.outboxEvent(core.EventTicketOpened, tk.ID)); err != nil {
			t.Fatal(err)
		}
		ops := core.Actor{User: core.UserRef{ID: "ops", Name: "ops"}, Role: core.RoleStaff}
		places := s.ticket(tk.Number)
		for i, p := range []core.Place{places.Thread} {
			ext := fmt.Sprintf("api-%d", i)
			m, _, err := s.svc.AddMessage(ctx, ops, tk.ID, core.MessageInput{ExternalID: ext, Content: "Hello from the API", Source: "api", Deliver: true})
			if err != nil {
				t.Fatal(err)
			}
			ev := s.outboxEvent(core.EventMessageCopy, tk.ID)
			ev.MessageID, ev.PlaceID = m.ID, p.ID
			for range 2 { // a redelivery posts nothing twice
				if err := s.adapter.Notify(ctx, ev); err != nil {
					t.Fatal(err)
				}
			}
			copies := s.fake.Find("chat.postMessage", slacktest.Param("channel", p.ChannelID), slacktest.Param("thread_ts", p.ThreadID), slacktest.Containing("Hello from the API"))
			if len(copies) != 1 {
				t.Fatalf("%d copies in %s, want 1; calls:\n%s", len(copies), p.Kind, s.fake.Dump())
			}
			if want := p.Kind == core.PlaceRequesterDM; (copies[0].Params["reply_broadcast"] == "true") != want {
				t.Errorf("copy in %s broadcast = %q, want %v", p.Kind, copies[0].Params["reply_broadcast"], want)
			}
			if _, err := s.svc.EditMessage(ctx, ops, tk.ID, ext, "Hello again", false); err != nil {
				t.Fatal(err)
			}
			edit := s.outboxEvent(core.EventMessageCopy, tk.ID)
			edit.MessageID, edit.PlaceID = m.ID, p.ID
			if err := s.adapter.Notify(ctx, edit); err != nil {
				t.Fatal(err)
			}
			s.fake.Wait(t, "chat.update", slacktest.Param("channel", p.ChannelID), slacktest.Param("ts", copies[0].TS), slacktest.Containing("Hello again"))
			if _, err := s.svc.EditMessage(ctx, ops, tk.ID, ext, "", true); err != nil {
				t.Fatal(err)
			}
			if err := s.adapter.Notify(ctx, edit); err != nil {
				t.Fatal(err)
			}
			s.fake.Wait(t, "chat.delete", slacktest.Param("channel", p.ChannelID), slacktest.Param("ts", copies[0].TS))
		}
	})
	t.Run("an internal note is never posted on the requester side", func(t *testing.T) {
		tk := s.openIn("Secret", "CSECRET")
		if err := s.adapter.Notify(ctx, s.outboxEvent(core.EventTicketOpened, tk.ID)); err != nil {
			t.Fatal(err)
		}
		ops := core.Actor{User: core.UserRef{ID: "ops", Name: "ops"}, Role: core.RoleStaff}
		m, _, err := s.svc.AddMessage(ctx, ops, tk.ID, core.MessageInput{ExternalID: "n1", Content: "VIP, handle first", Source: "api", Internal: true})
		if err != nil {
			t.Fatal(err)
		}
		ev := s.outboxEvent(core.EventMessageCopy, tk.ID)
		ev.MessageID, ev.PlaceID = m.ID, s.ticket(tk.Number).Thread.ID // as a forged event would
		if err := s.adapter.Notify(ctx, ev); !core.IsPermanent(err) {
			t.Errorf("a copy of a note into the DM: err = %v, want a permanent refusal", err)
		}
		s.fake.AssertNoLeaks(t, []string{"D" + tk.Reporter.ID, "CSECRET"}, "VIP, handle first")
	})
}

func testRepeatedRequests(t *testing.T, b backend) {
	s := newStack(t, b, stackOptions{})
	// post sends exactly the same signed request each time, as a proxy's retry or a replay
	// within the signature window does.
	post := func(path string, body []byte) func() response {
		h := slacktest.Sign(s.secret, s.clock.Now(), body)
		return func() response {
			t.Helper()
			return s.raw(path, formType, body, h)
		}
	}
	interaction := func(payload map[string]any) []byte {
		b, _ := json.Marshal(payload)
		return []byte(url.Values{"payload": {string(b)}}.Encode())
	}

	t.Run("a slash command", func(t *testing.T) {
		send := post("/slack/commands", []byte(s.commandForm(reporter, origin, "Printer offline").Encode()))
		if r := send(); r.Status != 200 || !strings.HasPrefix(r.Text("text"), "Ticket #1 opened") {
			t.Fatalf("first: %d %s", r.Status, r.Body)
		}
		if r := send(); r.Status != 200 || len(r.Body) != 0 {
			t.Errorf("repeat: %d %q, want an empty 200", r.Status, r.Body)
		}
		if _, err := s.store.TicketByNumber(context.Background(), s.ws, 2); !core.IsCode(err, core.ENotFound) {
			t.Fatalf("the repeat opened a second ticket: %v", err)
		}
	})
	t.Run("a view submission", func(t *testing.T) {
		send := post("/slack/interactivity", interaction(s.submission(reporter, origin, "Scanner jam", "", "high")))
		if r := send(); r.Status != 200 || !strings.Contains(string(r.Body), "Ticket #2 opened") {
			t.Fatalf("first: %d %s", r.Status, r.Body)
		}
		if r := send(); r.Status != 200 || len(r.Body) != 0 {
			t.Errorf("repeat: %d %q, want an empty 200", r.Status, r.Body)
		}
		if _, err := s.store.TicketByNumber(context.Background(), s.ws, 3); !core.IsCode(err, core.ENotFound) {
			t.Fatalf("the repeat opened a third ticket: %v", err)
		}
	})
	t.Run("a refused submission is answered every time", func(t *testing.T) {
		send := post("/slack/interactivity", interaction(s.submission(reporter, origin, "Fax", "", "critical")))
		for i := range 2 {
			if r := send(); r.Status != 200 || r.Text("response_action") != "errors" {
				t.Fatalf("try %d: %d %s", i+1, r.Status, r.Body)
			}
		}
	})
	t.Run("commands with their own trigger ids all run", func(t *testing.T) {
		if r := s.command(reporter, origin, "Another problem"); !strings.HasPrefix(r.Text("text"), "Ticket #3 opened") {
			t.Errorf("got %s", r.Body)
		}
	})
}

func testRedactedURLs(t *testing.T, b backend) {
	s := newStack(t, b, stackOptions{})
	tk := s.withCard("Leaky")
	gone := httptest.NewServer(http.NotFoundHandler())
	base := gone.URL
	gone.Close() // nothing listens there any more: posting to it fails in the transport
	secretPath := "/commands/" + s.team + "/1234/SECRETRESPONSE" + randomHex(6)
	id := fmt.Sprint(tk.ID)
	p := s.press(stranger, origin, tk.Thread.CardID, "tb:close:"+id, id, false)
	p["response_url"] = base + secretPath
	if r := s.interact(p); r.Status != 200 {
		t.Fatalf("status %d", r.Status)
	}
	log := s.waitLog("reply to an interaction failed")
	if strings.Contains(log, "SECRETRESPONSE") {
		t.Errorf("the response_url reached the log:\n%s", log)
	}
	if !strings.Contains(log, base+"/…") {
		t.Errorf("the log does not say which host failed (%s/…):\n%s", base, log)
	}
}

// TestNew checks the constructor's refusals: each names what to fix and never the token.
func TestNew(t *testing.T) {
	fake := slacktest.Start(t, slacktest.Options{Team: "TNEW", BotToken: botToken})
	m := memstate.New(nil)
	t.Cleanup(func() { _ = m.Close() })
	svc := core.NewService(core.ServiceConfig{State: m, Limiter: m})
	b, err := bot.New(bot.Config{Service: svc, State: m})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		cfg  slack.Config
		says string
	}{
		{"without a bot", slack.Config{Service: svc, BotToken: fake.BotToken(), SigningSecret: "s", APIURL: fake.APIURL()}, "a Bot and a Service"},
		{"without a bot token", slack.Config{Bot: b, Service: svc, SigningSecret: "s", APIURL: fake.APIURL()}, "SLACK_BOT_TOKEN"},
		{"without a signing secret or app token", slack.Config{Bot: b, Service: svc, BotToken: fake.BotToken(), APIURL: fake.APIURL()}, "SLACK_SIGNING_SECRET"},
		{"with a token Slack refuses", slack.Config{Bot: b, Service: svc, BotToken: "xoxb-wrong-SECRET9", SigningSecret: "s", APIURL: fake.APIURL()}, "SLACK_BOT_TOKEN"},
		{"with Slack out of reach", slack.Config{Bot: b, Service: svc, BotToken: "xoxb-unreachable-SECRET9", SigningSecret: "s", APIURL: "http://127.0.0.1:1/api/"}, "SLACK_API_URL"},
	}
	for _, c := range cases {
		t.Run("fails "+c.name, func(t *testing.T) {
			a, err := slack.New(context.Background(), c.cfg)
			if err == nil || a != nil {
				t.Fatalf("New succeeded")
			}
			if !strings.Contains(err.Error(), c.says) || strings.Contains(err.Error(), "SECRET9") {
				t.Errorf("error %q should name %s and not the token", err, c.says)
			}
		})
	}
	t.Run("stops Socket Mode on an app token Slack refuses", func(t *testing.T) {
		a, err := slack.New(context.Background(), slack.Config{Bot: b, Service: svc, BotToken: fake.BotToken(), AppToken: "xapp-wrong-SECRET9", APIURL: fake.APIURL()})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err = a.Run(ctx)
		if err == nil || !strings.Contains(err.Error(), "SLACK_APP_TOKEN") || strings.Contains(err.Error(), "SECRET9") {
			t.Errorf("Run = %v, want an error naming SLACK_APP_TOKEN", err)
		}
	})
	t.Run("learns who it is from auth.test", func(t *testing.T) {
		a, err := slack.New(context.Background(), slack.Config{Bot: b, Service: svc, BotToken: fake.BotToken(), SigningSecret: "s", APIURL: strings.TrimSuffix(fake.APIURL(), "/")})
		if err != nil {
			t.Fatal(err)
		}
		if a.Platform() != core.PlatformSlack {
			t.Errorf("platform %q", a.Platform())
		}
		fake.Wait(t, "auth.test")
	})
}
