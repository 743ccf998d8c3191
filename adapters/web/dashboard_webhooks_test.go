package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/core"
)

// TestDashboardWebhooks: admins register an endpoint (its secret shown once), send a test
// event and see it in the delivery log; staff cannot reach the page.
func TestDashboardWebhooks(t *testing.T) {
	h := newHarness(t, "sqlite://"+t.TempDir()+"/t.db")
	h.account("root", core.RoleAdmin, adminPass)
	h.account("sam", core.RoleStaff, staffPass)
	staff := h.browser()
	staff.login("sam", staffPass)
	wantStatus(t, staff.get("/admin/webhooks"), http.StatusForbidden)
	wantStatus(t, staff.post("/admin/webhooks", url.Values{"url": {"https://example.com/h"}}), http.StatusForbidden)

	admin := h.browser()
	admin.login("root", adminPass)
	admin.get("/admin/webhooks")
	r := admin.post("/admin/webhooks", url.Values{"url": {"ftp://example.com/h"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	r = admin.post("/admin/webhooks", url.Values{"url": {"https://example.com/h"}, "events": {"ticket.opened", "message.added"}})
	wantStatus(t, r, http.StatusCreated)
	i := strings.Index(string(r.body), `id="webhook-secret">`)
	if i < 0 {
		t.Fatalf("secret not shown: %s", r.body)
	}
	secret := string(r.body[i+len(`id="webhook-secret">`):])
	secret = secret[:strings.Index(secret, "<")]
	list := admin.get("/admin/webhooks")
	wantBody(t, list, "https://example.com/h")
	if strings.Contains(string(list.body), secret) {
		t.Fatal("the secret is shown again")
	}
	eps, err := h.webhooks.List(t.Context(), core.Actor{Role: core.RoleAdmin})
	if err != nil || len(eps) != 1 || len(eps[0].Events) != 2 {
		t.Fatalf("endpoints %+v, %v", eps, err)
	}
	id := eps[0].ID
	path := "/admin/webhooks/" + strconv.FormatInt(id, 10)
	wantStatus(t, admin.post(path+"/test", url.Values{}), http.StatusSeeOther)
	var queued bool
	for _, ev := range h.drainEvents() {
		queued = queued || ev.Kind == core.EventWebhookTest
	}
	if !queued {
		t.Fatal("the test button queued no webhook.test event")
	}
	wantBody(t, admin.get("/admin/webhooks?log="+strconv.FormatInt(id, 10)), "Deliveries to")
	wantStatus(t, admin.post(path+"/pause", url.Values{}), http.StatusSeeOther)
	wantBody(t, admin.get("/admin/webhooks"), "paused")
	wantStatus(t, admin.post(path+"/delete", url.Values{}), http.StatusSeeOther)
	if eps, _ := h.webhooks.List(t.Context(), core.Actor{Role: core.RoleAdmin}); len(eps) != 0 {
		t.Fatalf("after delete: %+v", eps)
	}
}
