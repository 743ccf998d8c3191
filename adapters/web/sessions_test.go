package web_test

import (
	"context"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/memstate"
)

// flakyState is a state store (and limiter) that can be switched off, like Redis going away
// behind core.FailOpen.
type flakyState struct {
	*memstate.Store
	down atomic.Bool
}

var errStateDown = core.Errorf(core.EUnavailable, "state store down")

func (f *flakyState) Get(ctx context.Context, k string) ([]byte, error) {
	if f.down.Load() {
		return nil, errStateDown
	}
	return f.Store.Get(ctx, k)
}

func (f *flakyState) Set(ctx context.Context, k string, v []byte, ttl time.Duration) error {
	if f.down.Load() {
		return errStateDown
	}
	return f.Store.Set(ctx, k, v, ttl)
}

func (f *flakyState) Delete(ctx context.Context, k string) error {
	if f.down.Load() {
		return errStateDown
	}
	return f.Store.Delete(ctx, k)
}

func (f *flakyState) MarkSeen(ctx context.Context, k string, ttl time.Duration) (bool, error) {
	if f.down.Load() {
		return false, errStateDown
	}
	return f.Store.MarkSeen(ctx, k, ttl)
}

func (f *flakyState) Allow(ctx context.Context, k string, l core.Limit) (core.Decision, error) {
	if f.down.Load() {
		return core.Decision{}, errStateDown
	}
	return f.Store.Allow(ctx, k, l)
}

// failOpenState is what serve gives the service for Redis: a flaky store behind FailOpen.
func failOpenState(t *testing.T) (*flakyState, *core.FailOpen) {
	m := memstate.New(nil)
	t.Cleanup(func() { _ = m.Close() })
	f := &flakyState{Store: m}
	return f, core.NewFailOpen(f, f, nil)
}

// TestSessionsWithoutRedis: sessions live in the database, so the state store's outages
// neither sign anyone out nor keep an ended session alive.
func TestSessionsWithoutRedis(t *testing.T) {
	eachBackend(t, func(t *testing.T, dbURL string) {
		flaky, fo := failOpenState(t)
		h := newHarness(t, dbURL, withState(fo))
		h.account("sam", core.RoleStaff, staffPass)
		t.Run("sign-in and the dashboard work while the state store is down", func(t *testing.T) {
			flaky.down.Store(true)
			defer flaky.down.Store(false)
			b := h.with(t).browser()
			b.login("sam", staffPass)
			wantStatus(t, b.get("/"), http.StatusOK)
			wantStatus(t, b.post("/logout", url.Values{}), http.StatusSeeOther)
		})
		t.Run("a session started before an outage survives it", func(t *testing.T) {
			b := h.with(t).browser()
			b.login("sam", staffPass)
			flaky.down.Store(true)
			wantStatus(t, b.get("/"), http.StatusOK)
			flaky.down.Store(false)
			wantStatus(t, b.get("/"), http.StatusOK)
		})
		t.Run("a sign-out during an outage is final", func(t *testing.T) {
			b := h.with(t).browser()
			b.login("sam", staffPass)
			u, _ := url.Parse(h.ts.URL)
			stolen := b.c.Jar.Cookies(u)
			flaky.down.Store(true)
			wantStatus(t, b.post("/logout", url.Values{}), http.StatusSeeOther)
			flaky.down.Store(false)
			b.c.Jar.SetCookies(u, stolen)
			wantStatus(t, b.get("/"), http.StatusSeeOther)
		})
	})
}

// TestSessionsAreBoundToTheirDeployment: two deployments (two databases) sharing one Redis
// never accept each other's cookies, even for an account of the same name.
func TestSessionsAreBoundToTheirDeployment(t *testing.T) {
	shared := memstate.New(nil)
	t.Cleanup(func() { _ = shared.Close() })
	one := newHarness(t, "sqlite://"+t.TempDir()+"/one.db", withState(shared))
	two := newHarness(t, "sqlite://"+t.TempDir()+"/two.db", withState(shared))
	one.account("sam", core.RoleStaff, staffPass)
	two.account("sam", core.RoleAdmin, "other-password")
	b := one.browser()
	b.login("sam", staffPass)
	req, _ := http.NewRequest(http.MethodGet, two.ts.URL+"/admin/accounts", nil)
	u, _ := url.Parse(one.ts.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		req.AddCookie(c)
	}
	r := two.do(&http.Client{CheckRedirect: b.c.CheckRedirect}, req)
	wantStatus(t, r, http.StatusSeeOther) // to /login: no session here
}
