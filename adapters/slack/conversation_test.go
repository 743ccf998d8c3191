package slack_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/adapters/slack"
	"github.com/ticketbot/ticketbot/adapters/slack/slacktest"
	"github.com/ticketbot/ticketbot/core"
)

// TestConversations runs the ticket's two sides on every backend: the requester talks in
// their DM thread, staff in the triage thread, public messages cross over, notes never do.
func TestConversations(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Run("relay between the DM thread and the triage thread", func(t *testing.T) { testRelay(t, b) })
			t.Run("replies notes keeps staff messages internal unless sent", func(t *testing.T) { testRepliesNotes(t, b) })
			t.Run("tickets from a message: reaction, shortcut, request channel", func(t *testing.T) { testFromMessage(t, b) })
			t.Run("setup refuses a public triage channel and shows the settings", func(t *testing.T) { testSetupRules(t, b) })
		})
	}
}

// staffReply is a human message in ticket tk's triage thread (in the fake, and its event);
// it returns the message's ts.
func (s *stack) staffReply(tk tkt, user, text string) string {
	s.t.Helper()
	ts := s.fake.Post(tk.Thread.ChannelID, tk.Thread.ThreadID, user, text)
	r := s.event(slacktest.NewEventID(), map[string]any{"type": "message", "channel": tk.Thread.ChannelID, "channel_type": "group",
		"user": user, "text": text, "ts": ts, "thread_ts": tk.Thread.ThreadID, "event_ts": ts}, 0)
	if r.Status != 200 {
		s.t.Fatalf("event: %d %s", r.Status, r.Body)
	}
	return ts
}

// requesterReply is the reporter's message in their DM thread of ticket tk; it returns its ts.
func (s *stack) requesterReply(tk tkt, text string) string {
	s.t.Helper()
	ts := s.fake.Post(tk.DM.ChannelID, tk.DM.ThreadID, tk.Reporter.ID, text)
	r := s.event(slacktest.NewEventID(), map[string]any{"type": "message", "channel": tk.DM.ChannelID, "channel_type": "im",
		"user": tk.Reporter.ID, "text": text, "ts": ts, "thread_ts": tk.DM.ThreadID, "event_ts": ts}, 0)
	if r.Status != 200 {
		s.t.Fatalf("event: %d %s", r.Status, r.Body)
	}
	return ts
}

// withSides opens a ticket as the reporter after setup and waits for both of its cards.
func (s *stack) withSides(title string) tkt {
	s.t.Helper()
	tk := s.withCard(title)
	return s.waitTicket(tk.Number, "a requester card", func(t tkt) bool { return t.DM.CardID != "" })
}

