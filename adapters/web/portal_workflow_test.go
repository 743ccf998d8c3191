package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/core"
)

// TestPortalResolveConfirmAndRating: a resolved ticket asks its requester to confirm in the
// portal; "No, I still need help" reopens it, "Yes, close it" closes it (as the requester),
// and the closed ticket's rating form stores a rating once.
func TestPortalResolveConfirmAndRating(t *testing.T) {
	h := newHarness(t, "sqlite://"+t.TempDir()+"/t.db")
	h.account("rita", core.RoleRequester, "rita-password")
	rita := h.browser()
	rita.login("rita", "rita-password")
	page := openInPortal(t, rita, "Printer jam")
	id, _ := strconv.ParseInt(strings.TrimPrefix(page, "/portal/tickets/"), 10, 64)
	staff := core.Actor{User: core.UserRef{ID: "S1", Name: "sam"}, Role: core.RoleStaff, Workspace: wsSlack}
	resolve := func() {
		t.Helper()
		if _, err := h.svc.SetStatus(t.Context(), staff, id, core.StatusResolved, "cleared the jam"); err != nil {
			t.Fatal(err)
		}
	}
	status := func() core.Ticket {
		tk, _ := h.svc.Ticket(t.Context(), core.System(), id)
		return tk
	}

	resolve()
	r := rita.get(page)
	wantBody(t, r, "Yes, close it")
	wantBody(t, r, "No, I still need help")
	wantStatus(t, rita.post(page+"/reopen", url.Values{}), http.StatusSeeOther)
	if st := status().Status; st != core.StatusOpen {
		t.Fatalf("after No: %s", st)
	}
	resolve()
	rita.get(page)
	wantStatus(t, rita.post(page+"/close", url.Values{}), http.StatusSeeOther)
	tk := status()
	if tk.Status != core.StatusClosed || tk.CSATAskedAt == nil {
		t.Fatalf("after Yes: %+v", tk)
	}
	hist, _ := h.svc.History(t.Context(), core.System(), id)
	if last := hist[len(hist)-2]; last.Field != "status" || last.Actor.ID != "web:rita" {
		t.Errorf("the close was not the requester's: %+v", last)
	}
	r = rita.get(page)
	wantBody(t, r, `id="rating-form"`)
	wantStatus(t, rita.post(page+"/rating", url.Values{"score": {"9"}}), http.StatusBadRequest)
	wantStatus(t, rita.post(page+"/rating", url.Values{"score": {"5"}, "comment": {"fast"}}), http.StatusSeeOther)
	rt, err := h.svc.Rating(t.Context(), core.System(), id)
	if err != nil || rt.Score != 5 || rt.Comment != "fast" {
		t.Fatalf("rating = %+v, %v", rt, err)
	}
	r = rita.get(page)
	wantBody(t, r, "Your rating: <strong>5/5</strong>")
	if strings.Contains(string(r.body), `id="rating-form"`) {
		t.Error("the rating form is still offered after rating")
	}
}
