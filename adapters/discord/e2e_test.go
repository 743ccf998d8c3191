package discord_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/adapters/discord/discordtest"
	"github.com/ticketbot/ticketbot/core"
)

// TestHTTPInteractions drives the adapter end to end through POST /discord/interactions, the
// outbox and the fake REST API, on the embedded stores and on MariaDB + Redis. Each behaviour
// runs on a fresh stack of its own.
func TestHTTPInteractions(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, be backend)
	}{
		{"registers its commands and refuses bad requests", testRequestChecks},
		{"lets only admins set up the support and staff channels", testSetupByInteraction},
		{"opens a ticket into a private thread and tells staff", testOpeningAndThreads},
		{"opens a ticket from the modal and the panel, once per interaction", testModalAndPanel},
		{"runs the card's buttons and commands with the role rules", testButtonsAndRoles},
		{"posts API messages into the thread and gives up on refused DMs", testMessagesAndDMs},
		{"suggests and lists the tickets the caller may see", testAutocomplete},
		{"survives failures of delivery", testFailuresOfDelivery},
	}
	for _, be := range backends() {
		t.Run(be.name, func(t *testing.T) {
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) { tc.run(t, be) })
			}
		})
	}
}

// checkMentionsOf is the last subtest of a behaviour: every message the bot sent on its stack
// (at least atLeast of them) sets allowed_mentions with an empty parse list.
func checkMentionsOf(t *testing.T, s *stack, atLeast int) {
	t.Run("every message the bot sends sets allowed_mentions with an empty parse list", func(t *testing.T) {
		checkAllowedMentions(t, s, atLeast)
	})
}

// testRequestChecks: the commands are registered once, PING is answered, and unsigned, stale or
// malformed requests are refused without a panic or a ticket.
func testRequestChecks(t *testing.T, be backend) {
	s := newStack(t, stackOptions{backend: be})
	ctx := context.Background()

	t.Run("commands are registered with one bulk overwrite", func(t *testing.T) {
		calls := s.api.Find("PUT", "applications/"+discordtest.AppID+"/commands")
		if len(calls) != 1 {
			t.Fatalf("bulk overwrites = %d, want 1", len(calls))
		}
	})

	t.Run("ping answers pong", func(t *testing.T) {
		body := discordtest.Ping().JSON()
		status, b := s.post(body, s.signer.Headers(body, time.Now()))
		if status != http.StatusOK || strings.TrimSpace(string(b)) != `{"type":1}` {
			t.Fatalf("PING = %d %s, want 200 {\"type\":1}", status, b)
		}
	})

	t.Run("requests without a valid fresh signature are refused", func(t *testing.T) {
		body := discordtest.Command(s.guild, s.support, s.reporter, "ticket", "open", str("title", "forged")).JSON()
		other := discordtest.NewSigner()
		now := time.Now()
		for _, tc := range []struct {
			name   string
			body   []byte
			header http.Header
			want   int
		}{
			{"missing signature", body, http.Header{"Content-Type": {"application/json"}}, 401},
			{"signed by another key", body, other.Headers(body, now), 401},
			{"body changed after signing", append([]byte(" "), body...), s.signer.Headers(body, now), 401},
			{"stale timestamp", body, s.signer.Headers(body, now.Add(-6*time.Minute)), 401},
			{"timestamp from the future", body, s.signer.Headers(body, now.Add(6*time.Minute)), 401},
			{"body over the size cap", []byte(`{"x":"` + strings.Repeat("a", 70<<10) + `"}`), nil, 413},
			{"signed malformed JSON", []byte(`{"type":`), s.signer.Headers([]byte(`{"type":`), now), 400},
			{"signed empty object", []byte(`{}`), s.signer.Headers([]byte(`{}`), now), 400},
			{"signed command without id or token", []byte(`{"type":2}`), s.signer.Headers([]byte(`{"type":2}`), now), 400},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if status, b := s.post(tc.body, tc.header); status != tc.want {
					t.Fatalf("status = %d (%s), want %d", status, b, tc.want)
				}
			})
		}
		ts, err := s.store.ListTickets(ctx, core.ListFilter{Workspace: s.ws(), Limit: 10})
		if err != nil || len(ts) != 0 {
			t.Fatalf("refused requests made tickets: %v %v", ts, err)
		}
	})

	t.Run("odd payloads are answered or refused, never a panic", func(t *testing.T) {
		member := `"guild_id":"` + s.guild + `","member":{"user":{"id":"` + s.reporter.ID + `","username":"r"},"roles":[],"permissions":"0"}`
		for _, tc := range []struct {
			name, body string
			want       int
		}{
			{"unknown interaction type", `{"type":99,"id":"` + discordtest.ID() + `","token":"t",` + member + `}`, 200},
			{"command without data", `{"type":2,"id":"` + discordtest.ID() + `","token":"t",` + member + `}`, 400},
			{"command in a DM", `{"type":2,"id":"` + discordtest.ID() + `","token":"t","user":{"id":"1"},"data":{"name":"ticket"}}`, 200},
			{"null options", `{"type":2,"id":"` + discordtest.ID() + `","token":"t",` + member + `,"data":{"name":"ticket","options":[null]}}`, 200},
			{"option of the wrong type", `{"type":2,"id":"` + discordtest.ID() + `","token":"t",` + member +
				`,"data":{"name":"ticket","options":[{"name":"show","type":1,"options":[{"name":"number","type":4,"value":{"x":1}}]}]}}`, 200},
			{"huge number", `{"type":2,"id":"` + discordtest.ID() + `","token":"t",` + member +
				`,"data":{"name":"ticket","options":[{"name":"show","type":1,"options":[{"name":"number","type":4,"value":1e300}]}]}}`, 200},
			{"unknown button", `{"type":3,"id":"` + discordtest.ID() + `","token":"t",` + member + `,"data":{"custom_id":"tb:explode:1","component_type":2}}`, 200},
			{"modal without fields", `{"type":5,"id":"` + discordtest.ID() + `","token":"t",` + member + `,"data":{"custom_id":"tbd:open"}}`, 200},
			{"custom_id of the wrong type", `{"type":3,"id":"` + discordtest.ID() + `","token":"t",` + member + `,"data":{"custom_id":5}}`, 400},
			{"permissions not a number", `{"type":2,"id":"1","token":"t","guild_id":"1","member":{"user":{"id":"2"},"permissions":"lots"}}`, 400},
			{"an array", `[1,2,3]`, 400},
			{"null", `null`, 400},
		} {
			t.Run(tc.name, func(t *testing.T) {
				body := []byte(tc.body)
				status, b := s.post(body, s.signer.Headers(body, time.Now()))
				if status != tc.want {
					t.Fatalf("status = %d (%s), want %d", status, b, tc.want)
				}
				if status == 200 {
					var r reply
					if err := json.Unmarshal(b, &r); err != nil || r.Type != 4 || r.Data.Flags != 64 || r.Data.Content == "" {
						t.Fatalf("response = %s, want an ephemeral message", b)
					}
				}
			})
		}
	})
}

