package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
)

// TestPortalCategoriesAndHours: the portal's form asks for a category and its questions,
// the answers are kept and shown, and a ticket opened outside support hours says when staff
// are back.
func TestPortalCategoriesAndHours(t *testing.T) {
	// Saturday 12:00 in Berlin: outside Monday-to-Friday hours.
	clock := coretest.NewFakeClock(time.Date(2026, 3, 7, 11, 0, 0, 0, time.UTC))
	h := newHarness(t, "sqlite://"+t.TempDir()+"/t.db", withClock(clock))
	ctx := t.Context()
	admin := core.Actor{User: core.UserRef{ID: "UADMIN"}, Role: core.RoleAdmin, Workspace: wsSlack}
	name := "VPN"
	qs := []core.Question{{Label: "Which device?", Required: true}, {Label: "Office", Kind: core.QuestionChoice, Options: []string{"Berlin", "Lisbon"}}}
	cat, err := h.svc.CreateCategory(ctx, admin, wsSlack, core.CategoryInput{Name: &name, Questions: &qs})
	if err != nil {
		t.Fatal(err)
	}
	hours, err := core.NewHours(core.HoursSpec{TZ: "Europe/Berlin", Weekly: map[string][]string{"mon": {"09:00-17:00"}, "fri": {"09:00-17:00"}}})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := h.svc.Settings(ctx, wsSlack)
	st.Hours = hours
	if err := h.svc.UpdateSettings(ctx, admin, st); err != nil {
		t.Fatal(err)
	}
	h.account("rita", core.RoleRequester, "rita-password")
	b := h.browser()
	b.login("rita", "rita-password")

	r := b.get("/portal/new")
	wantBody(t, r, `id="new-category"`)
	r = b.get(fmt.Sprintf("/portal/new?category=%d", cat.ID))
	wantBody(t, r, `name="q:q1"`)
	wantBody(t, r, `<option value="Lisbon"`)

	r = b.post("/portal/tickets", url.Values{"title": {"No VPN"}, "category": {fmt.Sprint(cat.ID)}, "q:q2": {"Lisbon"}})
	wantStatus(t, r, http.StatusBadRequest)
	wantBody(t, r, "Which device?")
	wantBody(t, r, `<option value="Lisbon" selected>`)

	r = b.post("/portal/tickets", url.Values{"title": {"No VPN"}, "category": {fmt.Sprint(cat.ID)}, "q:q1": {"Mac"}, "q:q2": {"Lisbon"}})
	wantStatus(t, r, http.StatusSeeOther)
	page := r.header.Get("Location")
	r = b.get(page)
	wantBody(t, r, `id="answers"`)
	wantBody(t, r, "Mac")
	wantBody(t, r, "Our team is offline; we&#39;re back Monday 09:00 (Europe/Berlin).")
	if strings.Contains(string(b.get(strings.TrimSuffix(page, "?done=opened")).body), `id="offline"`) {
		t.Errorf("the offline line shows on later visits too")
	}
}
