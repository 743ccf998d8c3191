package web_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/adapters/web"
	"github.com/ticketbot/ticketbot/core"
)

// failingAccounts is an AccountStore whose token lookups fail with err.
type failingAccounts struct {
	core.AccountStore
	err error
}

func (f failingAccounts) TokenByHash(context.Context, []byte) (core.APIToken, error) {
	return core.APIToken{}, f.err
}

// failing is an Accounts service whose token lookups fail with err.
func failing(t *testing.T, h *harness, err error) *core.Accounts {
	a, e := core.NewAccounts(core.AccountsConfig{Store: failingAccounts{h.store, err}, Sessions: h.store})
	if e != nil {
		t.Fatal(e)
	}
	return a
}

func TestAPIErrors(t *testing.T) {
	h := newHarness(t, "sqlite://"+t.TempDir()+"/t.db")
	serve := func(t *testing.T, cfg web.Config) *harness {
		t.Helper()
		cfg.Service, cfg.Throttle = h.svc, h.throttle
		if cfg.Accounts == nil {
			cfg.Accounts = h.accounts
		}
		srv, err := web.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		srv.Routes(mux)
		c := h.with(t)
		c.srv = srv
		c.ts = newTestServer(t, mux)
		return c
	}

	t.Run("internal errors answer 500 with an error id that is logged, never the cause", func(t *testing.T) {
		c := serve(t, web.Config{Accounts: failing(t, h, errors.New("disk on fire")), Log: h.svcLog()})
		r := c.api("GET", "/api/v1/tickets", "-", "")
		wantStatus(t, r, http.StatusInternalServerError)
		if code := r.errorCode(t); code != "internal" {
			t.Errorf("code %q", code)
		}
		if strings.Contains(string(r.body), "disk on fire") {
			t.Errorf("cause leaked: %s", r.body)
		}
		var e struct{ Error struct{ Message string } }
		r.json(t, &e)
		id := e.Error.Message[strings.LastIndex(e.Error.Message, " ")+1 : len(e.Error.Message)-1]
		if logs := h.logs.String(); !strings.Contains(logs, "error_id="+id) || !strings.Contains(logs, "disk on fire") {
			t.Errorf("error id %q not logged with its cause: %s", id, logs)
		}
	})
	t.Run("an unavailable database answers 503", func(t *testing.T) {
		c := serve(t, web.Config{Accounts: failing(t, h, core.Errorf(core.EUnavailable, "database down"))})
		r := c.api("GET", "/api/v1/tickets", "-", "")
		wantStatus(t, r, http.StatusServiceUnavailable)
		if code := r.errorCode(t); code != "unavailable" {
			t.Errorf("code %q", code)
		}
	})
	t.Run("a token over its rate limit gets 429 with Retry-After", func(t *testing.T) {
		c := serve(t, web.Config{APILimit: core.Limit{Rate: 2, Period: time.Minute, Burst: 2}})
		wantStatus(t, c.api("GET", "/api/v1/tickets", "-", ""), http.StatusOK)
		wantStatus(t, c.api("GET", "/api/v1/tickets", "-", ""), http.StatusOK)
		r := c.api("GET", "/api/v1/tickets", "-", "")
		wantStatus(t, r, http.StatusTooManyRequests)
		if code := r.errorCode(t); code != "rate_limited" {
			t.Errorf("code %q", code)
		}
		if r.header.Get("Retry-After") == "" {
			t.Error("no Retry-After")
		}
		other := h.issue(core.NewToken{Name: "other"})
		wantStatus(t, c.api("GET", "/api/v1/tickets", other, ""), http.StatusOK)
	})
	t.Run("New needs a Service and Accounts", func(t *testing.T) {
		if _, err := web.New(web.Config{Service: h.svc}); !core.IsCode(err, core.EInvalid) {
			t.Errorf("err %v", err)
		}
	})
}