// testSetupByInteraction: /ticket-admin setup needs Manage Server, refuses channels of the
// wrong visibility, and saves the support channel, staff channel and staff role.
func testSetupByInteraction(t *testing.T, be backend) {
	s := newStack(t, stackOptions{backend: be})
	ctx := context.Background()

	t.Run("setup by a member without Manage Server is refused", func(t *testing.T) {
		r := s.command(s.stranger, "ticket-admin", "setup",
			discordtest.Opt{Name: "channel", Type: 7, Value: s.support}, discordtest.Opt{Name: "staff_role", Type: 8, Value: s.staffRole})
		if !strings.Contains(r.Data.Content, "can't") || r.Data.Flags != 64 {
			t.Fatalf("reply = %+v, want an ephemeral refusal", r.Data)
		}
		if st, _ := s.svc.Settings(ctx, s.ws()); st.SupportChannel != "" {
			t.Fatalf("settings changed: %+v", st)
		}
	})

	t.Run("setup refuses a staff channel requesters can see, and a support channel they cannot", func(t *testing.T) {
		r := s.command(s.admin, "ticket-admin", "setup", discordtest.Opt{Name: "staff_channel", Type: 7, Value: s.support})
		if !strings.Contains(r.Data.Content, "public") {
			t.Errorf("a public staff channel: %q", r.Data.Content)
		}
		r = s.command(s.admin, "ticket-admin", "setup", discordtest.Opt{Name: "channel", Type: 7, Value: s.staffCh})
		if !strings.Contains(r.Data.Content, "can't see that channel") {
			t.Errorf("a private support channel: %q", r.Data.Content)
		}
		if st, _ := s.svc.Settings(ctx, s.ws()); st.SupportChannel != "" || st.TriageChannel != "" {
			t.Fatalf("settings changed: %+v", st)
		}
	})

	t.Run("setup by an admin saves the support channel, the staff channel and the staff role", func(t *testing.T) {
		r := s.command(s.admin, "ticket-admin", "setup",
			discordtest.Opt{Name: "channel", Type: 7, Value: s.support}, discordtest.Opt{Name: "staff_role", Type: 8, Value: s.staffRole},
			discordtest.Opt{Name: "staff_channel", Type: 7, Value: s.staffCh})
		if !strings.HasPrefix(r.Data.Content, "Done") {
			t.Fatalf("reply = %q", r.Data.Content)
		}
		st, err := s.svc.Settings(ctx, s.ws())
		if err != nil || st.SupportChannel != s.support || st.StaffGroup != s.staffRole || st.TriageChannel != s.staffCh {
			t.Fatalf("settings = %+v, %v", st, err)
		}
	})

	checkMentionsOf(t, s, 4)
}

