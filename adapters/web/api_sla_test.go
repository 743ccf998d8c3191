package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/core"
)

// TestTicketSLAInTheAPI: with a policy set through the settings API, an urgent ticket has
// due times in the workspace's hours and breached false; a normal one (no target) has null.
func TestTicketSLAInTheAPI(t *testing.T) {
	h := newHarness(t, "sqlite://"+t.TempDir()+"/t.db")
	adm := h.issue(core.NewToken{Name: "adm", Scope: core.ScopeAdmin})
	r := h.api("PATCH", "/api/v1/workspaces/slack:T123/settings", adm,
		`{"sla":{"urgent":{"first_response":"1h","resolution":"8h"}},"hours":{"tz":"UTC"}}`)
	wantStatus(t, r, http.StatusOK)
	if !strings.Contains(string(r.body), `"urgent":{"first_response":"1h0m0s","resolution":"8h0m0s"}`) {
		t.Fatalf("settings do not echo the policy: %s", r.body)
	}
	r = h.api("POST", "/api/v1/tickets", "-", `{"workspace":"slack:T123","title":"down","priority":"urgent"}`)
	wantStatus(t, r, http.StatusCreated)
	var tk struct {
		SLA *struct {
			FirstResponseDue *string `json:"first_response_due"`
			ResolutionDue    *string `json:"resolution_due"`
			Breached         bool    `json:"breached"`
		} `json:"sla"`
	}
	r.json(t, &tk)
	if tk.SLA == nil || tk.SLA.FirstResponseDue == nil || tk.SLA.ResolutionDue == nil || tk.SLA.Breached {
		t.Fatalf("urgent ticket sla = %s", r.body)
	}
	r = h.api("POST", "/api/v1/tickets", "-", `{"workspace":"slack:T123","title":"meh","priority":"low"}`)
	wantStatus(t, r, http.StatusCreated)
	if !strings.Contains(string(r.body), `"sla":null`) {
		t.Fatalf("a priority without a target should have sla null: %s", r.body)
	}
}
