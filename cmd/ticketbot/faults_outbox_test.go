package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core/coretest"
)

// hangingSlack is fakeSlack whose chat.postMessage, while hang is set, never answers (it
// waits until the client goes away); posted counts the posts it answered.
type hangingSlack struct {
	fakeSlack
	hang    atomic.Bool
	hung    atomic.Int64
	posted  atomic.Int64
	release chan struct{}
}

func newHangingSlack() *hangingSlack { return &hangingSlack{release: make(chan struct{})} }

func (f *hangingSlack) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasSuffix(r.URL.Path, "/chat.postMessage") {
		if f.hang.Load() {
			f.hung.Add(1)
			select {
			case <-r.Context().Done():
			case <-f.release:
			}
			return
		}
		defer f.posted.Add(1)
	}
	f.fakeSlack.ServeHTTP(w, r)
}

// buildBinary builds ticketbot into dir and returns its path.
func buildBinary(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "ticketbot")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// process is one running ticketbot binary.
type process struct {
	cmd  *exec.Cmd
	base string
	logs *coretest.LogBuffer
	done chan struct{} // closed when the process has exited; err is then its result
	err  error
}

// startBinary runs bin with env on a free port and waits until it answers /healthz.
func startBinary(t *testing.T, bin string, env map[string]string) *process {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "serve")
	cmd.Dir = filepath.Dir(bin)
	cmd.Env = []string{"TICKETBOT_ADDR=" + addr, "HOME=" + filepath.Dir(bin)}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &process{cmd: cmd, base: "http://" + addr, logs: &coretest.LogBuffer{}, done: make(chan struct{})}
	cmd.Stderr = p.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
	})
	get(t, p.base+"/healthz", http.StatusOK)
	waitStarted(t, p.base)
	return p
}

// waitFor polls cond every 20ms until it holds or limit passes, and returns how long it took.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > limit {
			t.Fatalf("%s: not within %v", what, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

// outboxEnv is the environment of a binary on db with Slack at api.
func outboxEnv(db, api string) map[string]string {
	return map[string]string{
		"TICKETBOT_DATABASE_URL": db,
		"SLACK_BOT_TOKEN":        "xoxb-outbox",
		"SLACK_SIGNING_SECRET":   "outbox-secret",
		"SLACK_API_URL":          api + "/api/",
	}
}

// openTicket sends a signed /ticket to p and checks it was opened.
func openTicket(t *testing.T, p *process, api string) {
	t.Helper()
	code, body := postSigned(t, p.base, "/slack/commands", "outbox-secret", slashCommand("U1", "printer on fire", "", api+"/respond"))
	if code != http.StatusOK || !strings.Contains(ackText(body), "opened") {
		t.Fatalf("/ticket = %d %s\n%s", code, body, p.logs.String())
	}
}

// startDeliveringIntoAHang builds the binary, starts it (with key=value added to its
// environment) against a Slack whose posts hang, opens a ticket and waits until the card's
// delivery hangs. It returns the binary, the fake Slack, the environment and the process.
func startDeliveringIntoAHang(t *testing.T, key, value string) (string, *hangingSlack, map[string]string, *process) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	bin := buildBinary(t, dir)
	slack := newHangingSlack()
	api := httptest.NewServer(slack)
	t.Cleanup(func() { // after the processes are gone
		close(slack.release)
		api.CloseClientConnections()
		api.Close()
	})
	env := outboxEnv("sqlite://"+filepath.Join(dir, "tb.db"), api.URL)
	env[key] = value
	slack.hang.Store(true)
	a := startBinary(t, bin, env)
	openTicket(t, a, api.URL)
	waitFor(t, 10*time.Second, "the process starts delivering", func() bool { return slack.hung.Load() > 0 })
	return bin, slack, env, a
}

// After kill -9 of a process that was delivering an event, another process delivers it
// within the outbox lease (TICKETBOT_OUTBOX_LEASE), not minutes later.
func TestKilledProcessEventsAreDeliveredWithinTheLease(t *testing.T) {
	const lease = 5 * time.Second
	bin, slack, env, a := startDeliveringIntoAHang(t, "TICKETBOT_OUTBOX_LEASE", lease.String())
	_ = a.cmd.Process.Signal(syscall.SIGKILL)
	<-a.done
	slack.hang.Store(false)

	start := time.Now()
	b := startBinary(t, bin, env)
	took := waitFor(t, 3*time.Minute, "the second process delivers the event", func() bool { return slack.posted.Load() > 0 })
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
	bin, slack, env, a := startDeliveringIntoAHang(t, "TICKETBOT_SHUTDOWN_TIMEOUT", shutdown.String())
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

	slack.hang.Store(false)
	b := startBinary(t, bin, env)
	waitFor(t, 5*time.Second, "the next process delivers the released event", func() bool { return slack.posted.Load() > 0 })
	_ = b.cmd.Process.Signal(syscall.SIGTERM)
	<-b.done
}
