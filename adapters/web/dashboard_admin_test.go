package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// TestDashboardWorkflowPages: an admin manages saved replies and a workspace's settings in
// the dashboard; staff send a saved reply from the composer; the ticket page shows the
// rating; staff cannot open the admin pages.
func TestDashboardWorkflowPages(t *testing.T) {
	h := newHarness(t, "sqlite://"+t.TempDir()+"/t.db")
	h.account("root", core.RoleAdmin, "admin-password-1")
	h.account("sam", core.RoleStaff, "staff-password-1")
	b := h.browser()
	b.login("root", "admin-password-1")
	const ws = "slack:T123"

	t.Run("saved replies: create, refuse a bad name, list", func(t *testing.T) {
		b.get("/admin/saved-replies?ws=" + ws)
		r := b.post("/admin/saved-replies", url.Values{"ws": {ws}, "name": {"vpn"}, "content": {"Restart the VPN client."}})
		wantStatus(t, r, http.StatusSeeOther)
		r = b.post("/admin/saved-replies", url.Values{"ws": {ws}, "name": {"not ok"}, "content": {"x"}})
		if r.status != http.StatusBadRequest {
			t.Log(h.logs.String())
		}
		wantStatus(t, r, http.StatusBadRequest)
		wantBody(t, r, "name is 1 to 64")
		r = b.get("/admin/saved-replies?ws=" + ws)
		wantBody(t, r, "!vpn")
		wantBody(t, r, "Restart the VPN client.")
	})
	t.Run("settings: invalid is refused naming the field, valid is saved", func(t *testing.T) {
		r := b.get("/admin/settings?ws=" + ws)
		wantStatus(t, r, http.StatusOK)
		wantBody(t, r, `value="72h0m0s"`)
		form := url.Values{"ws": {ws}, "name": {"Acme"}, "triage_channel": {"C1"}, "staff_group": {""}, "replies": {"all"},
			"reminder_after": {"2s"}, "close_waiting_after": {"100ms"}, "close_resolved_after": {"168h"}}
		r = b.post("/admin/settings", form)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantBody(t, r, "Close_waiting_after must be a duration of at least 1s")
		form.Set("close_waiting_after", "48h")
		wantStatus(t, b.post("/admin/settings", form), http.StatusSeeOther)
		st, _ := h.svc.Settings(t.Context(), wsSlack)
		if st.Name != "Acme" || st.ReminderAfter != 2*time.Second || st.CloseWaitingAfter != 48*time.Hour || st.CSAT() {
			t.Errorf("settings = %+v (csat unticked should turn it off)", st)
		}
	})
	t.Run("the composer sends a saved reply; the page shows the rating", func(t *testing.T) {
		tk := h.open(wsSlack, "vpn down")
		path := "/tickets/" + itoa(tk.ID)
		r := b.get(path)
		wantBody(t, r, `<option value="vpn"`)
		r = b.post(path+"/messages", url.Values{"saved": {"vpn"}, "kind": {"reply"}, "content": {""}, "nonce": {"nonce-nonce-nonce-1"}})
		wantStatus(t, r, http.StatusSeeOther)
		ms, _ := h.svc.Messages(t.Context(), core.System(), tk.ID)
		if len(ms) != 1 || ms[0].Content != "Restart the VPN client." || ms[0].Internal {
			t.Fatalf("messages = %+v", ms)
		}
		if err := h.svc.UpdateSettings(t.Context(), core.System(), core.Settings{Workspace: wsSlack, TriageChannel: "C1"}); err != nil {
			t.Fatal(err)
		}
		if _, err := h.svc.Close(t.Context(), requester(wsSlack, "U1"), tk.ID, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := h.svc.Rate(t.Context(), requester(wsSlack, "U1"), tk.ID, 3, "okay-ish"); err != nil {
			t.Fatal(err)
		}
		r = b.get(path)
		wantBody(t, r, `id="rating"`)
		wantBody(t, r, "3/5")
		wantBody(t, r, "okay-ish")
	})
	t.Run("staff cannot open the admin pages", func(t *testing.T) {
		s := h.browser()
		s.login("sam", "staff-password-1")
		for _, p := range []string{"/admin/saved-replies", "/admin/settings"} {
			if r := s.get(p); r.status != http.StatusForbidden && !strings.Contains(string(r.body), "admin") {
				t.Errorf("%s for staff: %d", p, r.status)
			}
		}
	})
}
