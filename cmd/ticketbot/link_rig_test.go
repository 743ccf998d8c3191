package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/adapters/discord/discordtest"
	"github.com/ticketbot/ticketbot/adapters/slack/slacktest"
)

// offsetClock is the wall clock moved forward by Advance (link codes expiring).
type offsetClock struct{ d atomic.Int64 }

func (c *offsetClock) Now() time.Time           { return time.Now().Add(time.Duration(c.d.Load())) }
func (c *offsetClock) Advance(by time.Duration) { c.d.Add(int64(by)) }

// linkRig is one ticketbot binary serving a Slack workspace (fake) and a Discord server
// (fake) at once, both set up: Slack's private triage channel, Discord's support and staff
// channels and staff role.
type linkRig struct {
	t      *testing.T
	slack  *slacktest.Server
	dapi   *discordtest.API
	gw     *discordtest.Gateway
	srv    server
	clock  *offsetClock
	client slacktest.Client
	signer discordtest.Signer

	team, triage                       string
	slackAdmin, slackStaff, slackOther string
	guild, support, staffCh, staffRole string
	dAdmin, dStaff, dRequester         discordtest.User
	noStaff                            bool // the server has no staff channel
}

const (
	linkTeam   = "TLINK"
	linkSecret = "link-signing-secret"
)

// startLinkRig starts the binary on env (a database; Slack and Discord are added) and sets
// both helpdesks up.
func startLinkRig(t *testing.T, env map[string]string) *linkRig {
	t.Helper()
	return startLinkRigWith(t, env, true)
}

// startLinkRigWith is startLinkRig; without staffChannel the Discord server has no staff
// channel (so no staff thread), only its support channel.
func startLinkRigWith(t *testing.T, env map[string]string, staffChannel bool) *linkRig {
	t.Helper()
	r := &linkRig{noStaff: !staffChannel, t: t, team: linkTeam, triage: "GTRIAGE", slackAdmin: "UADMIN", slackStaff: "USTAFF", slackOther: "UOUTSIDER",
		clock: &offsetClock{}}
	r.slack = slacktest.Start(t, slacktest.Options{Team: linkTeam, BotToken: "xoxb-link"})
	for _, u := range []slacktest.User{{ID: r.slackAdmin, Name: "ada", Admin: true}, {ID: r.slackStaff, Name: "sam"}, {ID: r.slackOther, Name: "olga"}} {
		r.slack.AddUser(u)
	}
	r.slack.AddChannel(slacktest.Channel{ID: r.triage, Name: "triage", Private: true, Members: []string{r.slackAdmin, r.slackStaff, slacktest.BotUserID}})

	const token = "discord-link-token"
	r.dapi = discordtest.StartAPI(t, token)
	r.guild, r.support, r.staffCh, r.staffRole = discordtest.ID(), discordtest.ID(), discordtest.ID(), discordtest.ID()
	r.gw = discordtest.StartGateway(t, r.guild)
	r.dapi.SetGatewayURL(r.gw.URL())
	r.dapi.AddGuild(discordtest.Guild{ID: r.guild, Name: "Gopher Community"})
	r.dapi.AddChannel(discordtest.Channel{ID: r.support, GuildID: r.guild, Name: "support"})
	r.dapi.AddChannel(discordtest.Channel{ID: r.staffCh, GuildID: r.guild, Name: "staff",
		Overwrites: []discordtest.Overwrite{{ID: r.guild, Type: 0, Deny: 1 << 10}}})
	r.dAdmin = discordtest.User{ID: discordtest.ID(), Name: "Dora", Permissions: discordtest.PermMember | discordtest.PermManageGuild}
	r.dStaff = discordtest.User{ID: discordtest.ID(), Name: "Dan", Roles: []string{r.staffRole}}
	r.dRequester = discordtest.User{ID: discordtest.ID(), Name: "Rita"}
	r.signer = discordtest.NewSigner()

	env["SLACK_BOT_TOKEN"] = "xoxb-link"
	env["SLACK_SIGNING_SECRET"] = linkSecret
	env["SLACK_API_URL"] = r.slack.APIURL()
	env["DISCORD_BOT_TOKEN"] = token
	env["DISCORD_APP_ID"] = discordtest.AppID
	env["DISCORD_PUBLIC_KEY"] = r.signer.PublicKey
	env["DISCORD_API_URL"] = r.dapi.URL()
	env["DISCORD_GATEWAY"] = "true"
	r.srv = startServeWith(t, env, startHooks{clock: r.clock})
	waitStarted(t, r.srv.base)
	r.gw.WaitConnected(t, 15*time.Second)
	r.client = slacktest.Client{BaseURL: r.srv.base, Signer: slacktest.Signer{Secret: linkSecret}}

	if got := r.command(r.slackAdmin, r.triage, "setup <#"+r.triage+"|triage>"); !strings.Contains(got, "Done") {
		t.Fatalf("Slack setup: %s", got)
	}
	opts := []discordtest.Opt{{Name: "channel", Type: 7, Value: r.support}, {Name: "staff_role", Type: 8, Value: r.staffRole}}
	if staffChannel {
		opts = append(opts, discordtest.Opt{Name: "staff_channel", Type: 7, Value: r.staffCh})
	}
	if got := r.interact(discordtest.Command(r.guild, r.support, r.dAdmin, "ticket-admin", "setup", opts...)); !strings.Contains(got, "Done") {
		t.Fatalf("Discord setup: %s", got)
	}
	return r
}

