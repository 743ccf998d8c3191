package web_test

import (
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/adapters/web"
	"github.com/ticketbot/ticketbot/core"
)

// TestSignInLimits: only failures count, per account and per address, in the database.
func TestSignInLimits(t *testing.T) {
	flaky, fo := failOpenState(t)
	flaky.down.Store(true) // the limit must hold with Redis down
	h := newHarness(t, "sqlite://"+t.TempDir()+"/t.db", withState(fo))
	h.account("sam", core.RoleStaff, staffPass)
	h.account("kim", core.RoleStaff, staffPass)
	t.Run("a team behind one address signs in as often as it likes", func(t *testing.T) {
		for range 3 * core.FreeAddressFailures {
			h.with(t).browser().login("kim", staffPass)
		}
	})
	t.Run("failures past the free ones make the account wait, with Retry-After", func(t *testing.T) {
		b := h.with(t).browser()
		b.get("/login")
		for range core.FreeFailures {
			wantStatus(t, b.post("/login", url.Values{"username": {"sam"}, "password": {"wrong-password"}}), http.StatusUnauthorized)
		}
		last := b.post("/login", url.Values{"username": {"sam"}, "password": {staffPass}})
		wantStatus(t, last, http.StatusTooManyRequests)
		wantBody(t, last, "Too many failed sign-ins")
		if last.header.Get("Retry-After") == "" {
			t.Error("no Retry-After")
		}
	})
	t.Run("other accounts from the same address are not locked out", func(t *testing.T) {
		h.with(t).browser().login("kim", staffPass)
	})
	t.Run("failures and delays are logged without the password", func(t *testing.T) {
		logs := h.logs.String()
		for _, want := range []string{`msg="sign-in failed" user=sam client=127.0.0.1`, `msg="sign-in delayed after repeated failures" user=sam`} {
			if !strings.Contains(logs, want) {
				t.Errorf("log lacks %q", want)
			}
		}
		if strings.Contains(logs, "wrong-password") || strings.Contains(logs, staffPass) {
			t.Error("a password was logged")
		}
	})
}

// TestClientAddress: X-Forwarded-For counts only from trusted proxies, and then the client is
// the rightmost address that is not a trusted proxy.
func TestClientAddress(t *testing.T) {
	for _, tc := range []struct {
		name    string
		proxies []string
		xff     string
		want    string
	}{
		{"no trusted proxies: the header is ignored", nil, "198.51.100.7", "127.0.0.1"},
		{"a trusted proxy's header names the client", []string{"127.0.0.1/32"}, "198.51.100.7", "198.51.100.7"},
		{"addresses a client wrote itself are skipped", []string{"127.0.0.0/8", "10.0.0.0/8"}, "6.6.6.6, 198.51.100.7, 10.1.2.3", "198.51.100.7"},
		{"a header from an untrusted peer is ignored", []string{"10.0.0.0/8"}, "198.51.100.7", "127.0.0.1"},
		{"a malformed entry stops the walk", []string{"127.0.0.1/32"}, "198.51.100.7, junk", "127.0.0.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var pf []netip.Prefix
			for _, p := range tc.proxies {
				pf = append(pf, netip.MustParsePrefix(p))
			}
			h := newHarness(t, "sqlite://"+t.TempDir()+"/t.db", withWeb(func(c *web.Config) { c.TrustedProxies = pf }))
			b := h.browser()
			b.get("/login")
			b.post("/login", url.Values{"username": {"nobody"}, "password": {"wrong-password"}}, "X-Forwarded-For", tc.xff)
			if want := fmt.Sprintf("client=%s ", tc.want); !strings.Contains(h.logs.String(), want) {
				t.Errorf("log lacks %q:\n%s", want, h.logs.String())
			}
		})
	}
}
