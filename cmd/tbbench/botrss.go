package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ticketbot/ticketbot/adapters/slack/slacktest"
)

// The bot's own memory (issue 14: rss_peak_mb ≤ 60 MB). The slack suite's peak is this
// process's, which holds vegeta and the fake Slack too; here the real binary, built from
// ./cmd/ticketbot, runs as a process of its own against the fake (SLACK_API_URL), and its
// VmHWM is read from /proc while signed /ticket commands arrive at slackFixedRate a second
// for slackFixedDuration. The baseline is the same process idle, just after it became ready.

// runBotRSS measures the ticketbot server's resident set: idle, then at 500 /ticket a second.
func runBotRSS(ctx context.Context, e *env) error {
	dbURL, err := e.freshDatabase(ctx)
	if err != nil {
		return err
	}
	bin := filepath.Join(os.TempDir(), fmt.Sprintf("tbbench-ticketbot-%d", os.Getpid()))
	// Built as `make build` builds the release binary: no cgo (no libc mapped), the
	// time-zone database inside, so the resident set measured is the one users run.
	build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-tags", "timetzdata", "-o", bin, "./cmd/ticketbot")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Dir = filepath.Join("..", "..") // tbbench runs from cmd/tbbench (make bench does)
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("rss: build ./cmd/ticketbot: %w", err)
	}
	defer os.Remove(bin)
	team := "TB" + strings.ToUpper(slackRandomHex(4))
	fake := slacktest.New(slacktest.Options{Team: team, BotToken: "xoxb-bench", ImplicitUsers: true, MaxCalls: 4096})
	defer fake.Close()
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "TICKETBOT_ADDR="+addr, "TICKETBOT_DATABASE_URL="+dbURL,
		"TICKETBOT_REDIS_URL="+e.redisURL, "SLACK_BOT_TOKEN=xoxb-bench", "SLACK_SIGNING_SECRET="+slackSecret,
		"SLACK_API_URL="+fake.APIURL(), "TICKETBOT_LOG_LEVEL=warn")
	logFile, err := os.CreateTemp("", "tbbench-ticketbot-*.log") // its log would drown the figures
	if err != nil {
		return err
	}
	defer logFile.Close()
	fmt.Fprintf(os.Stderr, "tbbench: rss: ticketbot logs to %s\n", logFile.Name())
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("rss: start ticketbot: %w", err)
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}()
	base := "http://" + addr
	if err := waitReady(ctx, base+"/readyz", time.Minute); err != nil {
		return err
	}
	idle := procStatusMB(cmd.Process.Pid, "VmRSS:")
	_ = os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", cmd.Process.Pid), []byte("5"), 0)
	ok := func(r *vegeta.Result) bool { return r.Code == http.StatusOK }
	run := slackAttack(ctx, slackTargeter(base+"/slack/commands", team, fake.URL()), ok, slackFixedRate, slackFixedDuration)
	peak := procStatusMB(cmd.Process.Pid, "VmHWM:")
	fmt.Fprintf(os.Stderr, "tbbench: ticketbot process at %d/s: %d sent, %.2f%% answered 200, p99 %.2f ms%s\n",
		slackFixedRate, run.sent, 100*run.success(), ms(run.p99), run.failure())
	report("rss_peak_mb", peak, "MB")
	report("rss_idle_mb", idle, "MB")
	return nil
}

// freeAddr returns a loopback host:port nobody listens on now.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// waitReady polls url until it answers 200 or limit passes.
func waitReady(ctx context.Context, url string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for ctx.Err() == nil && time.Now().Before(deadline) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.Join(ctx.Err(), fmt.Errorf("rss: %s not ready within %v", url, limit))
}
