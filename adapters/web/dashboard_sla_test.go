package web_test

import (
	"context"
	"fmt"
	"net/http"
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