// testOpeningAndThreads: /ticket open makes a private thread with the card, staff get a notice
// with a Join button, and nothing a user typed can ping anyone.
func testOpeningAndThreads(t *testing.T, be backend) {
	s := newStack(t, stackOptions{backend: be})
	s.setup()
	ctx := context.Background()

	var first tkt
	t.Run("open with options makes a private thread with the card", func(t *testing.T) {
		r := s.command(s.reporter, "ticket", "open", str("title", "VPN is down"), str("description", "since 9:00"), str("priority", "high"))
		if r.Type != 4 || r.Data.Flags != 64 || !strings.Contains(r.Data.Content, "Ticket #1 opened") {
			t.Fatalf("reply = %d %+v", r.Type, r.Data)
		}
		first = s.waitCard(1)
		if first.Title != "VPN is down" || first.Priority != core.PriorityHigh || first.Reporter.ID != s.reporter.ID {
			t.Fatalf("ticket = %+v", first)
		}
		th, ok := s.api.Thread(first.Thread.ThreadID)
		if !ok {
			t.Fatalf("no thread %s", first.Thread.ThreadID)
		}
		if th.Type != 12 || th.ParentID != s.support || th.Invitable || th.AutoArchiveDuration != 10080 || th.Name != "#1 VPN is down" {
			t.Fatalf("thread = %+v, want a private (12), non-invitable thread in %s archiving after 10080 min", th, s.support)
		}
		if first.Thread.ChannelID != th.ID {
			t.Fatalf("thread ref = %+v", first.Thread)
		}
		if !slices.Contains(th.Members, s.reporter.ID) {
			t.Fatalf("reporter not added: members %v", th.Members)
		}
		card, ok := s.api.Message(first.Thread.CardID)
		if !ok || card.ChannelID != th.ID {
			t.Fatalf("card %s not in the thread: %+v", first.Thread.CardID, card)
		}
		for _, want := range []string{`"title":"#1 VPN is down"`, `"name":"Status","value":"open"`, `"name":"Priority","value":"high"`,
			`"name":"Reporter","value":"\u003c@` + s.reporter.ID + `\u003e"`, `"name":"Assignee","value":"unassigned"`} {
			if !strings.Contains(string(card.Embeds), want) {
				t.Errorf("card embed lacks %s: %s", want, card.Embeds)
			}
		}
		for _, want := range []string{`"custom_id":"tb:claim:` + itoa(first.ID) + `"`, `"custom_id":"tb:close:` + itoa(first.ID) + `"`} {
			if !strings.Contains(string(card.Components), want) {
				t.Errorf("card components lack %s: %s", want, card.Components)
			}
		}
		if got, p, err := s.svc.PlaceForThread(ctx, s.ws(), th.ID, th.ID); err != nil || got.ID != first.ID || p.Kind != core.PlaceRequesterThread {
			t.Fatalf("PlaceForThread = %v %+v, %v", got.ID, p, err)
		}
	})

	t.Run("staff see a notice with a Join button in the staff channel, and nothing in the support channel", func(t *testing.T) {
		ok := s.api.WaitUntil(wait, func() bool { return len(s.api.MessagesIn(s.staffCh)) > 0 })
		msgs := s.api.MessagesIn(s.staffCh)
		if others := s.api.MessagesIn(s.support); len(others) != 0 {
			t.Errorf("posted where requesters read: %+v", others)
		}
		if !ok || !strings.Contains(msgs[0].Content, "New ticket #1") ||
			!strings.Contains(string(msgs[0].Components), `"custom_id":"tbd:join:`+itoa(first.ID)+`"`) {
			t.Fatalf("notice = %+v", msgs)
		}
	})

	t.Run("the Join button adds staff to the thread and refuses others", func(t *testing.T) {
		msgs := s.api.MessagesIn(s.staffCh)
		if len(msgs) == 0 {
			t.Fatal("no notice")
		}
		notice := msgs[0]
		r := s.interact(discordtest.Component(s.guild, s.staffCh, s.stranger, notice.ID, "tbd:join:"+itoa(first.ID)))
		if !strings.Contains(r.Data.Content, "only staff") {
			t.Fatalf("stranger: %q", r.Data.Content)
		}
		r = s.interact(discordtest.Component(s.guild, s.staffCh, s.staff, notice.ID, "tbd:join:"+itoa(first.ID)))
		if !strings.Contains(r.Data.Content, "You joined ticket #1") || r.Data.Flags != 64 {
			t.Fatalf("staff: %+v", r.Data)
		}
		th, _ := s.api.Thread(first.Thread.ThreadID)
		if !slices.Contains(th.Members, s.staff.ID) || slices.Contains(th.Members, s.stranger.ID) {
			t.Fatalf("members = %v", th.Members)
		}
	})

	t.Run("user text cannot ping anyone", func(t *testing.T) {
		u := discordtest.User{ID: discordtest.ID(), Name: "Eve"}
		s.command(u, "ticket", "open", str("title", "@everyone @here <@&"+s.staffRole+"> look"))
		tk := s.waitCard(2)
		card, _ := s.api.Message(tk.Thread.CardID)
		for _, m := range append(append(s.api.MessagesIn(s.support), s.api.MessagesIn(s.staffCh)...), card) {
			for _, bad := range []string{"@everyone", "@here", "<@&"} {
				if strings.Contains(m.Content, bad) || strings.Contains(string(m.Embeds), bad) {
					t.Fatalf("message %s contains %q: %q %s", m.ID, bad, m.Content, m.Embeds)
				}
			}
		}
	})

	checkMentionsOf(t, s, 8)
}

