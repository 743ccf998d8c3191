package web_test

import (
	"fmt"
	"net/http"
	"testing"
)

// TestAPIFollowsItsDocument: requests the OpenAPI document does not allow are refused.
func TestAPIFollowsItsDocument(t *testing.T) {
	h := newHarness(t, "sqlite://"+t.TempDir()+"/t.db")
	tk := h.open(wsSlack, "validate me")
	ticket := fmt.Sprintf("/api/v1/tickets/%d", tk.ID)
	t.Run("priority must be one of the lowercase names", func(t *testing.T) {
		for _, p := range []string{`""`, `"HIGH"`, `" high"`, `"High"`} {
			r := h.with(t).api("POST", "/api/v1/tickets", "-", `{"workspace":"slack:T123","title":"x","priority":`+p+`}`)
			wantStatus(t, r, http.StatusUnprocessableEntity)
			wantBody(t, r, `"field":"priority"`)
			r = h.with(t).api("PATCH", ticket, "-", `{"priority":`+p+`}`)
			wantStatus(t, r, http.StatusUnprocessableEntity)
		}
		r := h.with(t).api("PATCH", ticket, "-", `{"status":"IN_PROGRESS"}`)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantBody(t, r, `"field":"status"`)
	})
	t.Run("a body that is not JSON is 415", func(t *testing.T) {
		for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "application/jsonx", ""} {
			r := h.with(t).api("POST", "/api/v1/tickets", "-", `{"workspace":"slack:T123","title":"x"}`, "Content-Type", ct)
			wantStatus(t, r, http.StatusUnsupportedMediaType)
			r = h.with(t).api("PATCH", ticket, "-", `{"status":"closed"}`, "Content-Type", ct)
			wantStatus(t, r, http.StatusUnsupportedMediaType)
		}
		r := h.with(t).api("POST", "/api/v1/tickets", "-", `{"workspace":"slack:T123","title":"x"}`, "Content-Type", "application/json; charset=utf-8")
		wantStatus(t, r, http.StatusCreated)
	})
	t.Run("+1 and 0001 are no ticket ids", func(t *testing.T) {
		for _, p := range []string{"/api/v1/tickets/%2B1", "/api/v1/tickets/0001", "/api/v1/tickets/+1/messages"} {
			wantStatus(t, h.with(t).api("GET", p, "-", ""), http.StatusNotFound)
		}
	})
	t.Run("an Idempotency-Key reused with another body is 422", func(t *testing.T) {
		path := ticket + "/messages"
		wantStatus(t, h.with(t).api("POST", path, "-", `{"content":"first"}`, "Idempotency-Key", "k-1"), http.StatusCreated)
		wantStatus(t, h.with(t).api("POST", path, "-", `{"content":"first"}`, "Idempotency-Key", "k-1"), http.StatusOK)
		r := h.with(t).api("POST", path, "-", `{"content":"second"}`, "Idempotency-Key", "k-1")
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantBody(t, r, `"field":"Idempotency-Key"`)
	})
	t.Run("unknown fields are 400", func(t *testing.T) {
		wantStatus(t, h.with(t).api("POST", "/api/v1/tickets", "-", `{"workspace":"slack:T123","title":"x","colour":"red"}`), http.StatusBadRequest)
		wantStatus(t, h.with(t).api("PATCH", ticket, "-", `{"state":"closed"}`), http.StatusBadRequest)
	})
	t.Run("control characters never reach the stored text", func(t *testing.T) {
		r := h.with(t).api("POST", "/api/v1/tickets", "-", `{"workspace":"slack:T123","title":"a\u001b[31mb\u202ec","description":"d\u0000e"}`)
		wantStatus(t, r, http.StatusCreated)
		var got apiTicket
		r.json(t, &got)
		if got.Title != "a[31mbc" || got.Description != "de" {
			t.Errorf("title %q description %q", got.Title, got.Description)
		}
	})
}
