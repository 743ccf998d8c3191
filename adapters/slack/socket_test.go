package slack_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/adapters/slack/slacktest"
)

// socketPeer is the Slack end of a Socket Mode connection.
type socketPeer struct {
	t *testing.T
	*slacktest.Socket
}

// connection waits for the adapter to connect to the fake.
func (s *stack) connection() *socketPeer {
	s.t.Helper()
	return &socketPeer{t: s.t, Socket: s.fake.WaitSocket(s.t, 10*time.Second)}
}

// send writes an envelope of typ with payload and returns its envelope id.
func (p *socketPeer) send(typ string, payload any) string {
	p.t.Helper()
	id, err := p.Send(typ, payload)
	if err != nil {
		p.t.Fatal(err)
	}
	return id
}

// ack waits for the acknowledgement of envelope id and returns its payload.
func (p *socketPeer) ack(id string) map[string]any {
	p.t.Helper()
	a, err := p.WaitAck(id, 10*time.Second)
	if err != nil {
		p.t.Fatal(err)
	}
	return a.Map()
}

// acked waits for the acknowledgement of envelope id and returns the envelope ids
// acknowledged so far, in order.
func (p *socketPeer) acked(id string) []string {
	p.t.Helper()
	p.ack(id)
	var ids []string
	for _, a := range p.Acks() {
		ids = append(ids, a.EnvelopeID)
	}
	return ids
}

// commandPayload is the slash_commands payload of /ticket text by user in the origin channel.
func (s *stack) commandPayload(user, text string) map[string]any {
	payload := map[string]any{}
	for k, v := range s.commandForm(user, origin, text) {
		payload[k] = v[0]
	}
	return payload
}

// threadReplyEvent is the events_api payload of user replying text in tk's thread at ts.
func (s *stack) threadReplyEvent(eventID string, tk tkt, user, ts, text string) map[string]any {
	var ev map[string]any
	_ = json.Unmarshal(s.eventBody(eventID, map[string]any{"type": "message", "channel": tk.Thread.ChannelID,
		"channel_type": "channel", "user": user, "text": text, "ts": ts, "thread_ts": tk.Thread.ThreadID}), &ev)
	return ev
}

func testSocketMode(t *testing.T, b backend) {
	s := newStack(t, b, stackOptions{socket: true})
	peer := s.connection()

	command := func(p *socketPeer, user, text string) map[string]any {
		return p.ack(p.send("slash_commands", s.commandPayload(user, text)))
	}

	t.Run("a slash command is acknowledged with the reply", func(t *testing.T) {
		a := command(peer, reporter, "Socket ticket")
		if a["response_type"] != "ephemeral" || !strings.HasPrefix(fmt.Sprint(a["text"]), "Ticket #1 opened: Socket ticket.") {
			t.Fatalf("ack payload %v", a)
		}
		s.waitTicket(1, "a thread", func(t tkt) bool { return t.Thread.ID != 0 })
	})
	t.Run("an empty /ticket opens the modal and is acknowledged empty", func(t *testing.T) {
		if a := command(peer, reporter, ""); len(a) != 0 {
			t.Errorf("ack payload %v", a)
		}
		s.fake.Wait(t, "views.open")
	})
	t.Run("a thread reply event is acknowledged and stored", func(t *testing.T) {
		tk := s.ticket(1)
		var ev map[string]any
		_ = json.Unmarshal(s.eventBody(slacktest.NewEventID(), map[string]any{"type": "message", "channel": tk.Thread.ChannelID,
			"channel_type": "channel", "user": reporter, "text": "On it", "ts": "1700000900.000001", "thread_ts": tk.Thread.ThreadID}), &ev)
		peer.ack(peer.send("events_api", ev))
		deadline := time.Now().Add(10 * time.Second)
		for len(s.messages(tk.ID)) == 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if ms := s.messages(tk.ID); len(ms) != 1 || ms[0].Content != "On it" {
			t.Errorf("messages %+v", ms)
		}
	})
	t.Run("a view submission is acknowledged with its validation errors", func(t *testing.T) {
		a := peer.ack(peer.send("interactive", s.submission(reporter, origin, "Printer", "", "critical")))
		if a["response_action"] != "errors" {
			t.Errorf("ack payload %v", a)
		}
	})
	t.Run("a button press is acknowledged and answered through response_url", func(t *testing.T) {
		tk := s.ticket(1)
		id := fmt.Sprint(tk.ID)
		peer.ack(peer.send("interactive", s.press(stranger, tk.Thread.ChannelID, tk.Thread.CardID, "tb:close:"+id, id, false)))
		s.fake.Wait(t, "response_url", slacktest.Containing("Ticket not found"))
	})
	t.Run("an envelope slack-go cannot parse is still acknowledged", func(t *testing.T) {
		var ev map[string]any
		_ = json.Unmarshal(s.eventBody(slacktest.NewEventID(), map[string]any{"type": "some_future_event"}), &ev)
		peer.ack(peer.send("events_api", ev))
	})
	t.Run("reconnects when Slack asks it to", func(t *testing.T) {
		if err := peer.Disconnect("refresh_requested"); err != nil {
			t.Fatal(err)
		}
		next := s.connection()
		if a := command(next, reporter, "After the reconnect"); !strings.Contains(fmt.Sprint(a["text"]), "opened") {
			t.Errorf("ack payload %v", a)
		}
		if n := len(s.fake.Find("apps.connections.open")); n < 2 {
			t.Errorf("apps.connections.open called %d times", n)
		}
	})
}