// testModalAndPanel: /ticket open without options and the panel's button answer with the modal,
// submitting it opens a ticket, and a replayed interaction opens only one.
func testModalAndPanel(t *testing.T, be backend) {
	s := newStack(t, stackOptions{backend: be})
	s.setup()
	ctx := context.Background()

	t.Run("open without options answers with the modal", func(t *testing.T) {
		r := s.command(s.reporter, "ticket", "open")
		if r.Type != 9 || r.Data.CustomID != "tbd:open" || r.Data.Title != "Open a ticket" {
			t.Fatalf("reply = %d %+v, want the modal", r.Type, r.Data)
		}
		for _, id := range []string{`"custom_id":"title"`, `"custom_id":"description"`, `"custom_id":"priority"`} {
			if !strings.Contains(string(r.Data.Components), id) {
				t.Errorf("modal lacks %s: %s", id, r.Data.Components)
			}
		}
	})

	modalUser := discordtest.User{ID: discordtest.ID(), Name: "Mo Modal"}
	t.Run("submitting the modal opens a ticket", func(t *testing.T) {
		r := s.interact(discordtest.ModalSubmit(s.guild, s.support, modalUser, "tbd:open",
			[2]string{"title", "Printer on fire"}, [2]string{"description", "really"}, [2]string{"priority", "urgent"}))
		if !strings.Contains(r.Data.Content, "Ticket #1 opened") {
			t.Fatalf("reply = %+v", r.Data)
		}
		tk := s.waitCard(1)
		if tk.Title != "Printer on fire" || tk.Description != "really" || tk.Priority != core.PriorityUrgent || tk.Reporter.ID != modalUser.ID {
			t.Fatalf("ticket = %+v", tk)
		}
	})

	t.Run("the panel posts a button that opens the modal", func(t *testing.T) {
		panelChannel := discordtest.ID()
		r := s.command(s.stranger, "ticket-admin", "panel", discordtest.Opt{Name: "channel", Type: 7, Value: panelChannel})
		if !strings.Contains(r.Data.Content, "Manage Server") || len(s.api.MessagesIn(panelChannel)) != 0 {
			t.Fatalf("a stranger posted the panel: %+v", r.Data)
		}
		r = s.command(s.admin, "ticket-admin", "panel", discordtest.Opt{Name: "channel", Type: 7, Value: panelChannel})
		if !strings.Contains(r.Data.Content, "Posted the panel") {
			t.Fatalf("reply = %+v", r.Data)
		}
		msgs := s.api.MessagesIn(panelChannel)
		if len(msgs) != 1 || !strings.Contains(string(msgs[0].Components), `"custom_id":"tbd:panel"`) {
			t.Fatalf("panel = %+v", msgs)
		}
		r = s.interact(discordtest.Component(s.guild, panelChannel, s.reporter, msgs[0].ID, "tbd:panel"))
		if r.Type != 9 || r.Data.CustomID != "tbd:open" {
			t.Fatalf("panel button answered %d %+v, want the modal", r.Type, r.Data)
		}
	})

	t.Run("a replayed interaction opens one ticket", func(t *testing.T) {
		u := discordtest.User{ID: discordtest.ID(), Name: "Rex Replay"}
		it := discordtest.Command(s.guild, s.support, u, "ticket", "open", str("title", "Once only"))
		first := s.interact(it)
		again := s.interact(it)
		if !strings.Contains(first.Data.Content, "opened") || !strings.Contains(again.Data.Content, "already handled") {
			t.Fatalf("first %q, again %q", first.Data.Content, again.Data.Content)
		}
		ts, err := s.store.ListTickets(ctx, core.ListFilter{Workspace: s.ws(), Reporter: u.ID, Limit: 10})
		if err != nil || len(ts) != 1 {
			t.Fatalf("tickets of the replayer = %d (%v), want 1", len(ts), err)
		}
	})

	checkMentionsOf(t, s, 8)
}

