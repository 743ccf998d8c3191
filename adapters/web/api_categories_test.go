package web_test

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const vpnCategory = `{"name":"VPN","description":"Remote access","questions":[
	{"label":"Which device?","kind":"short","required":true},
	{"label":"What happened?","kind":"long"},
	{"label":"Office","kind":"choice","options":["Berlin","Lisbon"]}]}`

// TestCategoriesAPI covers the categories collection, tickets opened with answers, and the
// category= filter, on both databases.
func TestCategoriesAPI(t *testing.T) {
	eachBackend(t, func(t *testing.T, dbURL string) {
		h := newHarness(t, dbURL)
		admin := h.issue(core.NewToken{Name: "admin", Scope: core.ScopeAdmin})
		bound := h.issue(core.NewToken{Name: "bound", Scope: core.ScopeAdmin, Workspace: wsDiscord})
		const coll = "/api/v1/workspaces/slack:T123/categories"
		var vpn struct {
			ID        int64
			Questions []core.Question
		}
		t.Run("admins create a category; questions get ids", func(t *testing.T) {
			wantStatus(t, h.with(t).api("POST", coll, "-", vpnCategory), http.StatusForbidden) // a write token is staff
			r := h.with(t).api("POST", coll, admin, vpnCategory)
			wantStatus(t, r, http.StatusCreated)
			r.json(t, &vpn)
			if vpn.ID == 0 || len(vpn.Questions) != 3 || vpn.Questions[0].ID != "q1" || vpn.Questions[2].ID != "q3" {
				t.Fatalf("created %s", r.body)
			}
			wantStatus(t, h.with(t).api("POST", coll, admin, `{"name":"vpn"}`), http.StatusConflict)
		})
		t.Run("bad categories are 422 naming the field; unknown fields 400", func(t *testing.T) {
			for _, tc := range []struct{ body, field string }{
				{`{"name":""}`, "name"},
				{`{"name":"X","questions":[{"label":"a"},{"label":"b"},{"label":"c"},{"label":"d"},{"label":"e"},{"label":"f"}]}`, "questions"},
				{`{"name":"X","questions":[{"label":"a","kind":"choice"}]}`, "questions[0].options"},
			} {
				r := h.with(t).api("POST", coll, admin, tc.body)
				wantStatus(t, r, http.StatusUnprocessableEntity)
				wantBody(t, r, `"field":"`+tc.field+`"`)
			}
			wantStatus(t, h.with(t).api("POST", coll, admin, `{"name":"X","colour":"red"}`), http.StatusBadRequest)
		})
		one := fmt.Sprintf("%s/%d", coll, vpn.ID)
		t.Run("list, get and patch", func(t *testing.T) {
			wantBody(t, h.with(t).api("GET", coll, "-", ""), `"name":"VPN"`)
			wantBody(t, h.with(t).api("GET", one, "-", ""), `"label":"Which device?"`)
			r := h.with(t).api("PATCH", one, admin, `{"description":"VPN and remote desktop"}`)
			wantStatus(t, r, http.StatusOK)
			wantBody(t, r, `"description":"VPN and remote desktop"`)
			wantBody(t, r, `"label":"Office"`)
		})
		t.Run("another workspace's token sees nothing", func(t *testing.T) {
			wantStatus(t, h.with(t).api("GET", coll, bound, ""), http.StatusNotFound)
			wantStatus(t, h.with(t).api("GET", fmt.Sprintf("/api/v1/workspaces/discord:80351110224678912/categories/%d", vpn.ID), bound, ""), http.StatusNotFound)
		})
		var tk struct {
			ID       int64
			Category struct {
				ID   int64
				Name string
			}
			Answers []core.Answer
		}
		t.Run("a ticket opened with answers keeps them", func(t *testing.T) {
			r := h.with(t).api("POST", "/api/v1/tickets", "-", fmt.Sprintf(`{"workspace":"slack:T123","title":"no vpn","category":%d,"answers":{"q2":"It hangs"}}`, vpn.ID))
			wantStatus(t, r, http.StatusUnprocessableEntity)
			wantBody(t, r, `"field":"answers.q1"`)
			r = h.with(t).api("POST", "/api/v1/tickets", "-", fmt.Sprintf(`{"workspace":"slack:T123","title":"no vpn","category":%d,"answers":{"q1":"ThinkPad","q3":"lisbon"}}`, vpn.ID))
			wantStatus(t, r, http.StatusCreated)
			r.json(t, &tk)
			if tk.Category.ID != vpn.ID || tk.Category.Name != "VPN" || len(tk.Answers) != 2 || tk.Answers[1].Value != "Lisbon" {
				t.Fatalf("ticket = %s", r.body)
			}
			wantBody(t, h.with(t).api("GET", fmt.Sprintf("/api/v1/tickets/%d", tk.ID), "-", ""), `"value":"ThinkPad"`)
		})
		t.Run("lists filter by category and search the answers", func(t *testing.T) {
			h.open(wsSlack, "another ticket")
			r := h.with(t).api("GET", fmt.Sprintf("/api/v1/tickets?category=%d", vpn.ID), "-", "")
			var out struct{ Tickets []struct{ ID int64 } }
			r.json(t, &out)
			if len(out.Tickets) != 1 || out.Tickets[0].ID != tk.ID {
				t.Errorf("category list = %s", r.body)
			}
			wantStatus(t, h.with(t).api("GET", "/api/v1/tickets?category=vpn", "-", ""), http.StatusUnprocessableEntity)
			wantBody(t, h.with(t).api("GET", "/api/v1/tickets?q=thinkpad", "-", ""), fmt.Sprintf(`"id":%d`, tk.ID))
		})
		t.Run("delete keeps the tickets' category name", func(t *testing.T) {
			wantStatus(t, h.with(t).api("DELETE", one, admin, ""), http.StatusNoContent)
			wantStatus(t, h.with(t).api("GET", one, admin, ""), http.StatusNotFound)
			wantBody(t, h.with(t).api("GET", fmt.Sprintf("/api/v1/tickets/%d", tk.ID), "-", ""), `"name":"VPN"`)
		})
	})
}

