package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/adapters/discord/discordtest"
	"github.com/ticketbot/ticketbot/adapters/slack/slacktest"
	"github.com/ticketbot/ticketbot/core/coretest"
)

// The conversation loop through the binary, on the embedded defaults: a requester opens a
// ticket in Slack, staff reply in the triage thread, the reply reaches the requester's DM
// thread, the requester answers there and it reaches the triage thread, and an internal note
// never reaches any requester-facing place.
func TestServeRelaysASlackConversation(t *testing.T) {
	const (
		team, secret = "TCONV", "conv-signing-secret"
		triage       = "GTRIAGE"
		admin, staff = "UADMIN", "USTAFF"
		requester    = "UREQ"
	)
	api := slacktest.Start(t, slacktest.Options{Team: team, BotToken: "xoxb-conv"})
	for _, u := range []slacktest.User{{ID: admin, Name: "ada", Admin: true}, {ID: staff, Name: "sam"}, {ID: requester, Name: "rita"}} {
		api.AddUser(u)
	}
	api.AddChannel(slacktest.Channel{ID: triage, Name: "triage", Private: true, Members: []string{admin, staff, slacktest.BotUserID}})
	env := sqliteEnv(t)
	env["SLACK_BOT_TOKEN"] = "xoxb-conv"
	env["SLACK_SIGNING_SECRET"] = secret
	env["SLACK_API_URL"] = api.APIURL()
	srv := startServe(t, env)
	ctx := context.Background()
	client := slacktest.Client{BaseURL: srv.base, Signer: slacktest.Signer{Secret: secret}}
	command := func(user, channel, text string) slacktest.Response {
		t.Helper()
		r, err := client.Command(ctx, slacktest.Command{Team: team, User: user, Channel: channel, Text: text,
			ResponseURL: api.ResponseURL(channel, "")})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	event := func(channel, channelType, user, text, thread string) string {
		t.Helper()
		ts := api.Post(channel, thread, user, text)
		if _, err := client.Event(ctx, slacktest.EventCallback(team, slacktest.NewEventID(),
			slacktest.MessageEvent(channel, channelType, user, text, ts, thread)), 0); err != nil {
			t.Fatal(err)
		}
		return ts
	}
	wait := func(what string, preds ...slacktest.Pred) slacktest.Call {
		t.Helper()
		var got []slacktest.Call
		if !api.WaitUntil(15*time.Second, func() bool { got = api.Find("chat.postMessage", preds...); return len(got) > 0 }) {
			t.Fatalf("%s never happened; calls:\n%s\nlogs:\n%s", what, api.Dump(), srv.logs.String())
		}
		return got[0]
	}

	if r := command(admin, triage, "setup <#"+triage+"|triage>"); !strings.Contains(r.Text("text"), "Done") {
		t.Fatalf("setup: %s", r.Body)
	}
	if r := command(requester, "CGENERAL", "My laptop won't boot"); !strings.Contains(r.Text("text"), "Ticket #1 opened") {
		t.Fatalf("open: %s", r.Body)
	}
	card := wait("the triage card", slacktest.InChannel(triage), slacktest.Param("thread_ts", ""), slacktest.Containing("won't boot"))
	dm := "D" + requester
	rcard := wait("the requester card", slacktest.InChannel(dm), slacktest.Param("thread_ts", ""), slacktest.Containing("won't boot"))
	// The staff answer once the cards' places are recorded, as a person does: a reply in a
	// card's thread that comes before its place is recorded (microseconds here, milliseconds
	// under load) finds no ticket and is not stored — a gap known and not yet closed.
	waitOutboxDone(t, srv.base)

	event(triage, "group", staff, "Is it plugged in?", card.TS)
	wait("the staff reply in the DM thread", slacktest.InChannel(dm), slacktest.Param("thread_ts", rcard.TS), slacktest.Containing("Is it plugged in?"))
	event(dm, "im", requester, "Yes, and the light is on", rcard.TS)
	wait("the requester's answer in the triage thread", slacktest.InChannel(triage), slacktest.Param("thread_ts", card.TS), slacktest.Containing("the light is on"))
	event(triage, "group", staff, "note: probably the disk, order one", card.TS)
	event(triage, "group", staff, "We'll swap the disk tomorrow", card.TS)
	wait("the second reply in the DM thread", slacktest.InChannel(dm), slacktest.Containing("swap the disk"))

	api.AssertNoLeaks(t, []string{dm, "CGENERAL"}, "probably the disk")
	api.AssertNoMentions(t)
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
}

// The same loop in Discord through the binary: HTTP interactions and the gateway. The
// requester's private thread and the staff thread on the notice trade public messages; what
// is written in the staff thread stays there.
func TestServeRelaysADiscordConversation(t *testing.T) {
	const token = "discord-conv-token"
	api := discordtest.StartAPI(t, token)
	guild, support, staffCh, staffRole := discordtest.ID(), discordtest.ID(), discordtest.ID(), discordtest.ID()
	gw := discordtest.StartGateway(t, guild)
	api.SetGatewayURL(gw.URL())
	api.AddGuild(discordtest.Guild{ID: guild, Name: "Community"})
	api.AddChannel(discordtest.Channel{ID: support, GuildID: guild, Name: "support"})
	api.AddChannel(discordtest.Channel{ID: staffCh, GuildID: guild, Name: "staff",
		Overwrites: []discordtest.Overwrite{{ID: guild, Type: 0, Deny: 1 << 10}}})
	admin := discordtest.User{ID: discordtest.ID(), Name: "Ada", Permissions: discordtest.PermMember | discordtest.PermManageGuild}
	staff := discordtest.User{ID: discordtest.ID(), Name: "Sam", Roles: []string{staffRole}}
	requester := discordtest.User{ID: discordtest.ID(), Name: "Rita"}
	signer := discordtest.NewSigner()
	env := sqliteEnv(t)
	env["DISCORD_BOT_TOKEN"] = token
	env["DISCORD_APP_ID"] = discordtest.AppID
	env["DISCORD_PUBLIC_KEY"] = signer.PublicKey
	env["DISCORD_API_URL"] = api.URL()
	env["DISCORD_GATEWAY"] = "true"
	srv := startServe(t, env)
	gw.WaitConnected(t, 15*time.Second)
	interact := func(it discordtest.Interaction) string {
		t.Helper()
		resp, err := http.DefaultClient.Do(signer.Request(srv.base+"/discord/interactions", it.JSON(), time.Now()))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if r := interact(discordtest.Command(guild, support, admin, "ticket-admin", "setup",
		discordtest.Opt{Name: "channel", Type: 7, Value: support}, discordtest.Opt{Name: "staff_role", Type: 8, Value: staffRole},
		discordtest.Opt{Name: "staff_channel", Type: 7, Value: staffCh})); !strings.Contains(r, "Done") {
		t.Fatalf("setup: %s", r)
	}
	if r := interact(discordtest.Command(guild, support, requester, "ticket", "open",
		discordtest.Opt{Name: "title", Type: 3, Value: "Cannot join voice"})); !strings.Contains(r, "Ticket #1 opened") {
		t.Fatalf("open: %s", r)
	}
	var private, notes string
	if !api.WaitUntil(15*time.Second, func() bool {
		for _, th := range api.Threads() {
			switch {
			case th.Type == 12 && th.ParentID == support:
				private = th.ID
			case th.ParentID == staffCh:
				notes = th.ID
			}
		}
		return private != "" && notes != ""
	}) {
		t.Fatalf("threads never made:\n%s\n%s", api.Dump(), srv.logs.String())
	}
	say := func(channel string, u discordtest.User, text string) {
		t.Helper()
		if _, err := gw.Dispatch("MESSAGE_CREATE", discordtest.MessageEvent(discordtest.ID(), guild, channel, u, text, false)); err != nil {
			t.Fatal(err)
		}
	}
	in := func(channel, text string) bool {
		for _, m := range api.MessagesIn(channel) {
			if strings.Contains(m.Content, text) {
				return true
			}
		}
		return false
	}
	say(private, requester, "the mic button is greyed out")
	say(notes, staff, "known bug in the mobile app")
	say(private, staff, "Which app version do you use?")
	if !api.WaitUntil(15*time.Second, func() bool {
		return in(notes, "the mic button is greyed out") && in(notes, "Which app version")
	}) {
		t.Fatalf("the private thread's messages never reached the staff thread:\n%s\n%s", api.Dump(), srv.logs.String())
	}
	api.AssertNoLeaks(t, []string{private, support}, "known bug in the mobile app")
	api.AssertNoMentions(t, requester.ID) // the card greets its reporter, and pings nobody else
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
}

// waitOutboxDone waits until the binary at base has delivered every outbox event.
func waitOutboxDone(t *testing.T, base string) {
	t.Helper()
	coretest.Eventually(t, 10*time.Second, "every outbox event delivered", func() bool {
		return strings.Contains(get(t, base+"/metrics", http.StatusOK), "\nticketbot_outbox_pending 0\n")
	})
}
