package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/adapters/slack/slacktest"
	"github.com/ticketbot/ticketbot/core/coretest"
)

// buildBinary returns the ticketbot binary the package's tests run, built on first use (one
// go build of most of a minute on a loaded machine, instead of one per test); TestMain
// removes it.
func buildBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "ticketbot-test-bin-"); built.err != nil {
			return
		}
		built.bin = filepath.Join(built.dir, "ticketbot")
		build := exec.Command("go", "build", "-o", built.bin, ".")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("build: %w\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.bin
}

// built is the binary of buildBinary.
var built struct {
	once     sync.Once
	dir, bin string
	err      error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		_ = os.RemoveAll(built.dir)
	}
	os.Exit(code)
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

// signed is a client that sends Slack's signed requests (slash commands) to base.
func signed(base, secret string) slacktest.Client {
	return slacktest.Client{BaseURL: base, Signer: slacktest.Signer{Secret: secret}}
}

// waitSlack waits until cond, checked on every call the fake Slack sees, holds or limit
// passes, and returns how long it took.
func waitSlack(t *testing.T, slack *slacktest.Server, limit time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	if !slack.WaitUntil(limit, cond) {
		t.Fatalf("%s: not within %v; Slack's calls:\n%s", what, limit, slack.Dump())
	}
	return time.Since(start)
}
