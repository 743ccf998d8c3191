package web_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/core"
)

// staff is a staff member of wsSlack, as in the Slack triage thread.
var slackStaff = core.Actor{User: core.UserRef{ID: "USTAFF", Name: "Sam Staff"}, Role: core.RoleStaff, Workspace: wsSlack}

func ticketPath(id int64) string { return "/portal/tickets/" + strconv.FormatInt(id, 10) }

// openInPortal opens a ticket through the portal's form and returns its page path.
func openInPortal(t *testing.T, b *browser, title string) string {
	t.Helper()
	b.get("/portal/new")
	r := b.post("/portal/tickets", url.Values{"title": {title}, "description": {"it broke"}, "priority": {"high"}})
	wantStatus(t, r, http.StatusSeeOther)
	loc := r.header.Get("Location")
	if !strings.HasPrefix(loc, "/portal/tickets/") || !strings.HasSuffix(loc, "?done=opened") {
		t.Fatalf("after opening: Location %q", loc)
	}
	return strings.TrimSuffix(loc, "?done=opened")
}

func TestPortalRequesterSeesOwnTicketsAndPublicMessagesOnly(t *testing.T) {
	eachBackend(t, func(t *testing.T, dbURL string) {
		h := newHarness(t, dbURL)
		ctx := context.Background()
		h.account("rita", core.RoleRequester, "rita-password")
		h.account("rob", core.RoleRequester, "rob-password")
		rita, rob := h.browser(), h.browser()
		rita.login("rita", "rita-password")
		rob.login("rob", "rob-password")

		// The dashboard sends requesters to the portal.
		r := rita.get("/")
		wantStatus(t, r, http.StatusSeeOther)
		if loc := r.header.Get("Location"); loc != "/portal" {
			t.Fatalf("dashboard for a requester: Location %q, want /portal", loc)
		}

		page := openInPortal(t, rita, "Printer on fire")
		id, _ := strconv.ParseInt(strings.TrimPrefix(page, "/portal/tickets/"), 10, 64)
		tk, err := h.svc.Ticket(ctx, core.System(), id)
		if err != nil || tk.Reporter.ID != "web:rita" || tk.Workspace != wsSlack || tk.Priority != core.PriorityHigh {
			t.Fatalf("opened ticket = %+v, %v", tk, err)
		}
		other := h.open(wsSlack, "Someone else's VPN") // reported by U1

		if _, _, err := h.svc.AddMessage(ctx, slackStaff, id, core.MessageInput{ExternalID: "s1", Content: "Have you tried water?", Source: "slack", Deliver: true}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := h.svc.AddMessage(ctx, slackStaff, id, core.MessageInput{ExternalID: "s2", Content: "SECRET-NOTE rita is trouble", Source: "slack", Internal: true, Deliver: true}); err != nil {
			t.Fatal(err)
		}

		list := rita.get("/portal")
		wantStatus(t, list, http.StatusOK)
		wantBody(t, list, "Printer on fire")
		if bytes.Contains(list.body, []byte("Someone else")) {
			t.Fatalf("the portal list shows another person's ticket: %s", list.body)
		}
		tp := rita.get(page)
		wantStatus(t, tp, http.StatusOK)
		wantBody(t, tp, "Have you tried water?")
		wantBody(t, tp, "Sam Staff")
		// C1 (the triage channel's id) counts only as a word of its own: the form's random
		// nonce may contain those two letters.
		for _, leak := range []string{"SECRET-NOTE", "triage", `[^A-Za-z0-9_-]C1[^A-Za-z0-9_-]`} {
			if regexp.MustCompile(leak).Match(tp.body) {
				t.Fatalf("the portal's ticket page shows %q: %s", leak, tp.body)
			}
		}

		// Another person's ticket, by id, in the portal: not found.
		wantStatus(t, rita.get(ticketPath(other.ID)), http.StatusNotFound)
		wantStatus(t, rob.get(page), http.StatusNotFound)
		wantStatus(t, rob.post(page+"/messages", url.Values{"content": {"mine now"}, "nonce": {"nonce-nonce-nonce-1"}}), http.StatusNotFound)
		wantStatus(t, rob.post(page+"/close", url.Values{}), http.StatusNotFound)
		if list := rob.get("/portal?status=all"); bytes.Contains(list.body, []byte("Printer")) {
			t.Fatalf("rob's portal lists rita's ticket")
		}

		// Reply, close, reopen.
		rita.get(page)
		r = rita.post(page+"/messages", url.Values{"content": {"Water made it worse"}, "nonce": {"nonce-nonce-nonce-2"}})
		wantStatus(t, r, http.StatusSeeOther)
		msgs, _ := h.svc.Messages(ctx, slackStaff, id)
		if last := msgs[len(msgs)-1]; last.Content != "Water made it worse" || last.Author.ID != "web:rita" || last.Internal {
			t.Fatalf("portal reply stored as %+v", last)
		}
		wantStatus(t, rita.post(page+"/close", url.Values{}), http.StatusSeeOther)
		if tk, _ := h.svc.Ticket(ctx, core.System(), id); tk.Status != core.StatusClosed {
			t.Fatalf("after close: %s", tk.Status)
		}
		closed := rita.get(page)
		wantBody(t, closed, `id="reopen-ticket"`)
		wantBody(t, closed, "to Closed")
		wantStatus(t, rita.post(page+"/reopen", url.Values{}), http.StatusSeeOther)
		if tk, _ := h.svc.Ticket(ctx, core.System(), id); tk.Status != core.StatusOpen {
			t.Fatalf("after reopen: %s", tk.Status)
		}

		// Filters by status.
		wantBody(t, rita.get("/portal?status=open"), "Printer on fire")
		if r := rita.get("/portal?status=closed"); bytes.Contains(r.body, []byte("Printer on fire")) {
			t.Fatalf("status=closed lists an open ticket")
		}
		wantStatus(t, rita.get("/portal?status=bogus"), http.StatusBadRequest)
	})
}

func TestPortalFormsNeedCSRFAndASession(t *testing.T) {
	h := newHarness(t, backends()[0].url(t))
	h.account("rita", core.RoleRequester, "rita-password")
	anon := h.browser()
	r := anon.get("/portal")
	wantStatus(t, r, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != "/login?next=%2Fportal" {
		t.Fatalf("anonymous portal: Location %q", loc)
	}
	b := h.browser()
	b.login("rita", "rita-password")
	b.get("/portal/new")
	r = b.post("/portal/tickets", url.Values{"csrf": {"forged"}, "title": {"x"}})
	wantStatus(t, r, http.StatusForbidden)
	r = b.post("/portal/tickets", url.Values{"title": {"x"}}, "Sec-Fetch-Site", "cross-site")
	wantStatus(t, r, http.StatusForbidden)
	if ts, _ := h.svc.ListTickets(context.Background(), core.System(), core.ListFilter{}); len(ts) != 0 {
		t.Fatalf("a refused form opened %d tickets", len(ts))
	}
	// An empty title is refused with the form kept.
	r = b.post("/portal/tickets", url.Values{"title": {" "}, "description": {"kept text"}})
	wantStatus(t, r, http.StatusBadRequest)
	wantBody(t, r, "kept text")
	wantBody(t, r, `id="form-error"`)
}

func TestPortalSendsStaffAccountsToTheDashboard(t *testing.T) {
	h := newHarness(t, backends()[0].url(t))
	h.account("sam", core.RoleStaff, "sam-password")
	b := h.browser()
	b.login("sam", "sam-password")
	r := b.get("/portal")
	wantStatus(t, r, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != "/" {
		t.Fatalf("Location %q, want /", loc)
	}
}
