package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/ticketbot/ticketbot/core"
)

// testDashboardAccounts: the admin pages manage accounts with core's rules.
func testDashboardAccounts(t *testing.T, h *harness) {
	admin := h.browser()
	admin.login("root", adminPass)
	ctx := context.Background()
	t.Run("an admin creates a requester account bound to a workspace", func(t *testing.T) {
		admin.get("/admin/accounts")
		wantStatus(t, admin.post("/admin/accounts", url.Values{"name": {"rita"}, "role": {"requester"}, "workspace": {"slack:T123"}, "password": {"rita-password"}}), http.StatusSeeOther)
		acc, err := h.store.AccountByName(ctx, "rita")
		if err != nil || acc.Role != core.RoleRequester || acc.Workspace != wsSlack {
			t.Fatalf("account %+v %v", acc, err)
		}
		page := admin.get("/admin/accounts")
		wantBody(t, page, `id="account-rita"`)
		wantBody(t, page, `action="/admin/accounts/rita/role"`)
		wantBody(t, page, `action="/admin/accounts/rita/password"`)
	})
	t.Run("a requester account without its workspace is refused beside the form", func(t *testing.T) {
		r := admin.post("/admin/accounts", url.Values{"name": {"rex"}, "role": {"requester"}, "password": {"rex-password"}})
		wantStatus(t, r, http.StatusBadRequest)
		wantBody(t, r, "needs its workspace")
		wantBody(t, r, `value="rex"`)
	})
	t.Run("a requester account cannot use the dashboard: its pages send it to the portal", func(t *testing.T) {
		b := h.with(t).browser()
		b.login("rita", "rita-password")
		for _, p := range []string{"/", "/tickets/1"} {
			r := b.get(p)
			wantStatus(t, r, http.StatusSeeOther)
			if loc := r.header.Get("Location"); loc != "/portal" {
				t.Errorf("GET %s: Location %q, want /portal", p, loc)
			}
		}
		b.get("/portal")
		wantStatus(t, b.post("/tickets/1/status", url.Values{"status": {"closed"}}), http.StatusForbidden)
	})
	t.Run("changing a role signs that account out at once", func(t *testing.T) {
		sam := h.with(t).browser()
		sam.login("sam", staffPass)
		admin.get("/admin/accounts")
		wantStatus(t, admin.post("/admin/accounts/sam/role", url.Values{"role": {"admin"}}), http.StatusSeeOther)
		wantStatus(t, sam.get("/"), http.StatusSeeOther)
		if acc, _ := h.store.AccountByName(ctx, "sam"); acc.Role != core.RoleAdmin {
			t.Errorf("role %s", acc.Role)
		}
		wantStatus(t, admin.post("/admin/accounts/sam/role", url.Values{"role": {"staff"}}), http.StatusSeeOther)
	})
	t.Run("resetting a password signs that account out and the new one works", func(t *testing.T) {
		sam := h.with(t).browser()
		sam.login("sam", staffPass)
		admin.get("/admin/accounts")
		wantStatus(t, admin.post("/admin/accounts/sam/password", url.Values{"password": {"reset-password"}}), http.StatusSeeOther)
		wantStatus(t, sam.get("/"), http.StatusSeeOther)
		h.with(t).browser().login("sam", "reset-password")
		wantStatus(t, admin.post("/admin/accounts/sam/password", url.Values{"password": {staffPass}}), http.StatusSeeOther)
		r := admin.post("/admin/accounts/sam/password", url.Values{"password": {"short"}})
		wantStatus(t, r, http.StatusBadRequest)
	})
	t.Run("the last admin cannot be demoted", func(t *testing.T) {
		admin.get("/admin/accounts")
		r := admin.post("/admin/accounts/root/role", url.Values{"role": {"staff"}})
		wantStatus(t, r, http.StatusConflict)
		wantBody(t, r, "last admin")
		if acc, _ := h.store.AccountByName(ctx, "root"); acc.Role != core.RoleAdmin {
			t.Errorf("root is %s", acc.Role)
		}
	})
	t.Run("an admin demoting themselves is signed out", func(t *testing.T) {
		h.account("second", core.RoleAdmin, "second-password")
		b := h.with(t).browser()
		b.login("second", "second-password")
		r := b.post("/admin/accounts/second/role", url.Values{"role": {"staff"}})
		wantStatus(t, r, http.StatusSeeOther)
		if loc := r.header.Get("Location"); loc != "/login?done=signed_out" {
			t.Errorf("Location %q", loc)
		}
		wantStatus(t, admin.post("/admin/accounts/second/delete", url.Values{}), http.StatusSeeOther)
	})
	t.Run("a requester account is deleted like any other", func(t *testing.T) {
		admin.get("/admin/accounts")
		wantStatus(t, admin.post("/admin/accounts/rita/delete", url.Values{}), http.StatusSeeOther)
		wantStatus(t, admin.post("/admin/accounts/rita/delete", url.Values{}), http.StatusNotFound)
	})
	t.Run("account forms need the session's CSRF token", func(t *testing.T) {
		r := admin.post("/admin/accounts/sam/role", url.Values{"role": {"admin"}, "csrf": {"forged"}})
		wantStatus(t, r, http.StatusForbidden)
		if acc, _ := h.store.AccountByName(ctx, "sam"); acc.Role != core.RoleStaff {
			t.Errorf("a forged form changed the role to %s", acc.Role)
		}
	})
}

// testOwnPassword: a signed-in user changes their own password with the current one.
func testOwnPassword(t *testing.T, h *harness) {
	h.account("pat", core.RoleStaff, "pat-password")
	b := h.browser()
	b.login("pat", "pat-password")
	other := h.browser()
	other.login("pat", "pat-password")
	t.Run("the page is linked from the header", func(t *testing.T) {
		wantBody(t, b.get("/"), `href="/account/password"`)
		wantBody(t, b.get("/account/password"), `name="current"`)
	})
	t.Run("a wrong current password changes nothing", func(t *testing.T) {
		r := b.post("/account/password", url.Values{"current": {"guess-guess"}, "password": {"new-password"}, "confirm": {"new-password"}})
		wantStatus(t, r, http.StatusForbidden)
		wantBody(t, r, "current password is wrong")
		wantStatus(t, other.get("/"), http.StatusOK)
	})
	t.Run("new passwords that differ are refused", func(t *testing.T) {
		r := b.post("/account/password", url.Values{"current": {"pat-password"}, "password": {"new-password"}, "confirm": {"new-passw0rd"}})
		wantStatus(t, r, http.StatusBadRequest)
	})
	t.Run("a change keeps this browser signed in and signs out the others", func(t *testing.T) {
		r := b.post("/account/password", url.Values{"current": {"pat-password"}, "password": {"new-password"}, "confirm": {"new-password"}})
		wantStatus(t, r, http.StatusSeeOther)
		wantBody(t, b.get("/account/password?done=password"), "Password changed")
		wantStatus(t, b.get("/"), http.StatusOK)
		wantStatus(t, other.get("/"), http.StatusSeeOther)
		h.with(t).browser().login("pat", "new-password")
	})
}
