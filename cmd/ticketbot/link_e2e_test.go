package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/adapters/discord/discordtest"
	"github.com/ticketbot/ticketbot/adapters/slack/slacktest"
	"github.com/ticketbot/ticketbot/core/coretest"
)

// One helpdesk across Slack and Discord, through the binary with both fakes: the Discord
// admin gets a code, the Slack admin links with it in the triage channel; a Discord
// requester's ticket gets a card in Slack naming the server; a Slack staff member's reply in
// its thread reaches the Discord private thread under their name; the requester's answer
// reaches Slack; an internal note written in Slack reaches no requester-facing Discord place
// (only the Discord staff thread); a status change typed in Slack with the ticket's
// reference (d1) updates both cards; and nothing pings anyone across platforms.
func TestServeStaffsADiscordServerFromSlack(t *testing.T) {
	t.Run("sqlite and memory", func(t *testing.T) { staffDiscordFromSlack(t, sqliteEnv(t)) })
	t.Run("mariadb and redis", func(t *testing.T) {
		staffDiscordFromSlack(t, map[string]string{"TICKETBOT_DATABASE_URL": coretest.MySQLURL(t), "TICKETBOT_REDIS_URL": coretest.RedisURL(t)})
	})
}

func staffDiscordFromSlack(t *testing.T, env map[string]string) {
	r := startLinkRig(t, env)
	r.link()
	if got := r.command(r.slackAdmin, r.triage, "setup"); !strings.Contains(got, "Gopher Community") {
		t.Errorf("Slack settings do not show the link: %s", got)
	}
	if got := r.interact(discordtest.Command(r.guild, r.support, r.dAdmin, "ticket-admin", "setup")); !strings.Contains(got, "also staffed from") {
		t.Errorf("Discord settings do not show the link: %s", got)
	}

	private, notes := r.openDiscordTicket("Bot ignores my @everyone <@UOUTSIDER> <!channel> command")
	card := r.waitSlack("the Slack card of the Discord ticket", slacktest.InChannel(r.triage), slacktest.Param("thread_ts", ""),
		slacktest.Containing("Gopher Community"))
	waitOutboxEmpty(t, r) // the card's thread is recorded as the ticket's place before anyone writes in it
	if !strings.Contains(strings.Join(card.Visible(), " "), "d1 ") {
		t.Errorf("the Slack card does not give the reference d1: %v", card.Visible())
	}

	// Slack staff answer in the card's thread: it reaches the Discord private thread, by name
	// and platform, and the Discord staff thread.
	r.slackEvent(r.triage, r.slackStaff, "Which server region? cc @everyone <@"+r.dAdmin.ID+"> <@&"+r.staffRole+">", card.TS)
	r.waitDiscord("the Slack reply in the Discord private thread", private, "Which server region?")
	r.waitDiscord("the Slack reply in the Discord staff thread", notes, "Which server region?")
	for _, m := range r.dapi.MessagesIn(private) {
		if strings.Contains(m.Content, "Which server region?") && (!strings.Contains(m.Content, "sam") || !strings.Contains(m.Content, "slack")) {
			t.Errorf("the copy does not name its author and platform: %q", m.Content)
		}
	}

	// The requester answers in Discord: it reaches the Slack thread.
	r.say(private, r.dRequester, "EU west <!channel> <@"+r.slackAdmin+">")
	r.waitSlack("the requester's answer in the Slack thread", slacktest.InChannel(r.triage), slacktest.Param("thread_ts", card.TS),
		slacktest.Containing("EU west"))

	// Discord staff work in Discord; Slack sees their public reply.
	r.say(private, r.dStaff, "Restarting the shard now")
	r.waitSlack("the Discord staff reply in Slack", slacktest.InChannel(r.triage), slacktest.Containing("Restarting the shard"))

	// An internal note in Slack stays on the staff side.
	r.slackEvent(r.triage, r.slackStaff, "note: their token leaked in the screenshot", card.TS)
	r.waitDiscord("the Slack note in the Discord staff thread", notes, "their token leaked")

	// A status change from Slack, by reference, updates both cards.
	if got := r.command(r.slackStaff, r.triage, "status d1 waiting"); !strings.Contains(got, "d1 is now waiting") {
		t.Fatalf("status d1 waiting: %s\n%s", got, r.srv.logs.String())
	}
	if !r.slack.WaitUntil(15*time.Second, func() bool {
		m, ok := r.slack.Message(r.triage, card.TS)
		return ok && strings.Contains(strings.Join(messageStrings(m), " "), "waiting")
	}) {
		t.Fatalf("the Slack card never showed waiting:\n%s\n%s", r.slack.Dump(), r.srv.logs.String())
	}
	if !r.dapi.WaitUntil(15*time.Second, func() bool {
		for _, m := range r.dapi.MessagesIn(private) {
			if m.Edits > 0 && strings.Contains(string(m.Embeds), "waiting") {
				return true
			}
		}
		return false
	}) {
		t.Fatalf("the Discord card never showed waiting:\n%s\n%s", r.dapi.Dump(), r.srv.logs.String())
	}

	// Answers in Slack refer to the Discord ticket as d1, and Slack staff list the linked
	// server's tickets with their references.
	if got := r.command(r.slackStaff, r.triage, "reply d1 Try rejoining the server"); !strings.Contains(got, "ticket d1") {
		t.Errorf("reply d1 answers %q, want the reference d1", got)
	}
	if got := r.command(r.slackStaff, r.triage, "note d1 checked the shard logs"); !strings.Contains(got, "ticket d1") {
		t.Errorf("note d1 answers %q, want the reference d1", got)
	}
	if got := r.commandShows(r.slackStaff, r.triage, "list"); !strings.Contains(got, "*d1* Bot ignores my") {
		t.Errorf("Slack staff's list does not show the linked ticket as d1:\n%s", got)
	}
	if got := r.commandShows(r.slackOther, "CGENERAL", "list"); strings.Contains(got, "Bot ignores my") {
		t.Errorf("someone who is not Slack staff listed the linked server's ticket:\n%s", got)
	}

	// Discord staff claim it in Discord: the Slack thread's note names them by their Discord
	// display name and platform, as text: no bare id, no mention.
	if got := r.interact(discordtest.Command(r.guild, private, r.dStaff, "ticket", "claim", discordtest.Opt{Name: "number", Type: 4, Value: 1})); !strings.Contains(got, "You now own") {
		t.Fatalf("Discord claim: %s", got)
	}
	note := r.waitSlack("the Slack note of the Discord assignee", slacktest.InChannel(r.triage), slacktest.Param("thread_ts", card.TS),
		slacktest.Containing("Assigned to"))
	if text := note.Params["text"]; !strings.Contains(text, "Assigned to Dan (discord)") || strings.Contains(text, r.dStaff.ID) {
		t.Errorf("the Slack note of the Discord assignee: %q, want their name and platform, not their id", text)
	}

	// The card's Claim button, pressed in Slack, assigns the Slack staff member; the Discord
	// card shows them by name, pinging nobody.
	claim := ""
	for _, str := range card.Strings {
		if strings.HasPrefix(str, "tb:claim:") {
			claim = str
		}
	}
	if claim == "" {
		t.Fatalf("the Slack card has no Claim button: %v", card.Strings)
	}
	if _, err := r.client.Interact(context.Background(), slacktest.BlockActions(r.team, slacktest.User{ID: r.slackStaff, Name: "sam"},
		r.triage, card.TS, r.slack.ResponseURL(r.triage, card.TS), slacktest.Button(claim, strings.TrimPrefix(claim, "tb:claim:")))); err != nil {
		t.Fatal(err)
	}
	if !r.dapi.WaitUntil(15*time.Second, func() bool {
		for _, m := range r.dapi.MessagesIn(private) {
			if strings.Contains(string(m.Embeds), "Assignee") && strings.Contains(string(m.Embeds), `"sam"`) {
				return true
			}
		}
		return false
	}) {
		t.Fatalf("the Discord card never showed the Slack assignee:\n%s\n%s", r.dapi.Dump(), r.srv.logs.String())
	}

	// Slack staff have no rights in the Discord server itself, nor Slack outsiders on the card.
	if got := r.command(r.slackOther, "CGENERAL", "status d1 resolved"); strings.Contains(got, "is now") {
		t.Errorf("someone who is not Slack staff changed a Discord ticket: %s", got)
	}

	// Waiting for the empty outbox before the scans: every copy has gone out.
	waitOutboxEmpty(t, r)
	r.dapi.AssertNoLeaks(t, []string{private, r.support}, "their token leaked")
	r.slack.AssertNoLeaks(t, []string{"CGENERAL"}, "their token leaked")
	r.assertNoCrossMentions(
		[]string{"<@" + r.slackAdmin + ">", "<@" + r.slackOther + ">", "<!channel>"},
		[]string{"<@" + r.dAdmin.ID + ">", "<@&" + r.staffRole + ">", "<@" + r.slackStaff + ">"},
		r.dRequester.ID) // the Discord card greets its reporter
	if err := r.srv.stop(); err != nil {
		t.Fatal(err)
	}
}