// twoTickets is a set-up stack with ticket #1 "VPN is down" of the reporter and #2 "Printer on
// fire" of other, a requester of their own.
func twoTickets(t *testing.T, be backend) (s *stack, first, second tkt, other discordtest.User) {
	t.Helper()
	s = newStack(t, stackOptions{backend: be})
	s.setup()
	other = discordtest.User{ID: discordtest.ID(), Name: "Mo Modal"}
	return s, s.open(s.reporter, 1, "VPN is down"), s.open(other, 2, "Printer on fire"), other
}

// testButtonsAndRoles: the card's buttons, the status menu and /ticket commands claim, change,
// close and reopen a ticket for those allowed to, edit the card and archive the thread.
func testButtonsAndRoles(t *testing.T, be backend) {
	s, first, second, _ := twoTickets(t, be)
	ctx := context.Background()

	t.Run("staff claim a ticket from its card", func(t *testing.T) {
		r := s.interact(discordtest.Component(s.guild, first.Thread.ThreadID, s.staff, first.Thread.CardID, "tb:claim:"+itoa(first.ID)))
		if !strings.Contains(r.Data.Content, "You now own ticket #1") {
			t.Fatalf("reply = %+v", r.Data)
		}
		tk := s.ticket(1)
		if tk.Assignee.ID != s.staff.ID {
			t.Fatalf("assignee = %+v", tk.Assignee)
		}
		s.waitCardEdit(first, `"name":"Assignee","value":"\u003c@`+s.staff.ID+`\u003e"`)
	})

	t.Run("a requester's claim is refused", func(t *testing.T) {
		r := s.interact(discordtest.Component(s.guild, first.Thread.ThreadID, s.reporter, first.Thread.CardID, "tb:claim:"+itoa(first.ID)))
		if !strings.Contains(r.Data.Content, "only staff") {
			t.Fatalf("reply = %+v", r.Data)
		}
	})

	t.Run("a status change by staff edits the card and DMs the reporter", func(t *testing.T) {
		r := s.command(s.staff, "ticket", "status", num(1), str("status", "in_progress"), str("note", "looking into it"))
		if !strings.Contains(r.Data.Content, "now in progress") {
			t.Fatalf("reply = %+v", r.Data)
		}
		s.waitCardEdit(first, `"name":"Status","value":"in progress"`)
		ok := s.api.WaitUntil(wait, func() bool { return len(s.api.DMsTo(s.reporter.ID)) > 0 })
		dms := s.api.DMsTo(s.reporter.ID)
		if !ok || !strings.Contains(dms[0].Content, "is now in progress") || !strings.Contains(dms[0].Content, "looking into it") {
			t.Fatalf("DMs = %+v", dms)
		}
	})

	t.Run("a stranger cannot close someone else's ticket", func(t *testing.T) {
		r := s.command(s.stranger, "ticket", "close", num(1))
		if r.Data.Flags != 64 || !strings.Contains(strings.ToLower(r.Data.Content), "not found") {
			t.Fatalf("reply = %+v", r.Data)
		}
		r = s.interact(discordtest.Component(s.guild, first.Thread.ThreadID, s.stranger, first.Thread.CardID, "tb:close:"+itoa(first.ID)))
		if r.Data.Flags != 64 || !strings.Contains(strings.ToLower(r.Data.Content), "not found") {
			t.Fatalf("button reply = %+v", r.Data)
		}
		if tk := s.ticket(1); tk.Status != core.StatusInProgress {
			t.Fatalf("status = %s", tk.Status)
		}
	})

	t.Run("the reporter closes their ticket and its thread is archived", func(t *testing.T) {
		dmsBefore := len(s.api.DMsTo(s.reporter.ID))
		r := s.interact(discordtest.Component(s.guild, first.Thread.ThreadID, s.reporter, first.Thread.CardID, "tb:close:"+itoa(first.ID)))
		if !strings.Contains(r.Data.Content, "now closed") {
			t.Fatalf("reply = %+v", r.Data)
		}
		s.waitThread(first.Thread.ThreadID, "archived", func(th discordtest.Thread) bool { return th.Archived })
		s.waitCardEdit(first, `"custom_id":"tb:reopen:`+itoa(first.ID)+`"`)
		if n := len(s.api.DMsTo(s.reporter.ID)); n != dmsBefore {
			t.Fatalf("the reporter got a DM about their own change")
		}
	})

	t.Run("reopening unarchives the thread", func(t *testing.T) {
		r := s.command(s.reporter, "ticket", "reopen", num(1))
		if !strings.Contains(r.Data.Content, "now open") {
			t.Fatalf("reply = %+v", r.Data)
		}
		s.waitThread(first.Thread.ThreadID, "unarchived", func(th discordtest.Thread) bool { return !th.Archived })
	})

	t.Run("a change made through the core edits the card in place", func(t *testing.T) {
		if _, err := s.svc.SetPriority(ctx, apiActor(), first.ID, core.PriorityLow); err != nil {
			t.Fatal(err)
		}
		s.waitCardEdit(first, `"name":"Priority","value":"low"`)
		if got := s.api.Find("POST", "channels/*/threads"); len(got) != 2 {
			t.Fatalf("thread creations = %d, want one per ticket (2)", len(got))
		}
	})

	t.Run("the card's status menu sets the status", func(t *testing.T) {
		r := s.interact(discordtest.Component(s.guild, second.Thread.ThreadID, s.staff, second.Thread.CardID,
			"tb:status:"+itoa(second.ID), "in_progress"))
		if !strings.Contains(r.Data.Content, "now in progress") {
			t.Fatalf("reply = %+v", r.Data)
		}
		s.waitCardEdit(second, `"name":"Status","value":"in progress"`)
	})

	checkMentionsOf(t, s, 20)
}

