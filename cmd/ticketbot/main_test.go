package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/config"
	"github.com/ticketbot/ticketbot/core/coretest"
)

// run executes the CLI in-process with env and stdin, returning stdout, stderr and the error.
func run(t *testing.T, env map[string]string, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var environ []string
	for k, v := range env {
		environ = append(environ, k+"="+v)
	}
	var out, errb bytes.Buffer
	cmd := newRootCmd(context.Background(), streams{in: strings.NewReader(stdin), out: &out, err: &errb}, environ)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), errb.String(), err
}

func sqliteEnv(t *testing.T) map[string]string {
	return map[string]string{"TICKETBOT_DATABASE_URL": "sqlite://" + filepath.Join(t.TempDir(), "tb.db")}
}

func TestCLI(t *testing.T) {
	env := sqliteEnv(t)
	t.Run("version prints the version", func(t *testing.T) {
		out, _, err := run(t, env, "", "version")
		if err != nil || !strings.HasPrefix(out, "ticketbot ") {
			t.Fatalf("%q %v", out, err)
		}
	})
	t.Run("migrate applies the schema", func(t *testing.T) {
		if _, _, err := run(t, env, "", "migrate"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("user add reads the password from stdin", func(t *testing.T) {
		out, _, err := run(t, env, "correct horse battery staple\n", "user", "add", "alice", "--role", "admin", "--password-stdin")
		if err != nil || !strings.Contains(out, "alice") {
			t.Fatalf("%q %v", out, err)
		}
		if _, _, err := run(t, env, "another password\n", "user", "add", "alice", "--role", "staff", "--password-stdin"); err == nil {
			t.Fatal("a second alice was accepted")
		}
	})
	t.Run("user add refuses a role it does not know", func(t *testing.T) {
		if _, _, err := run(t, env, "pw-long-enough\n", "user", "add", "bob", "--role", "root", "--password-stdin"); err == nil {
			t.Fatal("accepted")
		}
	})
	t.Run("user add insists on --password-stdin", func(t *testing.T) {
		if _, _, err := run(t, env, "pw-long-enough\n", "user", "add", "bob", "--role", "staff"); err == nil {
			t.Fatal("accepted")
		}
	})
	t.Run("token create prints the token last and revoke revokes it", func(t *testing.T) {
		out, _, err := run(t, env, "", "token", "create", "--name", "ci")
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if tok := lines[len(lines)-1]; !strings.HasPrefix(tok, "tbk_") || len(tok) < 40 {
			t.Fatalf("last line %q is not a token", tok)
		}
		if _, _, err := run(t, env, "", "token", "revoke", "ci"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := run(t, env, "", "token", "revoke", "ci"); err == nil {
			t.Fatal("revoking twice succeeded")
		}
	})
	t.Run("a bad variable stops with one line naming it", func(t *testing.T) {
		_, _, err := run(t, map[string]string{"TICKETBOT_DATABASE_URL": "postgres://x"}, "", "migrate")
		if err == nil || !strings.Contains(err.Error(), "TICKETBOT_DATABASE_URL") || strings.Contains(err.Error(), "\n") {
			t.Fatalf("%v", err)
		}
	})
}

func TestServeAnswersHealthReadyMetricsAndStopsCleanly(t *testing.T) {
	srv := startServe(t, sqliteEnv(t))
	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready", "/metrics": "ticketbot_outbox_pending"} {
		body := get(t, srv.base+path, http.StatusOK)
		if !strings.Contains(body, want) {
			t.Errorf("%s: %q lacks %q", path, body, want)
		}
	}
	m := get(t, srv.base+"/metrics", http.StatusOK)
	for _, want := range []string{`ticketbot_http_requests_total{code="200",route="GET /healthz"}`, `ticketbot_db_connections_max{pool="main"} 1`, `ticketbot_db_connection_waits_total{pool="batch"} 0`} {
		if !strings.Contains(m, want) {
			t.Errorf("metric %s missing:\n%s", want, m)
		}
	}
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"slack adapter off", "discord adapter off", "in-process state", "stopped"} {
		if !strings.Contains(srv.logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, srv.logs.String())
		}
	}
}

func TestReadyzReportsAnUnreachableRedis(t *testing.T) {
	dead, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := dead.Addr().String()
	dead.Close()
	env := sqliteEnv(t)
	env["TICKETBOT_REDIS_URL"] = "redis://" + addr + "/0"
	srv := startServe(t, env)
	get(t, srv.base+"/readyz", http.StatusServiceUnavailable)
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
}

// The real binary, with no configuration at all, starts on the embedded defaults and exits 0
// on SIGTERM.
func TestBinaryStartsOnDefaultsAndExitsZeroOnSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := buildBinary(t)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin)
	cmd.Dir = dir
	cmd.Env = []string{"TICKETBOT_ADDR=" + addr, "HOME=" + dir}
	var logs coretest.LogBuffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	get(t, "http://"+addr+"/healthz", http.StatusOK)
	// /healthz answers while the database is still being opened; the file exists once started.
	waitStarted(t, "http://"+addr)
	if _, err := os.Stat(filepath.Join(dir, "ticketbot.db")); err != nil {
		t.Errorf("default database not created: %v", err)
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit: %v\n%s", err, logs.String())
	}
	if !strings.Contains(logs.String(), "stopped") {
		t.Errorf("no clean stop in the log:\n%s", logs.String())
	}
}