// commandShows runs /ticket TEXT in Slack and returns everything its answer shows (text
// and blocks).
func (r *linkRig) commandShows(user, channel, text string) string {
	r.t.Helper()
	resp, err := r.client.Command(context.Background(), slacktest.Command{Team: r.team, User: user, Channel: channel, Text: text,
		ResponseURL: r.slack.ResponseURL(channel, "")})
	if err != nil {
		r.t.Fatal(err)
	}
	return string(resp.Body)
}

// messageStrings is what a Slack message shows: its text and its blocks' strings.
func messageStrings(m slacktest.Message) []string {
	var blocks any
	_ = json.Unmarshal(m.Blocks, &blocks)
	return append([]string{m.Text}, slacktest.Strings(blocks)...)
}

// Link codes: valid 15 minutes (an injected clock), once; an unknown, used or expired code,
// or one typed outside the triage channel or by a non-admin, changes nothing. Unlinking from
// either side ends it, and both settings views and the log say so.
func TestServeLinkCodes(t *testing.T) {
	r := startLinkRig(t, sqliteEnv(t))
	code := r.linkCode()
	if got := r.command(r.slackStaff, r.triage, "setup link "+code); strings.Contains(got, "is linked") {
		t.Fatalf("a Slack member who is no admin linked: %s", got)
	}
	if got := r.command(r.slackAdmin, "CGENERAL", "setup link "+code); !strings.Contains(got, "staff's channel") {
		t.Fatalf("linking outside the triage channel: %s", got)
	}
	if got := r.command(r.slackAdmin, r.triage, "setup link ZZZZ-ZZZZ-ZZZZ"); !strings.Contains(got, "unknown, used or expired") {
		t.Fatalf("an unknown code: %s", got)
	}
	r.clock.Advance(16 * time.Minute)
	if got := r.command(r.slackAdmin, r.triage, "setup link "+code); !strings.Contains(got, "unknown, used or expired") {
		t.Fatalf("an expired code: %s", got)
	}
	if got := r.command(r.slackAdmin, r.triage, "setup"); !strings.Contains(got, "linked helpdesk: none") {
		t.Fatalf("refused codes linked anyway: %s", got)
	}

	fresh := r.linkCode()
	r.clock.Advance(14 * time.Minute)
	if got := r.command(r.slackAdmin, r.triage, "setup link "+fresh); !strings.Contains(got, "is linked") {
		t.Fatalf("a code 14 minutes old: %s\n%s", got, r.srv.logs.String())
	}
	if got := r.command(r.slackAdmin, r.triage, "setup link "+fresh); !strings.Contains(got, "unknown, used or expired") {
		t.Fatalf("a used code: %s", got)
	}
	if got := r.command(r.slackAdmin, r.triage, "setup unlink"); !strings.Contains(got, "no longer linked") {
		t.Fatalf("setup unlink: %s", got)
	}
	if got := r.interact(discordtest.Command(r.guild, r.support, r.dAdmin, "ticket-admin", "unlink")); !strings.Contains(got, "not linked") {
		t.Fatalf("unlink twice: %s", got)
	}
	r.link()
	if got := r.interact(discordtest.Command(r.guild, r.support, r.dStaff, "ticket-admin", "unlink")); strings.Contains(got, "no longer linked") {
		t.Fatalf("Discord staff who are no admins unlinked: %s", got)
	}
	if got := r.interact(discordtest.Command(r.guild, r.support, r.dAdmin, "ticket-admin", "unlink")); !strings.Contains(got, "no longer linked") {
		t.Fatalf("/ticket-admin unlink: %s", got)
	}
	logs := r.srv.logs.String()
	if n := strings.Count(logs, "workspaces linked"); n != 2 {
		t.Errorf("the log has %d link lines, want 2:\n%s", n, logs)
	}
	if n := strings.Count(logs, "workspaces unlinked"); n != 2 {
		t.Errorf("the log has %d unlink lines, want 2", n)
	}
	if strings.Contains(logs, code) || strings.Contains(logs, fresh) {
		t.Error("a link code is in the log")
	}
	if got := r.command(r.slackAdmin, r.triage, "setup"); !strings.Contains(got, "linked helpdesk: none") ||
		!strings.Contains(got, "last change: unlinked") || !strings.Contains(got, "by Dora") {
		t.Fatalf("after unlink, the settings view shows no history: %s", got)
	}
}

