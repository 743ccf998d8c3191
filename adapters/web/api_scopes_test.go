package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/adapters/web"
	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
)

func TestRequiredScope(t *testing.T) {
	for _, tc := range []struct {
		method, pattern string
		want            core.Scope
	}{
		{"GET", "GET /api/v1/tickets", core.ScopeRead},
		{"GET", "GET /api/v1/tickets/{id}/messages", core.ScopeRead},
		{"POST", "POST /api/v1/tickets", core.ScopeWrite},
		{"PATCH", "PATCH /api/v1/tickets/{id}", core.ScopeWrite},
		{"POST", "POST /api/v1/tickets/{id}/messages", core.ScopeWrite},
		{"GET", "GET /api/v1/workspaces/{ws}/settings", core.ScopeAdmin},
		{"PATCH", "PATCH /api/v1/workspaces/{ws}/settings", core.ScopeAdmin},
		{"GET", "GET /api/v1/webhooks", core.ScopeAdmin},
		{"DELETE", "DELETE /api/v1/webhooks/{id}", core.ScopeAdmin},
		{"POST", "POST /api/v1/workspaces/{ws}/saved-replies", core.ScopeWrite},
	} {
		if got := web.RequiredScope(tc.method, tc.pattern); got != tc.want {
			t.Errorf("%s needs %s, want %s", tc.pattern, got, tc.want)
		}
	}
}

// TestTokenScopesWorkspacesAndExpiry: what each kind of token may do through the API.
func TestTokenScopesWorkspacesAndExpiry(t *testing.T) {
	clock := coretest.NewFakeClock(time.Now())
	h := newHarness(t, "sqlite://"+t.TempDir()+"/t.db", withClock(clock))
	mine := h.open(wsSlack, "in my workspace")
	theirs := h.open(wsDiscord, "in another workspace")
	read := h.issue(core.NewToken{Name: "reader", Scope: core.ScopeRead})
	bound := h.issue(core.NewToken{Name: "bound", Workspace: wsSlack})
	t.Run("a read token reads", func(t *testing.T) {
		wantStatus(t, h.with(t).api("GET", "/api/v1/tickets", read, ""), http.StatusOK)
		wantStatus(t, h.with(t).api("GET", fmt.Sprintf("/api/v1/tickets/%d/messages", mine.ID), read, ""), http.StatusOK)
	})
	t.Run("a read token gets 403 on every write and changes nothing", func(t *testing.T) {
		for _, rq := range [][3]string{
			{"POST", "/api/v1/tickets", `{"workspace":"slack:T123","title":"x"}`},
			{"PATCH", fmt.Sprintf("/api/v1/tickets/%d", mine.ID), `{"status":"closed"}`},
			{"POST", fmt.Sprintf("/api/v1/tickets/%d/messages", mine.ID), `{"content":"hi"}`},
		} {
			r := h.with(t).api(rq[0], rq[1], read, rq[2])
			wantStatus(t, r, http.StatusForbidden)
			if c := r.errorCode(t); c != "forbidden" {
				t.Errorf("code %q", c)
			}
		}
		if got, _ := h.svc.Ticket(t.Context(), core.System(), mine.ID); got.Status != core.StatusOpen {
			t.Errorf("status %s", got.Status)
		}
	})
	t.Run("a bound token sees only its workspace; the others are 404", func(t *testing.T) {
		var l apiList
		h.with(t).api("GET", "/api/v1/tickets", bound, "").json(t, &l)
		for _, tk := range l.Tickets {
			if tk.Workspace != "slack:T123" {
				t.Errorf("listed %s", tk.Workspace)
			}
		}
		if len(l.Tickets) == 0 {
			t.Error("its own workspace's tickets are not listed")
		}
		wantStatus(t, h.with(t).api("GET", fmt.Sprintf("/api/v1/tickets/%d", mine.ID), bound, ""), http.StatusOK)
		for _, p := range []string{
			fmt.Sprintf("/api/v1/tickets/%d", theirs.ID),
			fmt.Sprintf("/api/v1/tickets/%d/messages", theirs.ID),
			"/api/v1/tickets?workspace=" + wsDiscord.String(),
		} {
			wantStatus(t, h.with(t).api("GET", p, bound, ""), http.StatusNotFound)
		}
		wantStatus(t, h.with(t).api("PATCH", fmt.Sprintf("/api/v1/tickets/%d", theirs.ID), bound, `{"status":"closed"}`), http.StatusNotFound)
		r := h.with(t).api("POST", "/api/v1/tickets", bound, `{"workspace":"`+wsDiscord.String()+`","title":"x"}`)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantBody(t, r, `"field":"workspace"`)
		wantStatus(t, h.with(t).api("POST", "/api/v1/tickets", bound, `{"workspace":"slack:T123","title":"x"}`), http.StatusCreated)
	})
	t.Run("an expired token gets 401", func(t *testing.T) {
		short := h.issue(core.NewToken{Name: "short", TTL: time.Hour})
		wantStatus(t, h.with(t).api("GET", "/api/v1/tickets", short, ""), http.StatusOK)
		clock.Advance(time.Hour)
		r := h.with(t).api("GET", "/api/v1/tickets", short, "")
		wantStatus(t, r, http.StatusUnauthorized)
		if c := r.errorCode(t); c != "unauthorized" {
			t.Errorf("code %q", c)
		}
	})
}

// TestUnknownWorkspaces: the API opens tickets only where a helpdesk is set up, so made-up
// workspaces never reach the dashboard's workspace filter.
func TestUnknownWorkspaces(t *testing.T) {
	h := newHarness(t, "sqlite://"+t.TempDir()+"/t.db")
	h.account("sam", core.RoleStaff, staffPass)
	for _, ws := range []string{"slack:TNOHELPDESK", "slack:../../etc", "discord:1"} {
		r := h.api("POST", "/api/v1/tickets", "-", `{"workspace":"`+ws+`","title":"x"}`)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantBody(t, r, `"field":"workspace"`)
	}
	b := h.browser()
	b.login("sam", staffPass)
	page := string(b.get("/").body)
	for _, ws := range []string{"TNOHELPDESK", "../../etc", "discord:1\""} {
		if strings.Contains(page, ws) {
			t.Errorf("the dashboard shows %q", ws)
		}
	}
}
