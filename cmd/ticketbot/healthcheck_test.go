package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHealthcheck(t *testing.T) {
	srv := startServe(t, sqliteEnv(t))
	addr := strings.TrimPrefix(srv.base, "http://")
	t.Run("passes against a running ticketbot found through TICKETBOT_ADDR", func(t *testing.T) {
		out, _, err := run(t, map[string]string{"TICKETBOT_ADDR": addr}, "", "healthcheck")
		if err != nil || out != "/healthz ok\n" {
			t.Fatalf("%q %v", out, err)
		}
	})
	t.Run("--ready probes /readyz", func(t *testing.T) {
		out, _, err := run(t, nil, "", "healthcheck", "--ready", "--url", srv.base)
		if err != nil || out != "/readyz ready\n" {
			t.Fatalf("%q %v", out, err)
		}
	})
	t.Run("fails on a status other than 200", func(t *testing.T) {
		down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "migrating", http.StatusServiceUnavailable)
		}))
		defer down.Close()
		if _, _, err := run(t, nil, "", "healthcheck", "--ready", "--url", down.URL); err == nil || !strings.Contains(err.Error(), "503") {
			t.Fatalf("%v", err)
		}
	})
	t.Run("fails when nothing listens", func(t *testing.T) {
		if err := srv.stop(); err != nil {
			t.Fatal(err)
		}
		if _, _, err := run(t, map[string]string{"TICKETBOT_ADDR": addr}, "", "healthcheck"); err == nil {
			t.Fatal("passed")
		}
	})
}

func TestLoopbackURL(t *testing.T) {
	for addr, want := range map[string]string{
		":8080":          "http://127.0.0.1:8080",
		"0.0.0.0:9000":   "http://127.0.0.1:9000",
		"[::]:8080":      "http://127.0.0.1:8080",
		"10.0.0.5:8080":  "http://10.0.0.5:8080",
		"localhost:8081": "http://localhost:8081",
	} {
		if got, err := loopbackURL(addr); err != nil || got != want {
			t.Errorf("loopbackURL(%q) = %q, %v; want %q", addr, got, err, want)
		}
	}
	if _, err := loopbackURL("8080"); err == nil {
		t.Error("accepted a bare port")
	}
}
