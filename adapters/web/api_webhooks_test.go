package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/core"
)

func TestWebhooksAPI(t *testing.T) {
	h := newHarness(t, "sqlite://"+t.TempDir()+"/t.db")
	adm := h.issue(core.NewToken{Name: "adm", Scope: core.ScopeAdmin})
	write := h.issue(core.NewToken{Name: "w", Scope: core.ScopeWrite})
	bound := h.issue(core.NewToken{Name: "bound", Scope: core.ScopeAdmin, Workspace: core.Workspace{Platform: core.PlatformSlack, ExternalID: "T999"}})

	wantStatus(t, h.api("GET", "/api/v1/webhooks", write, ""), http.StatusForbidden)
	wantStatus(t, h.api("POST", "/api/v1/webhooks", write, `{"url":"https://example.com/h"}`), http.StatusForbidden)
	wantStatus(t, h.api("POST", "/api/v1/webhooks", adm, `{"url":"https://example.com/h","colour":"red"}`), http.StatusBadRequest)
	r := h.api("POST", "/api/v1/webhooks", adm, `{"url":"https://example.com/h","events":["ticket.deleted"]}`)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if !strings.Contains(string(r.body), "events") {
		t.Fatalf("422 does not name events: %s", r.body)
	}

	r = h.api("POST", "/api/v1/webhooks", adm, `{"url":"https://example.com/h","events":["ticket.opened"],"workspace":"slack:T123"}`)
	wantStatus(t, r, http.StatusCreated)
	var created struct {
		ID     int64    `json:"id"`
		Secret string   `json:"secret"`
		Events []string `json:"events"`
	}
	r.json(t, &created)
	if !strings.HasPrefix(created.Secret, "whsec_") || len(created.Events) != 1 {
		t.Fatalf("created %+v", created)
	}
	path := fmt.Sprintf("/api/v1/webhooks/%d", created.ID)
	for _, p := range []string{"/api/v1/webhooks", path} {
		r = h.api("GET", p, adm, "")
		wantStatus(t, r, http.StatusOK)
		if strings.Contains(string(r.body), created.Secret) || strings.Contains(string(r.body), `"secret"`) {
			t.Fatalf("GET %s shows the secret again: %s", p, r.body)
		}
	}
	wantStatus(t, h.api("GET", path, bound, ""), http.StatusNotFound)
	r = h.api("PATCH", path, adm, `{"active":false}`)
	wantStatus(t, r, http.StatusOK)
	if !strings.Contains(string(r.body), `"active":false`) {
		t.Fatalf("patch: %s", r.body)
	}
	wantStatus(t, h.api("POST", path+"/test", adm, ""), http.StatusAccepted)
	wantStatus(t, h.api("GET", path+"/deliveries", adm, ""), http.StatusOK)
	wantStatus(t, h.api("DELETE", path, adm, ""), http.StatusNoContent)
	wantStatus(t, h.api("GET", path, adm, ""), http.StatusNotFound)
}
