package main

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/adapters/slack/slacktest"
)

// outboxSecret is the Slack signing secret of the binaries the outbox and intake tests run.
const outboxSecret = "outbox-secret"

// outboxSlack is the fake Slack of those tests: every user id is a known member.
func outboxSlack(t *testing.T) *slacktest.Server {
	return slacktest.Start(t, slacktest.Options{BotToken: "xoxb-outbox", ImplicitUsers: true})
}

// outboxEnv is the environment of a binary on db with Slack at slack.
func outboxEnv(db string, slack *slacktest.Server) map[string]string {
	return map[string]string{
		"TICKETBOT_DATABASE_URL": db,
		"SLACK_BOT_TOKEN":        slack.BotToken(),
		"SLACK_SIGNING_SECRET":   outboxSecret,
		"SLACK_API_URL":          slack.APIURL(),
	}
}

// openTicket sends a signed /ticket to p and checks it was opened.
func openTicket(t *testing.T, p *process, slack *slacktest.Server) {
	t.Helper()
	r, err := signed(p.base, outboxSecret).Command(context.Background(), slacktest.Command{
		Text: "printer on fire", ResponseURL: slack.ResponseURL("C1", "")})
	if err != nil || r.Status != http.StatusOK || !strings.Contains(r.Text("text"), "opened") {
		t.Fatalf("/ticket = %d %s %v\n%s", r.Status, r.Body, err, p.logs.String())
	}
}

// posted counts the posts Slack took (the held ones a client gave up on are not among them).
func posted(slack *slacktest.Server) int { return len(slack.Find("chat.postMessage")) }

// endHang ends the hang once no call is held any more (the fake saw the stopped process's
// connections close), so that release cannot serve a post of the process that is gone.
func endHang(t *testing.T, slack *slacktest.Server, release func()) {
	t.Helper()
	waitSlack(t, slack, 10*time.Second, "the stopped process's held calls end", func() bool { return len(slack.Held("")) == 0 })
	release()
}

// startDeliveringIntoAHang builds the binary, starts it (with key=value added to its
// environment) against a Slack whose posts hang, opens a ticket and waits until the card's
// delivery is held. It returns the binary, the fake Slack, the hang's release, the
// environment and the process.
func startDeliveringIntoAHang(t *testing.T, key, value string) (string, *slacktest.Server, func(), map[string]string, *process) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	bin := buildBinary(t)
	slack := outboxSlack(t) // closed after the processes are gone (cleanups run last first)
	env := outboxEnv("sqlite://"+filepath.Join(dir, "tb.db"), slack)
	env[key] = value
	release := slack.Hang("chat.postMessage")
	a := startBinary(t, bin, env)
	openTicket(t, a, slack)
	slack.WaitHeld(t, 10*time.Second, "chat.postMessage", slacktest.InChannel("C1"))
	return bin, slack, release, env, a
}

// After kill -9 of a process that was delivering an event, another process delivers it
// within the outbox lease (TICKETBOT_OUTBOX_LEASE), not minutes later.
func TestKilledProcessEventsAreDeliveredWithinTheLease(t *testing.T) {
	const lease = 5 * time.Second
	bin, slack, release, env, a := startDeliveringIntoAHang(t, "TICKETBOT_OUTBOX_LEASE", lease.String())
	_ = a.cmd.Process.Signal(syscall.SIGKILL)
	<-a.done
	endHang(t, slack, release)
	if n := posted(slack); n != 0 {
		t.Fatalf("%d posts taken before the next process started", n)
	}

	start := time.Now()
	b := startBinary(t, bin, env)
	took := waitSlack(t, slack, 3*time.Minute, "the second process delivers the event", func() bool { return posted(slack) > 0 })
	t.Logf("kill -9 while delivering: the next process delivered the event %v after it started (lease %v)",
		time.Since(start).Round(100*time.Millisecond), lease)
	if took > lease+5*time.Second {
		t.Fatalf("the event waited %v after kill -9; want at most the %v lease (and a poll)\n%s", took, lease, b.logs.String())
	}
}

// SIGTERM while Slack hangs: the process exits within TICKETBOT_SHUTDOWN_TIMEOUT (and a small
// margin), cutting the delivery and releasing its event, which the next process delivers at
// once (no backoff, no lease to wait out).
func TestSIGTERMWhileSlackHangsExitsInTimeAndReleasesTheEvent(t *testing.T) {
	const shutdown = 3 * time.Second
	bin, slack, release, env, a := startDeliveringIntoAHang(t, "TICKETBOT_SHUTDOWN_TIMEOUT", shutdown.String())
	start := time.Now()
	_ = a.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-a.done:
	case <-time.After(time.Minute):
		t.Fatalf("no exit within a minute of SIGTERM\n%s", a.logs.String())
	}
	took := time.Since(start)
	t.Logf("SIGTERM while Slack hangs: exited after %v (shutdown timeout %v)", took.Round(100*time.Millisecond), shutdown)
	if a.err != nil {
		t.Errorf("exit: %v\n%s", a.err, a.logs.String())
	}
	if took > shutdown+2*time.Second {
		t.Fatalf("exited %v after SIGTERM; TICKETBOT_SHUTDOWN_TIMEOUT is %v\n%s", took, shutdown, a.logs.String())
	}

	endHang(t, slack, release)
	b := startBinary(t, bin, env)
	waitSlack(t, slack, 5*time.Second, "the next process delivers the released event", func() bool { return posted(slack) > 0 })
	_ = b.cmd.Process.Signal(syscall.SIGTERM)
	<-b.done
}
