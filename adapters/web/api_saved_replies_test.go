package web_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/core"
)

// TestSavedRepliesAPI covers the saved replies collection on both databases.
func TestSavedRepliesAPI(t *testing.T) {
	eachBackend(t, func(t *testing.T, dbURL string) {
		h := newHarness(t, dbURL)
		admin := h.issue(core.NewToken{Name: "admin", Scope: core.ScopeAdmin})
		bound := h.issue(core.NewToken{Name: "bound", Scope: core.ScopeAdmin, Workspace: wsDiscord})
		const base = "/api/v1/workspaces/slack:T123/saved-replies"

		r := h.with(t).api("POST", base, admin, `{"name":"VPN","content":"Restart the VPN client."}`)
		wantStatus(t, r, http.StatusCreated)
		var sr struct {
			ID   int64
			Name string
		}
		r.json(t, &sr)
		if sr.Name != "vpn" || !strings.HasSuffix(r.header.Get("Location"), "/saved-replies/"+itoa(sr.ID)) {
			t.Fatalf("created %+v, Location %q", sr, r.header.Get("Location"))
		}
		one := base + "/" + itoa(sr.ID)
		wantStatus(t, h.with(t).api("POST", base, admin, `{"name":"vpn","content":"again"}`), http.StatusConflict)
		bad := h.with(t).api("POST", base, admin, `{"name":"two words","content":"x"}`)
		wantStatus(t, bad, http.StatusUnprocessableEntity)
		wantBody(t, bad, `"field":"name"`)
		wantBody(t, h.with(t).api("POST", base, admin, `{"name":"empty","content":"  "}`), `"field":"content"`)
		wantStatus(t, h.with(t).api("POST", base, admin, `{"name":"x","content":"y","extra":1}`), http.StatusBadRequest)
		wantStatus(t, h.with(t).api("POST", base, "-", `{"name":"staff","content":"y"}`), http.StatusForbidden) // write token: staff

		list := h.with(t).api("GET", base, "-", "")
		wantStatus(t, list, http.StatusOK)
		wantBody(t, list, `"name":"vpn"`)
		wantStatus(t, h.with(t).api("GET", one, "-", ""), http.StatusOK)
		wantStatus(t, h.with(t).api("GET", one, bound, ""), http.StatusNotFound)
		wantStatus(t, h.with(t).api("GET", "/api/v1/workspaces/discord:42/saved-replies/"+itoa(sr.ID), admin, ""), http.StatusNotFound)

		p := h.with(t).api("PATCH", one, admin, `{"content":"Restart it, then sign in."}`)
		wantStatus(t, p, http.StatusOK)
		wantBody(t, p, `"content":"Restart it, then sign in."`)
		wantStatus(t, h.with(t).api("PATCH", one, admin, `{}`), http.StatusBadRequest)
		wantStatus(t, h.with(t).api("DELETE", one, admin, ""), http.StatusNoContent)
		wantStatus(t, h.with(t).api("GET", one, admin, ""), http.StatusNotFound)
	})
}

// TestTicketRatingInTheAPI: a rated ticket carries its rating; an unrated one null.
func TestTicketRatingInTheAPI(t *testing.T) {
	h := newHarness(t, "sqlite://"+t.TempDir()+"/t.db")
	tk := h.open(wsSlack, "rate me")
	path := "/api/v1/tickets/" + itoa(tk.ID)
	wantBody(t, h.api("GET", path, "-", ""), `"rating":null`)
	if _, err := h.svc.Close(t.Context(), requester(wsSlack, "U1"), tk.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.Rate(t.Context(), requester(wsSlack, "U1"), tk.ID, 5, "great"); err != nil {
		t.Fatal(err)
	}
	wantBody(t, h.api("GET", path, "-", ""), `"rating":5`)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
