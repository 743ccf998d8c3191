package main

import (
	"bufio"
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/ticketbot/ticketbot/config"
	"github.com/ticketbot/ticketbot/core/coretest"
)

// serveFails runs serve with env and returns the error it stops with (it must stop by itself
// within limit) and its log.
func serveFails(t *testing.T, env map[string]string, limit time.Duration) (error, string) {
	t.Helper()
	cfg, err := config.Load(env)
	if err != nil {
		return err, ""
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	logs := &coretest.LogBuffer{}
	done := make(chan error, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { done <- serve(ctx, cfg, slog.New(slog.NewTextHandler(logs, nil)), ln) }()
	select {
	case err := <-done:
		return err, logs.String()
	case <-time.After(limit):
		cancel()
		<-done
		t.Fatalf("serve did not stop within %s; log:\n%s", limit, logs.String())
	}
	return nil, ""
}

// wantOneLine fails unless err is one line naming name.
func wantOneLine(t *testing.T, err error, name string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), name) || strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), "%!") {
		t.Fatalf("error %v should be one clean line naming %s", err, name)
	}
}

func TestStartupRefusesABadLogLevel(t *testing.T) {
	env := sqliteEnv(t)
	env["TICKETBOT_LOG_LEVEL"] = "chatty"
	_, _, err := run(t, env, "", "migrate")
	wantOneLine(t, err, "TICKETBOT_LOG_LEVEL")
	env["TICKETBOT_LOG_LEVEL"] = "warn"
	if _, _, err := run(t, env, "", "migrate"); err != nil {
		t.Fatalf("a good level: %v", err)
	}
}

// fakeServer accepts connections and answers every line with reply, like a service that is
// not Redis.
func fakeServer(t *testing.T, reply string) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					if _, err := r.ReadString('\n'); err != nil {
						return
					}
					if _, err := c.Write([]byte(reply)); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

func TestStartupStopsOnAPermanentRedisError(t *testing.T) {
	redisURL := coretest.RedisURL(t)
	u, _ := url.Parse(redisURL)
	locked := miniredis.RunT(t)
	locked.RequireAuth("the-password")
	for name, bad := range map[string]string{
		"a wrong password":           "redis://:not-the-password@" + locked.Addr() + "/0",
		"no password":                "redis://" + locked.Addr() + "/0",
		"a database index too big":   "redis://" + u.Host + "/999999",
		"a server that is not Redis": "redis://" + fakeServer(t, "HTTP/1.1 400 Bad Request\r\n\r\n") + "/0",
	} {
		t.Run(name, func(t *testing.T) {
			env := sqliteEnv(t)
			env["TICKETBOT_REDIS_URL"] = bad
			err, logs := serveFails(t, env, 20*time.Second)
			wantOneLine(t, err, "TICKETBOT_REDIS_URL")
			if strings.Contains(logs, "failing open") {
				t.Errorf("started failing open:\n%s", logs)
			}
			if strings.Contains(err.Error(), "not-the-password") {
				t.Errorf("the password leaked: %v", err)
			}
		})
	}
}

func TestStartupGivesUpOnAnUnreachableDatabaseAfterDBWait(t *testing.T) {
	dead, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := dead.Addr().String()
	dead.Close()
	start := time.Now()
	err, logs := serveFails(t, map[string]string{
		"TICKETBOT_DATABASE_URL": "mysql://root@" + addr + "/tb", "TICKETBOT_DB_WAIT": "1500ms",
	}, 20*time.Second)
	wantOneLine(t, err, "TICKETBOT_DATABASE_URL")
	if !strings.Contains(err.Error(), "TICKETBOT_DB_WAIT") {
		t.Errorf("error does not say how long it waited: %v", err)
	}
	if took := time.Since(start); took < 1500*time.Millisecond {
		t.Errorf("gave up after %s, before TICKETBOT_DB_WAIT", took)
	}
	if n := strings.Count(logs, "database not reachable yet; retrying"); n < 2 {
		t.Errorf("%d retries logged, want at least 2:\n%s", n, logs)
	}
}

func TestStartupWaitsForADatabaseThatComesUp(t *testing.T) {
	dbURL := coretest.MySQLURL(t)
	u, _ := url.Parse(dbURL)
	proxy := coretest.NewTCPProxy(t, u.Host)
	proxy.Cut()
	u.Host = proxy.Addr()
	srv := launchServe(t, map[string]string{"TICKETBOT_DATABASE_URL": u.String(), "TICKETBOT_DB_WAIT": "30s"})
	logs := srv.logs
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(logs.String(), "database not reachable yet; retrying") {
		if time.Now().After(deadline) {
			t.Fatalf("no retry logged:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	proxy.Restore()
	waitStarted(t, srv.base)
	get(t, srv.base+"/readyz", http.StatusOK)
	if !strings.Contains(logs.String(), "database reachable") {
		t.Errorf("recovery not logged:\n%s", logs.String())
	}
}