// TestTranscriptAPI: a ticket's transcript downloaded from the API matches the golden files,
// in each format, and internal notes are only in the staff variant.
func TestTranscriptAPI(t *testing.T) {
	at := time.Date(2026, 3, 6, 16, 30, 0, 0, time.UTC)
	clock := coretest.NewFakeClock(at)
	h := newHarness(t, "sqlite://"+t.TempDir()+"/t.db", withClock(clock))
	h.store.SetClock(clock)
	ctx := t.Context()
	admin := core.Actor{User: core.UserRef{ID: "UADMIN", Name: "Ada Admin"}, Role: core.RoleAdmin, Workspace: wsSlack}
	name := "Access <VPN>"
	qs := []core.Question{{Label: "Which device?", Required: true}, {Label: "Office", Kind: core.QuestionChoice, Options: []string{"Berlin", "Lisbon"}}}
	cat, err := h.svc.CreateCategory(ctx, admin, wsSlack, core.CategoryInput{Name: &name, Questions: &qs})
	if err != nil {
		t.Fatal(err)
	}
	req := requester(wsSlack, "U1")
	tk, err := h.svc.OpenTicket(ctx, req, core.OpenInput{Title: "VPN drops <script>alert(1)</script>", Description: "Since Monday *every* hour.\nSecond line & more.",
		CategoryID: cat.ID, Answers: map[string]string{"q1": "ThinkPad <X1>", "q2": "Lisbon"}})
	if err != nil {
		t.Fatal(err)
	}
	staff := core.Actor{User: core.UserRef{ID: "USTAFF", Name: "Sam Staff"}, Role: core.RoleStaff, Workspace: wsSlack}
	clock.Advance(time.Minute)
	for i, m := range []struct {
		who      core.Actor
		text     string
		internal bool
	}{
		{req, "It happens at home too. [link](javascript:x) <b>bold</b>", false},
		{staff, "Secret: the VPN gateway is being replaced", true},
		{staff, "Please update the client to 5.2 and try again.", false},
	} {
		if _, _, err := h.svc.AddMessage(ctx, m.who, tk.ID, core.MessageInput{ExternalID: fmt.Sprintf("m%d", i), Content: m.text,
			Internal: m.internal, Source: "api", Deliver: true}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
	}
	waiting := core.StatusResolved
	if _, err := h.svc.UpdateTicket(ctx, staff, tk.ID, core.TicketUpdate{Status: &waiting, Note: "client updated"}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	closed := core.StatusClosed
	if _, err := h.svc.UpdateTicket(ctx, req, tk.ID, core.TicketUpdate{Status: &closed}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.Rate(ctx, req, tk.ID, 5, "Quick & kind <3"); err != nil {
		t.Fatal(err)
	}
	admin2 := h.issue(core.NewToken{Name: "reader", Scope: core.ScopeRead})
	for _, f := range []string{"html", "md", "json"} {
		for _, variant := range []string{"staff", "requester"} {
			t.Run(f+"/"+variant, func(t *testing.T) {
				r := h.with(t).api("GET", fmt.Sprintf("/api/v1/tickets/%d/transcript?format=%s&variant=%s", tk.ID, f, variant), admin2, "")
				wantStatus(t, r, http.StatusOK)
				if cd := r.header.Get("Content-Disposition"); !strings.Contains(cd, fmt.Sprintf(`filename="ticket-slack-T123-%d.%s"`, tk.Number, f)) {
					t.Errorf("Content-Disposition = %q", cd)
				}
				body := string(r.body)
				if strings.Contains(body, "Secret: the VPN gateway") != (variant == "staff") {
					t.Errorf("internal note in the %s variant: %v", variant, !strings.Contains(body, "Secret"))
				}
				if !strings.Contains(body, "Quick") {
					t.Errorf("the %s transcript lacks the rating", f)
				}
				if f == "html" && (strings.Contains(body, "<script>") || strings.Contains(body, "<b>bold") || strings.Contains(body, "src=") || strings.Contains(body, "href=")) {
					t.Errorf("the HTML transcript has unescaped markup or external references")
				}
				golden(t, filepath.Join("testdata", "transcript_"+variant+"."+f), r.body)
			})
		}
	}
	t.Run("bad format is 422", func(t *testing.T) {
		wantStatus(t, h.with(t).api("GET", fmt.Sprintf("/api/v1/tickets/%d/transcript?format=pdf", tk.ID), admin2, ""), http.StatusUnprocessableEntity)
	})
}

// golden compares got with the file at path (rewriting it with -update).
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs from the golden file (run with -update to accept):\n%s", path, got)
	}
}