// A server without a staff channel has no Discord staff thread: an internal note written in
// the Slack thread reaches no Discord call at all, while a public reply does reach the
// requester's private thread.
func TestServeSlackNotesStayInSlack(t *testing.T) {
	r := startLinkRigWith(t, sqliteEnv(t), false)
	r.link()
	private, _ := r.openDiscordTicket("Webhook stopped posting")
	card := r.waitSlack("the Slack card", slacktest.InChannel(r.triage), slacktest.Param("thread_ts", ""), slacktest.Containing("Webhook stopped"))
	waitOutboxEmpty(t, r)
	r.slackEvent(r.triage, r.slackStaff, "🔒 the webhook secret is hunter2", card.TS)
	r.slackEvent(r.triage, r.slackStaff, "Did you rotate the webhook?", card.TS)
	r.waitDiscord("the public reply in the private thread", private, "Did you rotate the webhook?")
	waitOutboxEmpty(t, r)
	for _, c := range r.dapi.Calls() {
		if strings.Contains(string(c.Body), "hunter2") {
			t.Errorf("the internal note reached Discord: %s %s %s", c.Method, c.Path, c.Body)
		}
	}
	if !r.slack.WaitUntil(15*time.Second, func() bool { return len(r.slack.Find("reactions.add", slacktest.Param("name", "lock"))) > 0 }) {
		t.Errorf("the note was not marked internal in Slack:\n%s\n%s", r.slack.Dump(), r.srv.logs.String())
	}
}
