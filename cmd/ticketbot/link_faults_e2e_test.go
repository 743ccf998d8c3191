package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/adapters/discord/discordtest"
	"github.com/ticketbot/ticketbot/adapters/slack/slacktest"
	"github.com/ticketbot/ticketbot/core/coretest"
)

// One platform down while the other works: with Slack failing every chat call, a Discord
// ticket still gets its Discord threads and its messages still reach the Discord staff
// thread, and the Slack copies arrive once Slack is back; with Discord failing every post and
// edit, the Slack card still follows a status change made in Slack, and Discord catches up
// once it is back. Unlinking while Slack copies are pending delivers none of them to Slack.
func TestServeLinkedPlatformOutages(t *testing.T) {
	t.Run("sqlite and memory", func(t *testing.T) { linkedPlatformOutages(t, sqliteEnv(t)) })
	t.Run("mariadb and redis", func(t *testing.T) {
		linkedPlatformOutages(t, map[string]string{"TICKETBOT_DATABASE_URL": coretest.MySQLURL(t), "TICKETBOT_REDIS_URL": coretest.RedisURL(t)})
	})
}

func linkedPlatformOutages(t *testing.T, env map[string]string) {
	r := startLinkRig(t, env)
	r.link()

	// Slack is down.
	posted := len(r.slack.Find("chat.postMessage"))
	r.slack.FailStatus("chat.*", http.StatusServiceUnavailable, 0)
	private, notes := r.openDiscordTicket("Roles vanish after restart")
	r.say(private, r.dRequester, "it happened twice today")
	r.waitDiscord("the requester's message in the Discord staff thread while Slack is down", notes, "it happened twice today")
	if got := r.slack.Find("chat.postMessage", func(c slacktest.Call) bool { return c.OK() }); len(got) != posted {
		t.Fatalf("Slack took posts while down: %v", got)
	}
	r.slack.ClearFaults()
	card := r.waitSlack("the Slack card once Slack is back", slacktest.InChannel(r.triage), slacktest.Param("thread_ts", ""),
		slacktest.Containing("Roles vanish"))
	r.waitSlack("the requester's message in Slack once Slack is back", slacktest.InChannel(r.triage),
		slacktest.Param("thread_ts", card.TS), slacktest.Containing("it happened twice today"))
	waitOutboxEmpty(t, r)

	// Discord is down.
	up1 := r.dapi.Inject(discordtest.Fault{Method: http.MethodPost, Path: "channels/*/messages", Status: http.StatusServiceUnavailable})
	up2 := r.dapi.Inject(discordtest.Fault{Method: http.MethodPatch, Path: "channels/*/messages/*", Status: http.StatusServiceUnavailable})
	r.slackEvent(r.triage, r.slackStaff, "Which bot version do you run?", card.TS)
	if got := r.command(r.slackStaff, r.triage, "status d1 in_progress"); !strings.Contains(got, "d1 is now in progress") {
		t.Fatalf("status while Discord is down: %s", got)
	}
	if !r.slack.WaitUntil(15*time.Second, func() bool {
		m, ok := r.slack.Message(r.triage, card.TS)
		return ok && strings.Contains(strings.Join(messageStrings(m), " "), "in progress")
	}) {
		t.Fatalf("the Slack card did not follow while Discord is down:\n%s\n%s", r.slack.Dump(), r.srv.logs.String())
	}
	if r.inDiscord(private, "Which bot version") {
		t.Fatal("Discord took a post while down")
	}
	up1()
	up2()
	r.waitDiscord("the Slack reply in Discord once Discord is back", private, "Which bot version")

	// Unlinking while Slack copies wait: none of them reaches Slack.
	r.slack.FailStatus("chat.*", http.StatusServiceUnavailable, 0)
	r.say(private, r.dRequester, "secret-after-unlink")
	r.waitDiscord("the message in the Discord staff thread", notes, "secret-after-unlink")
	if got := r.interact(discordtest.Command(r.guild, r.support, r.dAdmin, "ticket-admin", "unlink")); !strings.Contains(got, "no longer linked") {
		t.Fatalf("unlink: %s", got)
	}
	r.slack.ClearFaults()
	waitOutboxEmpty(t, r)
	if got := r.slack.Find("chat.postMessage", slacktest.Containing("secret-after-unlink"), func(c slacktest.Call) bool { return c.OK() }); len(got) != 0 {
		t.Fatalf("a copy reached Slack after the unlink: %v\n%s", got, r.srv.logs.String())
	}
	// Slack staff lost the ticket with the link.
	if got := r.command(r.slackStaff, r.triage, "status d1 waiting"); strings.Contains(got, "is now") {
		t.Fatalf("Slack staff changed a ticket of an unlinked server: %s", got)
	}
	before := len(r.dapi.Calls())
	r.slackEvent(r.triage, r.slackStaff, "anyone there?", card.TS)
	waitOutboxEmpty(t, r)
	for _, c := range r.dapi.Calls()[before:] {
		if strings.Contains(string(c.Body), "anyone there?") {
			t.Fatalf("a message written in Slack after the unlink reached Discord: %s %s", c.Method, c.Path)
		}
	}
}

// waitOutboxEmpty waits until /metrics says no event is pending.
func waitOutboxEmpty(t *testing.T, r *linkRig) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(r.srv.base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(b), "\nticketbot_outbox_pending 0\n") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the outbox never emptied:\n%s", r.srv.logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
