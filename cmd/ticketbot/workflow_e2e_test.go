package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/adapters/slack/slacktest"
	"github.com/ticketbot/ticketbot/core/coretest"
)

// The workflow timers and the rating through the binary with the fake Slack: the clock is the
// fake one (serveWith's clock hook, used by the store, the service and the scheduler), moved
// forward instead of waited for. A ticket staff set to waiting gets one reminder in the
// requester's DM thread after 72 hours and is closed with "no reply" after 7 days; the close
// asks for a rating once; the requester's 4 (with a comment) is stored and shown on the
// staff card.
func TestServeRemindsClosesAndAsksForARating(t *testing.T) {
	const (
		team, secret = "TFLOW", "flow-signing-secret"
		triage       = "GTRIAGE"
		admin, staff = "UADMIN", "USTAFF"
		requester    = "UREQ"
	)
	api := slacktest.Start(t, slacktest.Options{Team: team, BotToken: "xoxb-flow"})
	for _, u := range []slacktest.User{{ID: admin, Name: "ada", Admin: true}, {ID: staff, Name: "sam"}, {ID: requester, Name: "rita"}} {
		api.AddUser(u)
	}
	api.AddChannel(slacktest.Channel{ID: triage, Name: "triage", Private: true, Members: []string{admin, staff, slacktest.BotUserID}})
	env := sqliteEnv(t)
	env["SLACK_BOT_TOKEN"] = "xoxb-flow"
	env["SLACK_SIGNING_SECRET"] = secret
	env["SLACK_API_URL"] = api.APIURL()
	clock := coretest.NewFakeClock(time.Now().UTC())
	srv := startServeWith(t, env, startHooks{clock: clock, timerInterval: 50 * time.Millisecond})
	waitStarted(t, srv.base)
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
	dm := "D" + requester
	waitPost := func(what string, preds ...slacktest.Pred) []slacktest.Call {
		t.Helper()
		var got []slacktest.Call
		// Time passes while waiting (a second per poll), so paced and retried deliveries, which
		// the dispatcher schedules on the same fake clock, fall due.
		if !api.WaitUntil(15*time.Second, func() bool {
			clock.Advance(time.Second)
			got = api.Find("chat.postMessage", preds...)
			return len(got) > 0
		}) {
			t.Fatalf("%s never happened; calls:\n%s\nlogs:\n%s", what, api.Dump(), srv.logs.String())
		}
		return got
	}

	if r := command(admin, triage, "setup <#"+triage+"|triage>"); !strings.Contains(r.Text("text"), "Done") {
		t.Fatalf("setup: %s", r.Body)
	}
	if r := command(requester, "CGENERAL", "The printer is jammed"); !strings.Contains(r.Text("text"), "Ticket #1 opened") {
		t.Fatalf("open: %s", r.Body)
	}
	waitPost("the requester card", slacktest.InChannel(dm), slacktest.Param("thread_ts", ""), slacktest.Containing("printer"))
	if r := command(staff, triage, "status 1 waiting"); len(r.Body) == 0 {
		t.Fatal("status: no answer")
	}
	waitPost("the status line", slacktest.InChannel(dm), slacktest.Containing("marked this waiting"))

	clock.Advance(71 * time.Hour)
	if got := api.Find("chat.postMessage", slacktest.InChannel(dm), slacktest.Containing("Reminder:")); len(got) != 0 {
		t.Fatal("reminded before 72 hours")
	}
	clock.Advance(time.Hour)
	waitPost("the reminder", slacktest.InChannel(dm), slacktest.Containing("Reminder: ticket #1"))
	clock.Advance(4 * 24 * time.Hour)
	waitPost("the close with a rating request", slacktest.InChannel(dm), slacktest.Containing("How did we do?"), slacktest.Containing("no reply"))
	if n := len(api.Find("chat.postMessage", slacktest.InChannel(dm), slacktest.Containing("Reminder:"))); n != 1 {
		t.Errorf("%d reminders, want 1", n)
	}

	// The rating: the card's 4 opens the comment form; submitting it stores the rating.
	press, err := client.Interact(ctx, slacktest.BlockActions(team, slacktest.User{ID: requester, Name: "rita"}, dm, "1.1", "",
		slacktest.Button("tb:rate:1:4", "1")))
	if err != nil || press.Status != 200 {
		t.Fatalf("press: %v %+v", err, press)
	}
	api.Wait(t, "views.open", slacktest.Containing("Rate your ticket"))
	sub, err := client.Interact(ctx, slacktest.ViewSubmission(team, slacktest.User{ID: requester, Name: "rita"}, "tb_rate", "1:4",
		map[string]map[string]any{"comment": {"comment": slacktest.PlainInput("Quick, thanks")}}))
	if err != nil || !strings.Contains(string(sub.Body), "Thanks for your rating") {
		t.Fatalf("submit: %v %s", err, sub.Body)
	}
	if !api.WaitUntil(15*time.Second, func() bool {
		clock.Advance(time.Second)
		return len(api.Find("chat.update", slacktest.InChannel(triage), slacktest.Containing("4/5"))) > 0
	}) {
		t.Fatalf("the staff card never showed the rating; calls:\n%s", api.Dump())
	}
	if n := len(api.Find("chat.postMessage", slacktest.InChannel(dm), slacktest.Containing("How did we do?"))); n != 1 {
		t.Errorf("asked for a rating %d times, want once", n)
	}
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
}