// get polls url until it answers (the server may still be starting) and checks the status.
func get(t *testing.T, url string, want int) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != want {
				t.Fatalf("GET %s = %d, want %d: %s", url, resp.StatusCode, want, body)
			}
			return string(body)
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: %v", url, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// server is `ticketbot serve` running in-process on a free port.
type server struct {
	base string
	logs *coretest.LogBuffer
	stop func() error // cancels serve as SIGTERM would and returns its result
}

// startServe loads env as the configuration and runs serve until the test stops it (or ends);
// it returns once start-up is done (/readyz no longer answers with a start-up phase).
func startServe(t *testing.T, env map[string]string) server {
	t.Helper()
	s := startServeWith(t, env, startHooks{})
	waitStarted(t, s.base)
	return s
}

// startServeWith is startServe with hooks, returning as soon as /healthz answers.
func startServeWith(t *testing.T, env map[string]string, hooks startHooks) server {
	t.Helper()
	s := runServe(t, env, hooks)
	get(t, s.base+"/healthz", http.StatusOK)
	return s
}

// launchServe starts serve as startServe does, without waiting for it to answer.
func launchServe(t *testing.T, env map[string]string) server {
	t.Helper()
	return runServe(t, env, startHooks{})
}

// runServe starts serve with hooks in the background and returns at once.
func runServe(t *testing.T, env map[string]string, hooks startHooks) server {
	t.Helper()
	cfg, err := config.Load(env)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	logs := &coretest.LogBuffer{}
	done := make(chan error, 1)
	lvl, _ := cfg.SlogLevel()
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: lvl}))
	go func() { done <- serveWith(ctx, cfg, log, ln, hooks) }()
	var once sync.Once
	var result error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case result = <-done:
			case <-time.After(15 * time.Second):
				result = errors.New("serve did not stop within 15 s")
			}
		})
		return result
	}
	t.Cleanup(func() { _ = stop() })
	return server{base: "http://" + ln.Addr().String(), logs: logs, stop: stop}
}

// waitStarted polls /readyz until it no longer answers with a start-up phase.
func waitStarted(t *testing.T, base string) {
	t.Helper()
	// Generous: migrating a fresh MariaDB database takes seconds on a loaded machine.
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if phase := strings.TrimSpace(string(body)); phase != "migrating" && phase != "starting" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve still %s after 60 s", body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
