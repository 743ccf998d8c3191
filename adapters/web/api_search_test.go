package web_test

import (
	"fmt"
	"net/http"
	"testing"
)

// TestAPISearchAndNotes: q= finds a word in a title or an internal note regardless of case and
// accents, with its snippet; messages carry internal and source; POST accepts internal.
func TestAPISearchAndNotes(t *testing.T) {
	h := newHarness(t, "sqlite://"+t.TempDir()+"/t.db")
	tk := h.open(wsSlack, "So viel Ärger")
	other := h.open(wsSlack, "laptop")
	r := h.api("POST", fmt.Sprintf("/api/v1/tickets/%d/messages", other.ID), "-", `{"content":"customer owes money","internal":true}`)
	wantStatus(t, r, http.StatusCreated)
	wantBody(t, r, `"internal":true`)
	r = h.api("POST", fmt.Sprintf("/api/v1/tickets/%d/messages", other.ID), "-", `{"content":"public reply"}`)
	wantBody(t, r, `"internal":false`)
	r = h.api("GET", fmt.Sprintf("/api/v1/tickets/%d/messages", other.ID), "-", "")
	wantBody(t, r, `"source":"api","internal":true`)

	var body struct {
		Tickets []struct {
			ID      int64 `json:"id"`
			Snippet []struct {
				Text  string `json:"text"`
				Match bool   `json:"match"`
			} `json:"snippet"`
		} `json:"tickets"`
	}
	h.api("GET", "/api/v1/tickets?q=%C3%A4rger", "-", "").json(t, &body)
	if len(body.Tickets) != 1 || body.Tickets[0].ID != tk.ID {
		t.Fatalf("q=ärger: %+v, want ticket %d", body.Tickets, tk.ID)
	}
	if sn := body.Tickets[0].Snippet; len(sn) != 2 || sn[1].Text != "Ärger" || !sn[1].Match {
		t.Errorf("snippet %+v, want the match marked", sn)
	}
	h.api("GET", "/api/v1/tickets?q=owes", "-", "").json(t, &body)
	if len(body.Tickets) != 1 || body.Tickets[0].ID != other.ID {
		t.Errorf("staff q=owes: %+v, want the ticket with the internal note", body.Tickets)
	}
}