// command runs /ticket TEXT in Slack and returns the answer's text.
func (r *linkRig) command(user, channel, text string) string {
	r.t.Helper()
	resp, err := r.client.Command(context.Background(), slacktest.Command{Team: r.team, User: user, Channel: channel, Text: text,
		ResponseURL: r.slack.ResponseURL(channel, "")})
	if err != nil {
		r.t.Fatal(err)
	}
	return resp.Text("text")
}

// interact posts a signed Discord interaction and returns the answer's body.
func (r *linkRig) interact(it discordtest.Interaction) string {
	r.t.Helper()
	resp, err := http.DefaultClient.Do(r.signer.Request(r.srv.base+"/discord/interactions", it.JSON(), time.Now()))
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

var linkCodeRE = regexp.MustCompile(`Link code: ([A-Z0-9-]+)`)

// linkCode runs /ticket-admin link as the Discord admin and returns the code; the answer
// must be ephemeral.
func (r *linkRig) linkCode() string {
	r.t.Helper()
	body := r.interact(discordtest.Command(r.guild, r.support, r.dAdmin, "ticket-admin", "link"))
	var resp struct {
		Data struct {
			Content string `json:"content"`
			Flags   int    `json:"flags"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(body), &resp); err != nil {
		r.t.Fatalf("link answer %q: %v", body, err)
	}
	m := linkCodeRE.FindStringSubmatch(resp.Data.Content)
	if m == nil || resp.Data.Flags&64 == 0 {
		r.t.Fatalf("/ticket-admin link answered %s; want an ephemeral code", body)
	}
	return m[1]
}

// link links the Discord server to the Slack triage channel.
func (r *linkRig) link() {
	r.t.Helper()
	if got := r.command(r.slackAdmin, r.triage, "setup link "+r.linkCode()); !strings.Contains(got, "is linked") {
		r.t.Fatalf("setup link: %s\nlogs:\n%s", got, r.srv.logs.String())
	}
}

// slackEvent posts a message into Slack (the fake) and delivers its event to ticketbot.
func (r *linkRig) slackEvent(channel, user, text, thread string) string {
	r.t.Helper()
	ts := r.slack.Post(channel, thread, user, text)
	if _, err := r.client.Event(context.Background(), slacktest.EventCallback(r.team, slacktest.NewEventID(),
		slacktest.MessageEvent(channel, "group", user, text, ts, thread)), 0); err != nil {
		r.t.Fatal(err)
	}
	return ts
}

// say has u write text in a Discord channel or thread (through the gateway).
func (r *linkRig) say(channel string, u discordtest.User, text string) {
	r.t.Helper()
	if _, err := r.gw.Dispatch("MESSAGE_CREATE", discordtest.MessageEvent(discordtest.ID(), r.guild, channel, u, text, false)); err != nil {
		r.t.Fatal(err)
	}
}

// openDiscordTicket opens a ticket as the Discord requester and returns its private thread
// and its staff notes thread.
func (r *linkRig) openDiscordTicket(title string) (private, notes string) {
	r.t.Helper()
	before := map[string]bool{}
	for _, th := range r.dapi.Threads() {
		before[th.ID] = true
	}
	if got := r.interact(discordtest.Command(r.guild, r.support, r.dRequester, "ticket", "open",
		discordtest.Opt{Name: "title", Type: 3, Value: title})); !strings.Contains(got, "opened") {
		r.t.Fatalf("open: %s", got)
	}
	if !r.dapi.WaitUntil(15*time.Second, func() bool {
		for _, th := range r.dapi.Threads() {
			switch {
			case before[th.ID]:
			case th.Type == 12 && th.ParentID == r.support:
				private = th.ID
			case th.ParentID == r.staffCh:
				notes = th.ID
			}
		}
		return private != "" && (notes != "" || r.noStaff)
	}) {
		r.t.Fatalf("the Discord threads were never made:\n%s\n%s", r.dapi.Dump(), r.srv.logs.String())
	}
	return private, notes
}

// inDiscord reports whether a message in channel contains text.
func (r *linkRig) inDiscord(channel, text string) bool {
	for _, m := range r.dapi.MessagesIn(channel) {
		if strings.Contains(m.Content, text) || strings.Contains(string(m.Embeds), text) {
			return true
		}
	}
	return false
}

// waitDiscord waits until a message in channel contains text.
func (r *linkRig) waitDiscord(what, channel, text string) {
	r.t.Helper()
	if !r.dapi.WaitUntil(15*time.Second, func() bool { return r.inDiscord(channel, text) }) {
		r.t.Fatalf("%s never happened:\n%s\nlogs:\n%s", what, r.dapi.Dump(), r.srv.logs.String())
	}
}

// waitSlack waits for a chat.postMessage matching preds and returns it.
func (r *linkRig) waitSlack(what string, preds ...slacktest.Pred) slacktest.Call {
	r.t.Helper()
	var got []slacktest.Call
	if !r.slack.WaitUntil(15*time.Second, func() bool {
		got = r.slack.Find("chat.postMessage", append(preds, func(c slacktest.Call) bool { return c.OK() })...)
		return len(got) > 0
	}) {
		r.t.Fatalf("%s never happened; calls:\n%s\nlogs:\n%s", what, r.slack.Dump(), r.srv.logs.String())
	}
	return got[0]
}

// assertNoCrossMentions checks every recorded call of both fakes: Slack calls carry no live
// mention (<!channel>, <!here>, @everyone, groups) and no user mention of the ids in
// fromDiscord; Discord calls ping nobody (allowed_mentions) and carry no live
// @everyone/@here and none of the user or role mentions in fromSlack.
func (r *linkRig) assertNoCrossMentions(fromDiscord, fromSlack []string, allowDiscordUsers ...string) {
	r.t.Helper()
	r.slack.AssertNoMentions(r.t)
	for _, c := range r.slack.Calls() {
		for _, s := range c.Visible() {
			for _, m := range fromDiscord {
				if strings.Contains(s, m) {
					r.t.Errorf("Slack %s carried %q from Discord: %q", c.Method, m, s)
				}
			}
		}
	}
	r.dapi.AssertNoMentions(r.t, allowDiscordUsers...)
	live := regexp.MustCompile(`@(everyone|here)`)
	for _, c := range r.dapi.Calls() {
		if c.Method != http.MethodPost && c.Method != http.MethodPatch {
			continue
		}
		var body struct {
			Content string `json:"content"`
		}
		_ = json.Unmarshal(c.Body, &body)
		if live.MatchString(body.Content) {
			r.t.Errorf("Discord %s %s carried a live mention: %q", c.Method, c.Path, body.Content)
		}
		for _, m := range fromSlack {
			if strings.Contains(body.Content, m) {
				r.t.Errorf("Discord %s %s carried %q from Slack: %q", c.Method, c.Path, m, body.Content)
			}
		}
	}
}