func testRelay(t *testing.T, b backend) {
	s := newStack(t, b, stackOptions{})
	s.setup()
	tk := s.withSides("VPN keeps dropping")
	if tk.Thread.ChannelID != helpdesk || tk.DM.ChannelID != "D"+reporter {
		t.Fatalf("places: staff side %+v, requester side %+v", tk.Thread, tk.DM)
	}
	card := s.fake.Wait(t, "chat.postMessage", slacktest.Param("channel", "D"+reporter), slacktest.Param("thread_ts", ""))
	golden(t, "requester_card.json", card.Params["blocks"])

	q := s.staffReply(tk, staff, "Which office are you in?")
	copyInDM := s.fake.Wait(t, "chat.postMessage", slacktest.Param("channel", "D"+reporter), slacktest.Param("thread_ts", tk.DM.ThreadID),
		slacktest.Containing("Which office are you in?"))
	if copyInDM.Params["reply_broadcast"] != "true" || !strings.Contains(copyInDM.Params["text"], "*sam*") {
		t.Errorf("copy in the DM = %+v, want it broadcast and signed by sam", copyInDM.Params)
	}
	golden(t, "relayed_message.json", jsonOf(t, map[string]string{"text": copyInDM.Params["text"], "reply_broadcast": copyInDM.Params["reply_broadcast"]}))
	s.fake.Wait(t, "reactions.add", slacktest.Param("name", "outbox_tray"), slacktest.Param("timestamp", q))

	s.requesterReply(tk, "Berlin, third floor")
	s.fake.Wait(t, "chat.postMessage", slacktest.Param("channel", helpdesk), slacktest.Param("thread_ts", tk.Thread.ThreadID),
		slacktest.Containing("Berlin, third floor"))

	n1 := s.staffReply(tk, staff, "note: VIP, handle today")
	n2 := s.staffReply(tk, staff, "🔒 check the VPN logs first")
	s.fake.Wait(t, "reactions.add", slacktest.Param("name", "lock"), slacktest.Param("timestamp", n1))
	s.fake.Wait(t, "reactions.add", slacktest.Param("name", "lock"), slacktest.Param("timestamp", n2))
	// A later public reply proves the relay ran past the notes (one ticket's events go in order).
	s.staffReply(tk, staff, "Please reconnect now")
	s.fake.Wait(t, "chat.postMessage", slacktest.Param("channel", "D"+reporter), slacktest.Containing("Please reconnect now"))
	ms, err := s.svc.Messages(context.Background(), core.System(), tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	internal := 0
	for _, m := range ms {
		if m.Internal {
			internal++
		}
	}
	if len(ms) != 5 || internal != 2 {
		t.Errorf("stored %d messages (%d internal), want 5 (2 internal)", len(ms), internal)
	}
	// The bot's own copies are not stored again, nor relayed back (no echo loop).
	s.event(slacktest.NewEventID(), map[string]any{"type": "message", "channel": helpdesk, "channel_type": "group",
		"user": slacktest.BotUserID, "bot_id": "BBOT", "text": "*rita* (in Slack):\nBerlin, third floor", "ts": "1700000900.000001",
		"thread_ts": tk.Thread.ThreadID, "event_ts": "1700000900.000001"}, 0)
	s.fake.AssertNoLeaks(t, []string{"D" + reporter}, "VIP, handle today", "check the VPN logs first")
	s.fake.AssertNoMentions(t)
}

func testRepliesNotes(t *testing.T, b backend) {
	s := newStack(t, b, stackOptions{})
	s.setup()
	if r := s.command(admin, helpdesk, "setup replies notes"); !strings.Contains(r.Text("text"), "stay internal") {
		t.Fatalf("setup replies: %s", r.Body)
	}
	tk := s.withSides("Printer offline")
	toner := s.staffReply(tk, staff, "probably the toner again")
	s.fake.Wait(t, "reactions.add", slacktest.Param("name", "lock"), slacktest.Param("timestamp", toner))
	if r := s.command(staff, helpdesk, "reply 1 Could you restart it?"); !strings.Contains(r.Text("text"), "Reply sent") {
		t.Fatalf("reply: %s", r.Body)
	}
	s.fake.Wait(t, "chat.postMessage", slacktest.Param("channel", "D"+reporter), slacktest.Containing("Could you restart it?"))
	if r := s.command(staff, helpdesk, "note 1 ordered a new one"); !strings.Contains(r.Text("text"), "Internal note added") {
		t.Fatalf("note: %s", r.Body)
	}
	s.fake.Wait(t, "chat.postMessage", slacktest.Param("channel", helpdesk), slacktest.Containing("ordered a new one"))
	// Send to requester: the internal message goes out after all.
	r := s.interact(slacktest.MessageAction(s.team, slacktest.User{ID: staff, Name: "sam"}, slack.ShortcutSendToRequester,
		slacktest.Target{Channel: helpdesk, TS: toner, ThreadTS: tk.Thread.ThreadID, User: staff, Text: "probably the toner again"},
		s.fake.URL()+"/response/send-1"))
	if r.Status != 200 {
		t.Fatalf("shortcut: %d %s", r.Status, r.Body)
	}
	s.fake.Wait(t, "chat.postMessage", slacktest.Param("channel", "D"+reporter), slacktest.Containing("probably the toner again"))
	s.fake.AssertNoLeaks(t, []string{"D" + reporter}, "ordered a new one")
	if r := s.command(reporter, origin, "note 1 let me in"); !strings.Contains(r.Text("text"), "only staff") {
		t.Errorf("a requester wrote a note: %s", r.Body)
	}
}

func testFromMessage(t *testing.T, b backend) {
	s := newStack(t, b, stackOptions{})
	s.setup()
	const general = "CGENERAL"
	s.fake.AddChannel(slacktest.Channel{ID: general, Name: "general", Members: []string{reporter, staff, slacktest.BotUserID}})
	ts := s.fake.Post(general, "", reporter, "Wifi is down in room 4\nSince lunch, every laptop.")
	for range 2 { // one message makes at most one ticket
		s.event(slacktest.NewEventID(), slacktest.ReactionEvent(staff, "ticket", general, ts, reporter), 0)
	}
	tk := s.waitTicket(1, "cards", func(t tkt) bool { return t.Thread.CardID != "" })
	if tk.Title != "Wifi is down in room 4" || tk.Reporter.ID != reporter || !strings.Contains(tk.Description, "every laptop") {
		t.Errorf("ticket %+v", tk.Ticket)
	}
	rc := s.fake.Wait(t, "chat.postMessage", slacktest.Param("channel", general), slacktest.Param("thread_ts", ts))
	if !strings.Contains(rc.Params["text"], "#1") {
		t.Errorf("requester card in the message's thread: %+v", rc.Params)
	}
	r := s.interact(slacktest.MessageAction(s.team, slacktest.User{ID: staff, Name: "sam"}, slack.ShortcutOpenFromMessage,
		slacktest.Target{Channel: general, TS: ts, User: reporter, Text: "Wifi is down in room 4"}, s.fake.URL()+"/response/from-1"))
	if r.Status != 200 {
		t.Fatalf("shortcut: %d %s", r.Status, r.Body)
	}
	s.fake.Wait(t, "response_url", slacktest.Containing("already"))
	if _, err := s.store.TicketByNumber(context.Background(), s.ws, 2); !core.IsCode(err, core.ENotFound) {
		t.Fatalf("a second ticket from the same message: %v", err)
	}

	// A request channel with auto: a newcomer's message opens a ticket, staff's does not.
	const requests = "CREQUESTS"
	s.fake.AddChannel(slacktest.Channel{ID: requests, Name: "it-requests", Members: []string{reporter, staff, slacktest.BotUserID}})
	if r := s.command(admin, helpdesk, "setup requests <#"+requests+"|it-requests> auto"); !strings.Contains(r.Text("text"), "opens a ticket") {
		t.Fatalf("setup requests: %s", r.Body)
	}
	for i, who := range []string{staff, reporter} {
		ts := "1700002000.00000" + string(rune('1'+i))
		s.event(slacktest.NewEventID(), map[string]any{"type": "message", "channel": requests, "channel_type": "channel",
			"user": who, "text": "message from " + who, "ts": ts, "event_ts": ts}, 0)
	}
	got := s.waitTicket(2, "a ticket from the request channel", func(t tkt) bool { return t.Thread.CardID != "" })
	if got.Reporter.ID != reporter || got.Title != "message from "+reporter {
		t.Errorf("ticket #2 = %+v", got.Ticket)
	}
	if _, err := s.store.TicketByNumber(context.Background(), s.ws, 3); !core.IsCode(err, core.ENotFound) {
		t.Errorf("staff's message opened a ticket: %v", err)
	}

	// Turning the request channel off: refused without the channel, with auto, or for a
	// channel that is none; then done, and the channel opens no more tickets.
	for cmd, want := range map[string]string{
		"setup off": "Off goes with requests",
		"setup requests <#" + requests + "|it-requests> auto off": "not both",
		"setup requests <#" + general + "|general> off":           "#general is not a request channel",
	} {
		if r := s.command(admin, helpdesk, cmd); !strings.Contains(r.Text("text"), want) {
			t.Errorf("%s: %s, want %q", cmd, r.Body, want)
		}
	}
	if st, _ := s.store.Settings(context.Background(), s.ws); len(st.RequestChannels) != 1 {
		t.Fatalf("a refused setup changed the request channels: %+v", st.RequestChannels)
	}
	if r := s.command(admin, helpdesk, "setup requests <#"+requests+"|it-requests> off"); !strings.Contains(r.Text("text"), "#it-requests is no longer a request channel") {
		t.Fatalf("setup requests off: %s", r.Body)
	}
	if st, _ := s.store.Settings(context.Background(), s.ws); len(st.RequestChannels) != 0 {
		t.Fatalf("request channels after off: %+v", st.RequestChannels)
	}
	if r := s.command(admin, helpdesk, "setup"); !strings.Contains(r.Text("text"), "request channels: none") {
		t.Errorf("settings view after off: %s", r.Body)
	}
}

func testSetupRules(t *testing.T, b backend) {
	s := newStack(t, b, stackOptions{})
	const public = "CPUBLIC"
	s.fake.AddChannel(slacktest.Channel{ID: public, Name: "help", Members: []string{admin, slacktest.BotUserID}})
	r := s.command(admin, public, "setup <#"+public+"|help>")
	if !strings.Contains(r.Text("text"), "public") {
		t.Fatalf("a public triage channel was accepted: %s", r.Body)
	}
	const without = "CNOBOT"
	s.fake.AddChannel(slacktest.Channel{ID: without, Name: "private-no-bot", Private: true, Members: []string{admin}})
	if r := s.command(admin, without, "setup <#"+without+"|private-no-bot>"); !strings.Contains(r.Text("text"), "add me") {
		t.Errorf("a channel without the bot was accepted: %s", r.Body)
	}
	s.setup()
	r = s.command(admin, helpdesk, "setup")
	if !strings.Contains(r.Text("text"), "staff's channel: #helpdesk") || !strings.Contains(r.Text("text"), "replies in a staff thread: all") {
		t.Errorf("settings view: %s", r.Body)
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
