package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core/coretest"
)

// lookupHangingSlack is fakeSlack whose users.info, while hang is set, never answers, and
// which keeps the answers posted to response URLs (paths under /respond/).
type lookupHangingSlack struct {
	fakeSlack
	hang    atomic.Bool
	hung    atomic.Int64
	release chan struct{}
	mu      sync.Mutex
	answers map[string][]string // response URL path → bodies
}

func (f *lookupHangingSlack) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/respond/") {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.answers[r.URL.Path] = append(f.answers[r.URL.Path], string(b))
		f.mu.Unlock()
	}
	if strings.HasSuffix(r.URL.Path, "/users.info") && f.hang.Load() {
		f.hung.Add(1)
		select {
		case <-r.Context().Done():
		case <-f.release:
		}
		return
	}
	f.fakeSlack.ServeHTTP(w, r)
}

func (f *lookupHangingSlack) answered(path string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.answers[path]...)
}

// A process killed (kill -9) after it stored a /ticket but before the ticket was opened
// leaves the command in the intake: the next process takes it up once the lease
// (TICKETBOT_INTAKE_LEASE) ends, opens the ticket once and answers through the command's
// response_url once; the same command sent again opens nothing more.
func TestKilledProcessFinishesAStoredCommandOnceAfterRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	bin := buildBinary(t, dir)
	for _, b := range []struct {
		name string
		env  func(t *testing.T) map[string]string
	}{
		{"sqlite", func(t *testing.T) map[string]string {
			return map[string]string{"TICKETBOT_DATABASE_URL": "sqlite://" + filepath.Join(t.TempDir(), "tb.db")}
		}},
		{"mariadb+redis", func(t *testing.T) map[string]string {
			return map[string]string{"TICKETBOT_DATABASE_URL": coretest.MySQLURL(t), "TICKETBOT_REDIS_URL": coretest.RedisURL(t)}
		}},
	} {
		t.Run(b.name, func(t *testing.T) {
			const lease = 3 * time.Second
			slack := &lookupHangingSlack{release: make(chan struct{}), answers: map[string][]string{}}
			api := httptest.NewServer(slack)
			t.Cleanup(func() {
				close(slack.release)
				api.CloseClientConnections()
				api.Close()
			})
			extra := b.env(t)
			env := outboxEnv(extra["TICKETBOT_DATABASE_URL"], api.URL)
			for k, v := range extra {
				env[k] = v
			}
			env["TICKETBOT_INTAKE_LEASE"] = lease.String()
			a := startBinary(t, bin, env)

			// The command is stored, then its work waits for users.info: kill -9 then.
			slack.hang.Store(true)
			// Ids of this run only: Redis is shared between test runs, and a trigger or a
			// role it remembers from an earlier one would skip the work this test kills.
			run := strconv.FormatInt(time.Now().UnixNano(), 36)
			cmd := slashCommand("U1"+run, "printer on fire", "trig-k9-"+run, api.URL+"/respond/k9")
			acked := make(chan string, 1)
			go func() { _, body := postSigned(t, a.base, "/slack/commands", "outbox-secret", cmd); acked <- body }()
			waitFor(t, 10*time.Second, "the command's work starts", func() bool { return slack.hung.Load() > 0 })
			_ = a.cmd.Process.Signal(syscall.SIGKILL)
			<-a.done
			if body := <-acked; strings.Contains(body, "opened") {
				t.Fatalf("the killed process answered %s", body)
			}
			slack.hang.Store(false)

			start := time.Now()
			b := startBinary(t, bin, env)
			waitFor(t, 30*time.Second, "the next process answers the stored command", func() bool {
				return len(slack.answered("/respond/k9")) > 0
			})
			t.Logf("kill -9 after the intake: the next process answered %v after it started (lease %v)", time.Since(start).Round(100*time.Millisecond), lease)
			got := slack.answered("/respond/k9")
			if len(got) != 1 || !strings.Contains(got[0], "Ticket #1 opened: printer on fire") {
				t.Fatalf("answers through response_url: %q; want one saying ticket #1 was opened\n%s", got, b.logs.String())
			}
			// Sent again, the command opens nothing; a new one is ticket #2, so the stored
			// command opened exactly one.
			_, again := postSigned(t, b.base, "/slack/commands", "outbox-secret", cmd)
			if text := ackText(again); text != "" && !strings.Contains(text, "already opened as #1") {
				t.Errorf("the command sent again = %q; want it ignored or told it was opened as #1", again)
			}
			_, next := postSigned(t, b.base, "/slack/commands", "outbox-secret", slashCommand("U1"+run, "scanner jammed", "trig-next-"+run, api.URL+"/respond/next"))
			if !strings.Contains(ackText(next), "Ticket #2 opened") {
				t.Errorf("the next command = %s; want ticket #2", next)
			}
			if got := slack.answered("/respond/k9"); len(got) != 1 {
				t.Errorf("the stored command was answered %d times", len(got))
			}
		})
	}
}
