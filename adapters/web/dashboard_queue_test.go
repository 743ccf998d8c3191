package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/core"
)

// rowNumbers are the ticket numbers of the queue's rows, in order.
func rowNumbers(body []byte) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<span class="num">#(\d+)</span>`).FindAllSubmatch(body, -1) {
		out = append(out, string(m[1]))
	}
	return out
}

func tabCount(t *testing.T, body []byte, key string) string {
	t.Helper()
	m := regexp.MustCompile(`data-count="` + key + `">(\d+)<`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("no %s tab", key)
	}
	return string(m[1])
}

// TestDashboardQueue: tabs count every status exactly, sorts and filters apply, a bulk change
// goes through, and the composer posts replies and internal notes, shown apart.
func TestDashboardQueue(t *testing.T) {
	eachBackend(t, func(t *testing.T, dbURL string) {
		h := newHarness(t, dbURL)
		h.account("sam", core.RoleStaff, staffPass)
		ws := core.Workspace{Platform: core.PlatformSlack, ExternalID: "TQUEUE"}
		ctx := context.Background()
		staff := core.Actor{User: core.UserRef{ID: "web:sam", Name: "sam"}, Role: core.RoleStaff}
		var ts []core.Ticket
		for i, p := range []core.Priority{core.PriorityLow, core.PriorityUrgent, core.PriorityNormal, core.PriorityHigh} {
			tk := h.open(ws, fmt.Sprintf("queue ticket %d", i+1))
			if _, err := h.svc.UpdateTicket(ctx, staff, tk.ID, core.TicketUpdate{Priority: &p}); err != nil && !core.IsCode(err, core.EConflict) {
				t.Fatal(err)
			}
			ts = append(ts, tk)
		}
		waiting := core.StatusWaiting
		if _, err := h.svc.UpdateTicket(ctx, staff, ts[0].ID, core.TicketUpdate{Status: &waiting, Assignee: &staff.User}); err != nil {
			t.Fatal(err)
		}
		b := h.browser()
		b.login("sam", staffPass)
		base := "/?workspace=slack:TQUEUE"

		t.Run("tabs count each status", func(t *testing.T) {
			r := b.get(base)
			wantStatus(t, r, http.StatusOK)
			for key, want := range map[string]string{"active": "4", "open": "3", "waiting": "1", "closed": "0", "all": "4"} {
				if got := tabCount(t, r.body, key); got != want {
					t.Errorf("%s tab = %s, want %s", key, got, want)
				}
			}
			wantBody(t, r, "4 in this tab")
		})
		t.Run("sorts", func(t *testing.T) {
			for sort, want := range map[string]string{"created": "4 3 2 1", "priority": "2 4 3 1", "updated": "1 4 3 2"} {
				if got := strings.Join(rowNumbers(b.get(base+"&sort="+sort).body), " "); got != want {
					t.Errorf("sort=%s: rows %s, want %s", sort, got, want)
				}
			}
		})
		t.Run("filters by assignee and priority", func(t *testing.T) {
			for q, want := range map[string]string{"&assignee=me": "1", "&assignee=none": "4 3 2", "&priority=urgent": "2"} {
				if got := strings.Join(rowNumbers(b.get(base+q).body), " "); got != want {
					t.Errorf("%s: rows %s, want %s", q, got, want)
				}
			}
			wantStatus(t, b.get(base+"&size=7"), http.StatusBadRequest)
			wantStatus(t, b.get(base+"&assignee=bob"), http.StatusBadRequest)
		})
		t.Run("a bulk change applies to each chosen ticket", func(t *testing.T) {
			b.get(base)
			r := b.post("/tickets/bulk", url.Values{"id": {fmt.Sprint(ts[1].ID), fmt.Sprint(ts[2].ID)}, "action": {"status:in_progress"}, "back": {base}})
			wantStatus(t, r, http.StatusSeeOther)
			if loc := r.header.Get("Location"); !strings.HasPrefix(loc, base) || !strings.Contains(loc, "done=bulk") {
				t.Errorf("redirect to %q", loc)
			}
			r = b.get(base)
			if got := tabCount(t, r.body, "in_progress"); got != "2" {
				t.Errorf("in progress tab = %s after the bulk change, want 2", got)
			}
			r = b.post("/tickets/bulk", url.Values{"id": {fmt.Sprint(ts[1].ID)}, "action": {"priority:loud"}, "back": {base}})
			wantStatus(t, r, http.StatusBadRequest)
		})
		t.Run("the composer posts replies and internal notes, shown apart", func(t *testing.T) {
			page := fmt.Sprintf("/tickets/%d", ts[3].ID)
			b.get(page)
			r := b.post(page+"/messages", url.Values{"content": {"checking the logs"}, "kind": {"note"}, "nonce": {"nonce-note-000000001"}})
			wantStatus(t, r, http.StatusSeeOther)
			r = b.post(page+"/messages", url.Values{"content": {"we are on it"}, "kind": {"reply"}, "nonce": {"nonce-reply-00000001"}})
			wantStatus(t, r, http.StatusSeeOther)
			ms, err := h.svc.Messages(ctx, staff, ts[3].ID)
			if err != nil || len(ms) != 2 || !ms[0].Internal || ms[1].Internal {
				t.Fatalf("messages %+v, %v; want an internal note then a reply", ms, err)
			}
			r = b.get(page)
			wantBody(t, r, `class="message internal"`)
			wantBody(t, r, `<span class="note-label">Internal note</span>`)
			if n := strings.Count(string(r.body), "note-label"); n != 1 {
				t.Errorf("%d note labels, want 1", n)
			}
		})
		t.Run("search results mark the matched words", func(t *testing.T) {
			r := b.get(base + "&q=QUEUE")
			wantBody(t, r, `<mark>queue</mark>`)
		})
	})
}
