package main

import (
	"context"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/adapters/slack/slacktest"
	"github.com/ticketbot/ticketbot/core/coretest"
)

// A process killed (kill -9) after it stored a /ticket but before the ticket was opened
// leaves the command in the intake: the next process takes it up once the lease
// (TICKETBOT_INTAKE_LEASE) ends, opens the ticket once and answers through the command's
// response_url once; the same command sent again opens nothing more.
func TestKilledProcessFinishesAStoredCommandOnceAfterRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	for _, b := range intakeBackends() {
		t.Run(b.name, func(t *testing.T) {
			const lease = 3 * time.Second
			slack := outboxSlack(t)
			env := b.env(t, slack, lease)
			a := startBinary(t, bin, env)
			ctx := context.Background()

			// Ids of this run only: Redis is shared between test runs, and a trigger or a
			// role it remembers from an earlier one would skip the work this test kills.
			run := strconv.FormatInt(time.Now().UnixNano(), 36)
			respond := slack.ResponseURL("C1", "")
			cmd := slacktest.Command{User: "U1" + run, Text: "printer on fire", TriggerID: "trig-k9-" + run, ResponseURL: respond}
			b, start := killWhileHeld(t, bin, env, a, slack, cmd.User, func(base string) string {
				r, _ := signed(base, outboxSecret).Command(ctx, cmd)
				return r.Text("text")
			})
			waitSlack(t, slack, 30*time.Second, "the next process answers the stored command", func() bool {
				return len(slack.Responses(respond)) > 0
			})
			t.Logf("kill -9 after the intake: the next process answered %v after it started (lease %v)", time.Since(start).Round(100*time.Millisecond), lease)
			opened := slacktest.Containing("Ticket #1 opened: printer on fire")
			if got := slack.Responses(respond); len(got) != 1 || !opened(got[0]) {
				t.Fatalf("answers through response_url: %+v; want one saying ticket #1 was opened\n%s", got, b.logs.String())
			}
			// Sent again once the stored command is marked done (just after its answer), the
			// command opens nothing; a new one is ticket #2, so the stored command opened
			// exactly one.
			waitIntakeDone(t, b.base)
			again, err := signed(b.base, outboxSecret).Command(ctx, cmd)
			if text := again.Text("text"); err != nil || text != "" && !strings.Contains(text, "already opened as #1") {
				t.Errorf("the command sent again = %q %v; want it ignored or told it was opened as #1", again.Body, err)
			}
			next, err := signed(b.base, outboxSecret).Command(ctx, slacktest.Command{User: cmd.User, Text: "scanner jammed",
				TriggerID: "trig-next-" + run, ResponseURL: slack.ResponseURL("C1", "")})
			if err != nil || !strings.Contains(next.Text("text"), "Ticket #2 opened") {
				t.Errorf("the next command = %s %v; want ticket #2", next.Body, err)
			}
			if got := slack.Responses(respond); len(got) != 1 {
				t.Errorf("the stored command was answered %d times", len(got))
			}
		})
	}
}

// killWhileHeld sends a request of user's to a (send, in the background) while Slack holds
// users.info, and kills a (SIGKILL) once user's look-up is held: the request is stored, its
// ticket not yet opened. It checks that the killed process answered no ticket, ends the hang
// and starts the next process on env, returning it and when it was started.
func killWhileHeld(t *testing.T, bin string, env map[string]string, a *process, slack *slacktest.Server, user string, send func(base string) string) (*process, time.Time) {
	t.Helper()
	release := slack.Hang("users.info")
	acked := make(chan string, 1)
	go func() { acked <- send(a.base) }()
	slack.WaitHeld(t, 10*time.Second, "users.info", slacktest.Param("user", user))
	_ = a.cmd.Process.Signal(syscall.SIGKILL)
	<-a.done
	if text := <-acked; strings.Contains(text, "opened") {
		t.Fatalf("the killed process answered %q", text)
	}
	endHang(t, slack, release)
	start := time.Now()
	return startBinary(t, bin, env), start
}

// intakeBackend is the environment of a binary whose intake lease is lease, on one of the
// stores, with Slack at slack.
type intakeBackend struct {
	name string
	env  func(t *testing.T, slack *slacktest.Server, lease time.Duration) map[string]string
}

func intakeBackends() []intakeBackend {
	with := func(extra func(t *testing.T) map[string]string) func(*testing.T, *slacktest.Server, time.Duration) map[string]string {
		return func(t *testing.T, slack *slacktest.Server, lease time.Duration) map[string]string {
			x := extra(t)
			env := outboxEnv(x["TICKETBOT_DATABASE_URL"], slack)
			for k, v := range x {
				env[k] = v
			}
			env["TICKETBOT_INTAKE_LEASE"] = lease.String()
			return env
		}
	}
	return []intakeBackend{
		{"sqlite", with(func(t *testing.T) map[string]string {
			return map[string]string{"TICKETBOT_DATABASE_URL": "sqlite://" + filepath.Join(t.TempDir(), "tb.db")}
		})},
		{"mariadb+redis", with(func(t *testing.T) map[string]string {
			return map[string]string{"TICKETBOT_DATABASE_URL": coretest.MySQLURL(t), "TICKETBOT_REDIS_URL": coretest.RedisURL(t)}
		})},
	}
}

// waitIntakeDone waits until the binary at base has no stored request left to do (its
// answer is sent just before the request is marked done).
func waitIntakeDone(t *testing.T, base string) {
	t.Helper()
	coretest.Eventually(t, 10*time.Second, "the stored request marked done", func() bool {
		return strings.Contains(get(t, base+"/metrics", http.StatusOK), "\nticketbot_intake_pending 0\n")
	})
}
