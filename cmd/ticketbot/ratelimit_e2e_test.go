package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/adapters/slack/slacktest"
)

// Through the binary: while Slack answers chat.postMessage with 429 for a few seconds, one
// call tells ticketbot to wait and the others are held (not sent) until Retry-After has
// passed; then every card is delivered soon after, none twice.
func TestServeHoldsChatCallsDuringARateLimit(t *testing.T) {
	const (
		team, secret = "TRATE", "rate-signing-secret"
		triage       = "GRATE"
		admin        = "UADMIN"
		tickets      = 12
		outage       = 3 * time.Second
	)
	api := slacktest.Start(t, slacktest.Options{Team: team, BotToken: "xoxb-rate", ImplicitUsers: true})
	api.AddUser(slacktest.User{ID: admin, Name: "ada", Admin: true})
	api.AddChannel(slacktest.Channel{ID: triage, Name: "triage", Private: true, Members: []string{admin, slacktest.BotUserID}})
	env := sqliteEnv(t)
	env["SLACK_BOT_TOKEN"] = "xoxb-rate"
	env["SLACK_SIGNING_SECRET"] = secret
	env["SLACK_API_URL"] = api.APIURL()
	srv := startServe(t, env)
	ctx := context.Background()
	client := slacktest.Client{BaseURL: srv.base, Signer: slacktest.Signer{Secret: secret}}
	command := func(user, text string) {
		t.Helper()
		r, err := client.Command(ctx, slacktest.Command{Team: team, User: user, Channel: triage, Text: text, ResponseURL: api.ResponseURL(triage, "")})
		if err != nil || r.Status != 200 {
			t.Fatalf("%s: %v %s", text, err, r.Body)
		}
	}
	command(admin, "setup <#"+triage+"|triage>")
	if !api.WaitUntil(10*time.Second, func() bool { return len(api.Find("chat.postMessage", slacktest.InChannel(triage))) > 0 }) {
		t.Fatalf("no welcome:\n%s", api.Dump())
	}
	start := time.Now()
	api.RateLimit("chat.postMessage", outage, outage)
	for i := range tickets {
		command(fmt.Sprintf("UREQ%d", i), fmt.Sprintf("Problem number %d", i))
	}
	cards := func() int {
		return len(api.Find("chat.postMessage", slacktest.InChannel(triage), slacktest.Param("thread_ts", ""), slacktest.Containing("Problem number")))
	}
	if !api.WaitUntil(45*time.Second, func() bool { return cards() == tickets }) {
		t.Fatalf("%d of %d cards delivered:\n%s", cards(), tickets, srv.logs.String())
	}
	done := time.Since(start)
	limited := 0
	for _, c := range api.Attempts("chat.postMessage") {
		if c.Status == 429 {
			limited++
		}
	}
	t.Logf("429s answered: %d; all %d cards delivered %.1f s after the rate limit began (%.1f s after it ended)",
		limited, tickets, done.Seconds(), (done - outage).Seconds())
	if limited > 3 {
		t.Errorf("%d calls were answered 429: ticketbot kept calling during Slack's Retry-After", limited)
	}
	if cards() != tickets || strings.Count(srv.logs.String(), "pacing channel") > tickets*4 {
		t.Errorf("cards %d; pacing lines %d", cards(), strings.Count(srv.logs.String(), "pacing channel"))
	}
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
}
