package web_test

import (
	"net/http"
	"slices"
	"testing"
)

// TestAPIListSortsAndPages: sort=priority and sort=updated page with their own cursors to
// the end, each ticket once; a cursor of one order is refused for another.
func TestAPIListSortsAndPages(t *testing.T) {
	h := newHarness(t, "sqlite://"+t.TempDir()+"/t.db")
	prios := []string{"low", "urgent", "normal", "high", "urgent"}
	for i, p := range prios {
		r := h.api("POST", "/api/v1/tickets", "-", `{"workspace":"slack:T123","title":"t`+string(rune('a'+i))+`","priority":"`+p+`"}`)
		wantStatus(t, r, http.StatusCreated)
	}
	pageAll := func(sort string) []string {
		var out []string
		cursor := ""
		for range 10 {
			r := h.with(t).api("GET", "/api/v1/tickets?limit=2&sort="+sort+"&cursor="+cursor, "-", "")
			wantStatus(t, r, http.StatusOK)
			var body struct {
				Tickets []struct {
					Number   int64  `json:"number"`
					Priority string `json:"priority"`
				} `json:"tickets"`
				NextCursor string `json:"next_cursor"`
			}
			r.json(t, &body)
			for _, tk := range body.Tickets {
				out = append(out, tk.Priority)
			}
			if body.NextCursor == "" {
				return out
			}
			cursor = body.NextCursor
		}
		t.Fatal("pagination does not end")
		return nil
	}
	if got, want := pageAll("priority"), []string{"urgent", "urgent", "high", "normal", "low"}; !slices.Equal(got, want) {
		t.Errorf("sort=priority: %v, want %v", got, want)
	}
	if got := pageAll("updated"); len(got) != len(prios) {
		t.Errorf("sort=updated listed %d tickets, want %d", len(got), len(prios))
	}
	r := h.with(t).api("GET", "/api/v1/tickets?limit=2&sort=priority", "-", "")
	var first struct {
		NextCursor string `json:"next_cursor"`
	}
	r.json(t, &first)
	wantStatus(t, h.with(t).api("GET", "/api/v1/tickets?sort=updated&cursor="+first.NextCursor, "-", ""), http.StatusBadRequest)
	wantStatus(t, h.with(t).api("GET", "/api/v1/tickets?sort=sideways", "-", ""), http.StatusBadRequest)
}