func testSocketRedelivery(t *testing.T, b backend) {
	s := newStack(t, b, stackOptions{socket: true})
	peer := s.connection()
	if a := peer.ack(peer.send("slash_commands", s.commandPayload(reporter, "Socket redelivery"))); !strings.Contains(fmt.Sprint(a["text"]), "opened") {
		t.Fatalf("ack payload %v", a)
	}
	tk := s.waitTicket(1, "a thread", func(t tkt) bool { return t.Thread.ID != 0 })
	reply := s.threadReplyEvent(slacktest.NewEventID(), tk, reporter, "1700000900.000001", "Still broken")

	// The database is down while the event is processed: no acknowledgement, so Slack
	// delivers the envelope again.
	s.faults.set(storeDown)
	failed := peer.send("events_api", reply)
	s.faults.waitHits(t, 1)
	var other map[string]any
	_ = json.Unmarshal(s.eventBody(slacktest.NewEventID(), map[string]any{"type": "reaction_added", "user": reporter, "reaction": "+1"}), &other)
	acked := peer.acked(peer.send("events_api", other))
	if slices.Contains(acked, failed) {
		t.Fatalf("the envelope whose event failed was acknowledged (acks %v)", acked)
	}
	s.waitLog("not acknowledged, so Slack delivers it again")
	if ms := s.messages(tk.ID); len(ms) != 0 {
		t.Fatalf("stored while the database was down? %+v", ms)
	}

	// Slack's redelivery, once the database is back, is processed and acknowledged.
	s.faults.set(storeUp)
	again := peer.send("events_api", reply)
	acked = peer.acked(again)
	if slices.Contains(acked, failed) {
		t.Errorf("the failed envelope was acknowledged after all (acks %v)", acked)
	}
	if ms := s.messages(tk.ID); len(ms) != 1 || ms[0].Content != "Still broken" {
		t.Errorf("after the redelivery: %+v", ms)
	}
}

func testSocketPanic(t *testing.T, b backend) {
	s := newStack(t, b, stackOptions{socket: true})
	peer := s.connection()
	peer.ack(peer.send("slash_commands", s.commandPayload(reporter, "Socket panic")))
	tk := s.waitTicket(1, "a thread", func(t tkt) bool { return t.Thread.ID != 0 })

	s.faults.set(storePanics)
	peer.ack(peer.send("events_api", s.threadReplyEvent(slacktest.NewEventID(), tk, reporter, "1700000900.000002", "Boom")))
	s.faults.set(storeUp)
	log := s.waitLog("Socket Mode handler panicked", "faultStore: a lookup panicked")
	if !regexp.MustCompile(`Socket Mode handler panicked" [^\n]*error_id=[0-9a-f]{12} `).MatchString(log) {
		t.Errorf("the panic was logged without an error id:\n%s", log)
	}
	// The connection and the adapter carry on.
	if a := peer.ack(peer.send("slash_commands", s.commandPayload(reporter, "After the panic"))); !strings.Contains(fmt.Sprint(a["text"]), "Ticket #2 opened") {
		t.Errorf("ack payload %v", a)
	}
}
