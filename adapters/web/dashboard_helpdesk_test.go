package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/core"
)

// TestDashboardHelpdesk: admins set support hours and categories on /admin/helpdesk; a
// ticket's page shows its category and answers and downloads its transcript; the queue
// filters by category.
func TestDashboardHelpdesk(t *testing.T) {
	h := newHarness(t, "sqlite://"+t.TempDir()+"/t.db")
	h.account("ada", core.RoleAdmin, "correct horse battery")
	h.account("sam", core.RoleStaff, "correct horse battery")
	b := h.browser()
	b.login("ada", "correct horse battery")

	t.Run("staff cannot open the page", func(t *testing.T) {
		s := h.browser()
		s.login("sam", "correct horse battery")
		if r := s.get("/admin/helpdesk"); r.status != http.StatusForbidden {
			t.Errorf("staff got %d", r.status)
		}
	})
	t.Run("hours are saved and validated", func(t *testing.T) {
		wantBody(t, b.get("/admin/helpdesk?workspace=slack:T123"), `id="hours-form"`)
		r := b.post("/admin/helpdesk/hours", url.Values{"workspace": {"slack:T123"}, "tz": {"Mars/Base"}, "mon": {"09:00-17:00"}})
		wantStatus(t, r, http.StatusBadRequest)
		wantBody(t, r, "Unknown time zone")
		wantBody(t, r, `value="Mars/Base"`)
		r = b.post("/admin/helpdesk/hours", url.Values{"workspace": {"slack:T123"}, "tz": {"Europe/Berlin"},
			"mon": {"09:00-12:00, 13:00-17:00"}, "fri": {"09:00-15:00"}, "holidays": {"2026-12-25\n2026-12-24"}})
		wantStatus(t, r, http.StatusSeeOther)
		st, _ := h.svc.Settings(t.Context(), wsSlack)
		spec := st.Hours.Spec()
		if spec.TZ != "Europe/Berlin" || len(spec.Weekly["mon"]) != 2 || spec.Holidays[0] != "2026-12-24" {
			t.Errorf("hours = %+v", spec)
		}
		wantBody(t, b.get("/admin/helpdesk?workspace=slack:T123"), `value="09:00-12:00, 13:00-17:00"`)
	})
	var catID int64
	t.Run("a category is added from the form", func(t *testing.T) {
		r := b.post("/admin/helpdesk/categories", url.Values{"workspace": {"slack:T123"}, "name": {"VPN"},
			"questions": {"Which device? *\nlong: What happened?\nchoice: Office: Berlin, Lisbon"}})
		wantStatus(t, r, http.StatusSeeOther)
		cs, _ := h.svc.Categories(t.Context(), core.System(), wsSlack)
		if len(cs) != 1 || len(cs[0].Questions) != 3 || !cs[0].Questions[0].Required || cs[0].Questions[2].Options[1] != "Lisbon" {
			t.Fatalf("categories = %+v", cs)
		}
		catID = cs[0].ID
		r = b.post("/admin/helpdesk/categories", url.Values{"workspace": {"slack:T123"}, "name": {"vpn"}})
		wantStatus(t, r, http.StatusConflict)
		wantBody(t, r, "already a category")
	})
	t.Run("the ticket page shows answers and downloads the transcript", func(t *testing.T) {
		tk, err := h.svc.OpenTicket(t.Context(), requester(wsSlack, "U1"), core.OpenInput{Title: "No VPN", CategoryID: catID,
			Answers: map[string]string{"q1": "ThinkPad <X1>", "q3": "Berlin"}})
		if err != nil {
			t.Fatal(err)
		}
		h.open(wsSlack, "Printer jam")
		r := b.get(fmt.Sprintf("/tickets/%d", tk.ID))
		wantBody(t, r, `id="answers"`)
		wantBody(t, r, "ThinkPad &lt;X1&gt;")
		wantBody(t, r, fmt.Sprintf(`href="/?category=%d"`, catID))
		r = b.get(fmt.Sprintf("/tickets/%d/transcript?format=md", tk.ID))
		wantStatus(t, r, http.StatusOK)
		if !strings.HasPrefix(r.header.Get("Content-Type"), "text/markdown") || !strings.Contains(string(r.body), "**Which device?**") {
			t.Errorf("transcript %s: %s", r.header.Get("Content-Type"), r.body)
		}
		r = b.get(fmt.Sprintf("/?workspace=slack:T123&status=all&category=%d", catID))
		wantBody(t, r, "No VPN")
		if strings.Contains(string(r.body), "Printer jam") {
			t.Errorf("the category filter lets other tickets through")
		}
	})
	t.Run("a category is deleted", func(t *testing.T) {
		r := b.post(fmt.Sprintf("/admin/helpdesk/categories/%d", catID), url.Values{"workspace": {"slack:T123"}, "delete": {"1"}})
		wantStatus(t, r, http.StatusSeeOther)
		if cs, _ := h.svc.Categories(t.Context(), core.System(), wsSlack); len(cs) != 0 {
			t.Errorf("categories = %+v", cs)
		}
	})
}