// testMessagesAndDMs: a message written in the API is posted into the thread with its mentions
// escaped, and a DM Discord refuses is logged and not retried.
func testMessagesAndDMs(t *testing.T, be backend) {
	s, first, _, modalUser := twoTickets(t, be)
	ctx := context.Background()

	t.Run("messages written in the API are posted into the thread", func(t *testing.T) {
		_, _, err := s.svc.AddMessage(ctx, apiActor(), first.ID, core.MessageInput{
			ExternalID: "api-1", Content: "@everyone we are on it <@&" + s.staffRole + ">", Source: "api", Deliver: true})
		if err != nil {
			t.Fatal(err)
		}
		ok := s.api.WaitUntil(wait, func() bool {
			for _, m := range s.api.MessagesIn(first.Thread.ThreadID) {
				if strings.Contains(m.Content, "we are on it") {
					return true
				}
			}
			return false
		})
		if !ok {
			t.Fatalf("not posted:\n%s", s.api.Dump())
		}
		for _, m := range s.api.MessagesIn(first.Thread.ThreadID) {
			if strings.Contains(m.Content, "@everyone") || strings.Contains(m.Content, "<@&") {
				t.Fatalf("a mention survived escaping: %q", m.Content)
			}
		}
	})

	t.Run("a refused DM is logged and not retried", func(t *testing.T) {
		s.api.BlockDMs(modalUser.ID)
		r := s.command(s.staff, "ticket", "status", num(2), str("status", "waiting"))
		if !strings.Contains(r.Data.Content, "now waiting") {
			t.Fatalf("reply = %+v", r.Data)
		}
		s.waitLog("does not accept DMs", "giving up")
		s.settle() // the outbox is done with it: no retry can follow
		var refused int
		for _, c := range s.api.Find("POST", "channels/*/messages") {
			if c.Status == http.StatusForbidden {
				refused++
			}
		}
		if refused != 1 {
			t.Fatalf("refused DM attempts = %d, want 1", refused)
		}
	})

	checkMentionsOf(t, s, 10)
}

