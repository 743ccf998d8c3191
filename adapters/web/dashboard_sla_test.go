package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// TestDashboardSLA: the ticket page and the queue show the SLA state, and the queue sorts by
// due time.
func TestDashboardSLA(t *testing.T) {
	h := newHarness(t, "sqlite://"+t.TempDir()+"/t.db")
	h.account("sam", core.RoleStaff, staffPass)
	ctx := context.Background()
	st, err := h.store.Settings(ctx, wsSlack)
	if err != nil {
		t.Fatal(err)
	}
	st.SLA = core.SLAPolicy{core.PriorityUrgent: {FirstResponse: 2 * time.Hour, Resolution: 8 * time.Hour}}
	if err := h.store.SaveSettings(ctx, st, core.System().User); err != nil {
		t.Fatal(err)
	}
	low := h.open(wsSlack, "no target")
	r := h.api("POST", "/api/v1/tickets", "-", `{"workspace":"`+wsSlack.String()+`","title":"has a target","priority":"urgent"}`)
	wantStatus(t, r, http.StatusCreated)
	var urgent struct{ ID int64 }
	r.json(t, &urgent)
	if !strings.Contains(string(r.body), `"first_response_due":"`) {
		t.Fatalf("created without an sla: %s", r.body)
	}
	b := h.browser()
	b.login("sam", staffPass)
	page := b.get(fmt.Sprintf("/tickets/%d", urgent.ID))
	wantStatus(t, page, http.StatusOK)
	wantBody(t, page, "first response due in 2 h")
	list := b.get("/?sort=due")
	wantStatus(t, list, http.StatusOK)
	body := string(list.body)
	iu, il := strings.Index(body, "has a target"), strings.Index(body, low.Title)
	if iu < 0 || il < 0 || iu > il {
		t.Fatalf("sorted by due, the urgent ticket should come first (%d, %d)", iu, il)
	}
}

// TestDashboardSLASettings: admins set hours and targets on the SLA page; a bad value is 422
// and changes nothing; staff cannot reach the page.
func TestDashboardSLASettings(t *testing.T) {
	h := newHarness(t, "sqlite://"+t.TempDir()+"/t.db")
	h.account("root", core.RoleAdmin, adminPass)
	h.account("sam", core.RoleStaff, staffPass)
	staff := h.browser()
	staff.login("sam", staffPass)
	wantStatus(t, staff.get("/admin/sla"), http.StatusForbidden)
	admin := h.browser()
	admin.login("root", adminPass)
	wantBody(t, admin.get("/admin/sla?ws="+wsSlack.String()), "sla-form")
	bad := url.Values{"ws": {wsSlack.String()}, "urgent.first_response": {"soon"}, "hours": {"{}"}}
	wantStatus(t, admin.post("/admin/sla", bad), http.StatusUnprocessableEntity)
	good := url.Values{"ws": {wsSlack.String()}, "urgent.first_response": {"1h"}, "urgent.resolution": {"8h"},
		"hours": {`{"tz":"Europe/Berlin","weekly":{"mon":["09:00-17:00"]}}`}}
	wantStatus(t, admin.post("/admin/sla", good), http.StatusSeeOther)
	st, err := h.store.Settings(context.Background(), wsSlack)
	if err != nil || st.SLA[core.PriorityUrgent].FirstResponse != time.Hour || st.Hours.Spec().TZ != "Europe/Berlin" {
		t.Fatalf("saved settings %+v, %v", st, err)
	}
}
