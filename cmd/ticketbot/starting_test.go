package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/core/gormstore"
)

// While a (long) migration runs, the listener is open: /healthz says the process lives,
// /readyz says 503 "migrating" and the app's routes are not served yet; then serve gets ready.
func TestServeAnswersProbesWhileMigrating(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	hooks := startHooks{migrate: func(ctx context.Context, st *gormstore.Store) error {
		close(entered)
		select {
		case <-release:
		case <-ctx.Done():
			return ctx.Err()
		}
		return st.Migrate(ctx)
	}}
	srv := startServeWith(t, sqliteEnv(t), hooks)
	<-entered
	if body := get(t, srv.base+"/healthz", http.StatusOK); body != "ok\n" {
		t.Errorf("/healthz = %q", body)
	}
	for _, path := range []string{"/readyz", "/api/v1/tickets", "/login"} {
		resp, err := http.Get(srv.base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || strings.TrimSpace(string(body)) != "migrating" {
			t.Errorf("%s while migrating = %d %q, want 503 \"migrating\"", path, resp.StatusCode, body)
		}
	}
	close(release)
	waitStarted(t, srv.base)
	if body := get(t, srv.base+"/readyz", http.StatusOK); body != "ready\n" {
		t.Errorf("/readyz after migrating = %q", body)
	}
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
	logs := srv.logs.String()
	if strings.Index(logs, "msg=listening") > strings.Index(logs, "migrating the database schema") {
		t.Errorf("the listener should open before the migration starts:\n%s", logs)
	}
}

// A failed migration stops serve with the error and closes the listener.
func TestServeStopsWhenTheMigrationFails(t *testing.T) {
	fail, entered := make(chan struct{}), make(chan struct{})
	hooks := startHooks{migrate: func(context.Context, *gormstore.Store) error {
		close(entered)
		<-fail
		return io.ErrUnexpectedEOF
	}}
	srv := startServeWith(t, sqliteEnv(t), hooks)
	<-entered // the database is open and the migration runs
	close(fail)
	err := srv.stop()
	if err == nil || !strings.Contains(err.Error(), "migrate") {
		t.Fatalf("serve = %v, want the migration error", err)
	}
	if _, err := http.Get(srv.base + "/healthz"); err == nil {
		t.Error("the listener still answers after start-up failed")
	}
}