// testAutocomplete: autocomplete and /ticket list offer a requester their own tickets and staff
// all of them.
func testAutocomplete(t *testing.T, be backend) {
	s, _, _, _ := twoTickets(t, be)
	s.open(discordtest.User{ID: discordtest.ID(), Name: "Rex Replay"}, 3, "Once only")

	t.Run("autocomplete suggests the caller's tickets, or all for staff", func(t *testing.T) {
		ac := func(u discordtest.User, typed string) []int64 {
			r := s.interact(discordtest.Autocomplete(s.guild, s.support, u, "ticket", "show",
				discordtest.Opt{Name: "number", Type: 4, Value: typed, Focused: true}))
			if r.Type != 8 {
				t.Fatalf("autocomplete type = %d", r.Type)
			}
			var ns []int64
			for _, c := range r.Data.Choices {
				n, _ := c.Value.(float64)
				ns = append(ns, int64(n))
			}
			return ns
		}
		if got := ac(s.reporter, ""); !slices.Equal(got, []int64{1}) {
			t.Errorf("reporter sees %v, want [1]", got)
		}
		if got := ac(s.stranger, ""); len(got) != 0 {
			t.Errorf("stranger sees %v", got)
		}
		if got := ac(s.staff, ""); len(got) != 3 {
			t.Errorf("staff see %v, want 3 tickets", got)
		}
		if got := ac(s.staff, "2"); !slices.Equal(got, []int64{2}) {
			t.Errorf("staff typing 2 see %v", got)
		}
	})

	t.Run("list shows the caller's tickets", func(t *testing.T) {
		r := s.command(s.reporter, "ticket", "list", str("status", "all"))
		if !strings.Contains(r.Data.Content, "`#1` VPN is down") || strings.Contains(r.Data.Content, "Printer") {
			t.Fatalf("list = %q", r.Data.Content)
		}
	})

	checkMentionsOf(t, s, 10)
}

// testFailuresOfDelivery: a 429, a server error after the thread was made and a notice the bot
// may not post are retried or logged, and none of them makes a second thread or holds up the
// ticket.
func testFailuresOfDelivery(t *testing.T, be backend) {
	s := newStack(t, stackOptions{backend: be})
	s.setup()

	t.Run("a 429 from Discord is retried later through the outbox", func(t *testing.T) {
		s.api.RateLimit("POST", "channels/"+s.support+"/threads", 400*time.Millisecond, 1)
		u := discordtest.User{ID: discordtest.ID(), Name: "Lim Ited"}
		r := s.command(u, "ticket", "open", str("title", "Rate limited"))
		if !strings.Contains(r.Data.Content, "opened") {
			t.Fatalf("reply = %+v", r.Data)
		}
		tk := s.waitCard(1)
		var tries []discordtest.Call
		for _, c := range s.api.Find("POST", "channels/"+s.support+"/threads") {
			if strings.Contains(string(c.Body), "Rate limited") {
				tries = append(tries, c)
			}
		}
		if len(tries) != 2 || tries[0].Status != 429 || tries[1].Status != 201 {
			t.Fatalf("thread creations = %+v", tries)
		}
		if gap := tries[1].At.Sub(tries[0].At); gap < 400*time.Millisecond {
			t.Fatalf("retried after %v, before retry_after (400ms)", gap)
		}
		if len(s.privateThreads()) != 1 || tk.Thread.ThreadID == "" {
			t.Fatalf("threads = %d", len(s.privateThreads()))
		}
	})

	t.Run("a failure after the thread was made reuses that thread on retry", func(t *testing.T) {
		s.settle() // the earlier tickets' deliveries are done: the fault hits this card
		s.api.Inject(discordtest.Fault{Method: "POST", Path: "channels/*/messages", Status: 500, Message: "Internal Server Error", Times: 1})
		u := discordtest.User{ID: discordtest.ID(), Name: "Flo Flaky"}
		s.command(u, "ticket", "open", str("title", "Flaky card"))
		tk := s.waitCard(2)
		var made int
		for _, th := range s.api.Threads() {
			if th.Name == "#2 Flaky card" {
				made++
			}
		}
		failed := 0
		for _, c := range s.api.Find("POST", "channels/"+tk.Thread.ThreadID+"/messages") {
			if c.Status == 500 {
				failed++
			}
		}
		if failed != 1 || made != 1 || len(s.api.MessagesIn(tk.Thread.ThreadID)) != 1 {
			t.Fatalf("failed card posts = %d, threads made = %d, card messages = %d; want 1, 1 and 1\n%s", failed, made, len(s.api.MessagesIn(tk.Thread.ThreadID)), s.api.Dump())
		}
	})

	t.Run("a notice the bot may not post does not hold up the ticket", func(t *testing.T) {
		s.settle() // the fault below is for this ticket's notice, not a late one of the ticket before
		s.api.Inject(discordtest.Fault{Method: "POST", Path: "channels/" + s.staffCh + "/messages", Status: 403, Code: 50013, Message: "Missing Permissions", Times: 1})
		u := discordtest.User{ID: discordtest.ID(), Name: "Nora Notice"}
		s.command(u, "ticket", "open", str("title", "No notice"))
		tk := s.waitCard(3)
		s.waitLog("could not post the new-ticket notice")
		s.command(s.staff, "ticket", "claim", num(3))
		s.waitCardEdit(tk, `"name":"Assignee","value":"\u003c@`+s.staff.ID+`\u003e"`)
	})

	checkMentionsOf(t, s, 12)
}

