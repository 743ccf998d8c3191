package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/adapters/slack/slacktest"
	"github.com/ticketbot/ticketbot/core/coretest"
)

// secret is the Slack signing secret of the servers these tests start.
const secret = "faults-signing-secret"

// serveBehindRedisProxy starts serve on env with Redis (TICKETBOT_TEST_REDIS_URL) behind a
// TCP proxy and Slack at a fake, and returns the server, the proxy and the fake.
func serveBehindRedisProxy(t *testing.T, env map[string]string) (server, *coretest.TCPProxy, *slacktest.Server) {
	t.Helper()
	redisURL, err := url.Parse(coretest.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy := coretest.NewTCPProxy(t, redisURL.Host)
	redisURL.Host = proxy.Addr()
	slack := slacktest.Start(t, slacktest.Options{BotToken: "xoxb-faults", ImplicitUsers: true})
	env["TICKETBOT_REDIS_URL"] = redisURL.String()
	env["SLACK_BOT_TOKEN"] = slack.BotToken()
	env["SLACK_SIGNING_SECRET"] = secret
	env["SLACK_API_URL"] = slack.APIURL()
	return startServe(t, env), proxy, slack
}

// Through a Redis that accepts connections but never answers (a partition, an overloaded
// Redis), every signed /ticket is acknowledged within Slack's 3 s and opens its ticket — told
// in the acknowledgement, or, when the intake has a backlog, acknowledged as queued and told
// through its response URL: the state store's calls have a small budget and a breaker stops
// paying it while Redis is away.
// TICKETBOT_TEST_BLACKHOLE sets how long the black hole lasts (default 4s; the figures in
// issue 10 are for 20s); TICKETBOT_TEST_BLACKHOLE_MYSQL=true runs it on MySQL.
func TestSlashCommandsThroughARedisBlackHole(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a black hole for seconds")
	}
	hole := 4 * time.Second
	if v := os.Getenv("TICKETBOT_TEST_BLACKHOLE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("TICKETBOT_TEST_BLACKHOLE: %v", err)
		}
		hole = d
	}
	env := sqliteEnv(t)
	if os.Getenv("TICKETBOT_TEST_BLACKHOLE_MYSQL") == "true" {
		env["TICKETBOT_DATABASE_URL"] = coretest.MySQLURL(t)
	}
	srv, proxy, slack := serveBehindRedisProxy(t, env)

	run := fmt.Sprintf("%d", time.Now().UnixNano())
	var respond sync.Map // command i → its response URL
	send := func(i int) (time.Duration, int, string) {
		u := slack.ResponseURL("C1", "")
		respond.Store(i, u)
		cmd := slacktest.Command{
			User: fmt.Sprintf("U%s%d", run, i), // one user per command: the open limit stays out of it
			Text: fmt.Sprintf("printer %d on fire", i), TriggerID: run + "." + fmt.Sprint(i), ResponseURL: u}
		start := time.Now()
		r, err := signed(srv.base, secret).Command(context.Background(), cmd)
		if err != nil {
			return time.Since(start), 0, err.Error()
		}
		return time.Since(start), r.Status, r.Text("text")
	}
	if _, code, text := send(0); code != http.StatusOK || !strings.Contains(text, "opened") {
		t.Fatalf("before the black hole: %d %q\n%s", code, text, srv.logs.String())
	}

	proxy.Blackhole()
	end := time.Now().Add(hole)
	type result struct {
		i    int
		took time.Duration
		code int
		text string
	}
	var (
		mu      sync.Mutex
		results []result
		wg      sync.WaitGroup
		next    = 1
	)
	for range 3 { // three senders, each at most ten commands a second
		wg.Go(func() {
			pace := time.NewTicker(100 * time.Millisecond)
			defer pace.Stop()
			for ; time.Now().Before(end); <-pace.C {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				took, code, text := send(i)
				mu.Lock()
				results = append(results, result{i, took, code, text})
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	proxy.Restore()

	failed := 0
	var took []time.Duration
	var queued []int
	for _, r := range results {
		took = append(took, r.took)
		if r.code == http.StatusOK && r.took < 3*time.Second && strings.Contains(r.text, "queued") {
			queued = append(queued, r.i) // acknowledged honestly; its answer follows
			continue
		}
		if r.code != http.StatusOK || r.took >= 3*time.Second || !strings.Contains(r.text, "opened") {
			failed++
			if failed <= 5 {
				t.Errorf("command %d: %d after %v: %q", r.i, r.code, r.took.Round(time.Millisecond), r.text)
			}
		}
	}
	if len(results) == 0 {
		t.Fatal("no command was sent during the black hole")
	}
	slices.Sort(took)
	t.Logf("black hole %v: %d commands, %d queued, %d not acknowledged within 3 s with their ticket or as queued; ack median %v, slowest %v",
		hole, len(results), len(queued), failed, took[len(took)/2].Round(time.Millisecond), took[len(took)-1].Round(time.Millisecond))
	if failed > 0 {
		t.Fatalf("%d of %d commands failed", failed, len(results))
	}
	// A command acknowledged as queued (the intake had a backlog) is answered through its
	// response URL with its ticket.
	coretest.Eventually(t, 30*time.Second, fmt.Sprintf("the %d queued commands answered with their ticket", len(queued)), func() bool {
		for _, i := range queued {
			u, _ := respond.Load(i)
			if !slices.ContainsFunc(slack.Responses(u.(string)), slacktest.Containing("opened")) {
				return false
			}
		}
		return true
	})
	// A black hole costs a command at most the state store's small budget, not seconds.
	if median := took[len(took)/2]; median > 500*time.Millisecond {
		t.Fatalf("median ack %v through the black hole; the state store's budget is not holding", median)
	}
}

// A replayed slash command (same trigger_id) while Redis refuses connections opens no second
// ticket: the database keeps the trigger id under a unique key and the replay is told which
// ticket it already opened.
func TestReplayedSlashCommandWhileRedisRefusesOpensOneTicket(t *testing.T) {
	srv, proxy, slack := serveBehindRedisProxy(t, sqliteEnv(t))
	client, ctx := signed(srv.base, secret), context.Background()

	proxy.Cut()
	trigger := fmt.Sprintf("replay.%d", time.Now().UnixNano())
	cmd := slacktest.Command{Text: "printer on fire", TriggerID: trigger, ResponseURL: slack.ResponseURL("C1", "")}
	for i, want := range []string{"Ticket #1 opened", "already opened as #1"} {
		r, err := client.Command(ctx, cmd)
		if err != nil || r.Status != http.StatusOK || !strings.Contains(r.Text("text"), want) {
			t.Fatalf("delivery %d: %d %q %v; want %q\n%s", i+1, r.Status, r.Text("text"), err, want, srv.logs.String())
		}
		// The replay comes once the first is done with (marked just after its answer): one
		// sent in between is told, rightly, that it is queued (once in CI).
		waitIntakeDone(t, srv.base)
	}
	r, err := client.Command(ctx, slacktest.Command{Text: "second problem", TriggerID: trigger + "b", ResponseURL: slack.ResponseURL("C1", "")})
	if err != nil || r.Status != http.StatusOK || !strings.Contains(r.Text("text"), "Ticket #2 opened") {
		t.Fatalf("a new command after the replay: %d %q %v; want ticket #2 (no gap)", r.Status, r.Text("text"), err)
	}
}