// checkAllowedMentions asserts over every recorded outgoing message (REST calls and
// interaction responses) that allowed_mentions is present with parse [] and pings at most the
// ticket's reporter.
func checkAllowedMentions(t *testing.T, s *stack, atLeast int) {
	t.Helper()
	type am struct {
		Parse *[]string `json:"parse"`
		Users []string  `json:"users"`
		Roles []string  `json:"roles"`
	}
	check := func(what string, raw json.RawMessage, allowUsers bool) {
		t.Helper()
		var m am
		if len(raw) == 0 || string(raw) == "null" {
			t.Errorf("%s: no allowed_mentions", what)
			return
		}
		if err := json.Unmarshal(raw, &m); err != nil || m.Parse == nil || len(*m.Parse) != 0 {
			t.Errorf("%s: allowed_mentions = %s, want parse []", what, raw)
		}
		if len(m.Roles) > 0 || (!allowUsers && len(m.Users) > 0) || len(m.Users) > 1 {
			t.Errorf("%s: allowed_mentions pings %s", what, raw)
		}
	}
	n := 0
	for _, c := range s.api.Calls() {
		isMessage := (c.Method == "POST" && (matchPath("channels/*/messages", c.Path) || matchPath("webhooks/*/*", c.Path))) ||
			(c.Method == "PATCH" && (matchPath("channels/*/messages/*", c.Path) || matchPath("webhooks/*/*/messages/*", c.Path)))
		isCallback := c.Method == "POST" && matchPath("interactions/*/*/callback", c.Path)
		var body struct {
			Type            int             `json:"type"`
			AllowedMentions json.RawMessage `json:"allowed_mentions"`
			Data            struct {
				AllowedMentions json.RawMessage `json:"allowed_mentions"`
			} `json:"data"`
		}
		_ = json.Unmarshal(c.Body, &body)
		switch {
		case isMessage:
			n++
			check(c.Method+" "+c.Path, body.AllowedMentions, matchPath("channels/*/messages", c.Path))
		case isCallback && (body.Type == 4 || body.Type == 5 || body.Type == 7):
			n++
			check("callback "+c.Path, body.Data.AllowedMentions, false)
		}
	}
	s.mu.Lock()
	responses := append([][]byte(nil), s.responses...)
	s.mu.Unlock()
	for _, b := range responses {
		var r struct {
			Type int `json:"type"`
			Data struct {
				AllowedMentions json.RawMessage `json:"allowed_mentions"`
			} `json:"data"`
		}
		_ = json.Unmarshal(b, &r)
		if r.Type == 4 || r.Type == 5 || r.Type == 7 {
			n++
			check("HTTP response "+string(b[:min(len(b), 80)]), r.Data.AllowedMentions, false)
		}
	}
	if n < atLeast {
		t.Fatalf("only %d outgoing messages checked, want at least %d", n, atLeast)
	}
}

func matchPath(pattern, p string) bool {
	ps, ss := strings.Split(pattern, "/"), strings.Split(p, "/")
	if len(ps) != len(ss) {
		return false
	}
	for i := range ps {
		if ps[i] != "*" && ps[i] != ss[i] {
			return false
		}
	}
	return true
}
