package web_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// apiTicket is the API's Ticket as a client reads it.
type apiTicket struct {
	ID          int64  `json:"id"`
	Workspace   string `json:"workspace"`
	Number      int64  `json:"number"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Status      string `json:"status"`
	StatusNote  string `json:"status_note"`
	Priority    string `json:"priority"`
	Reporter    *struct{ ID, Name string }
	Assignee    *struct{ ID, Name string }
	CreatedAt   string `json:"created_at"`
	UpdatedAt   string `json:"updated_at"`
}

type apiList struct {
	Tickets    []apiTicket `json:"tickets"`
	NextCursor string      `json:"next_cursor"`
}

type apiMessage struct {
	ID                         int64 `json:"id"`
	Author                     struct{ ID, Name string }
	Content, Source, CreatedAt string
}

// with returns a copy of h whose helpers report to t.
func (h *harness) with(t *testing.T) *harness {
	c := *h
	c.t = t
	return &c
}

// TestAPI runs every REST API behaviour against each database.
func TestAPI(t *testing.T) {
	eachBackend(t, func(t *testing.T, dbURL string) {
		h := newHarness(t, dbURL)
		for _, s := range []struct {
			name string
			fn   func(t *testing.T, h *harness)
		}{
			{"auth", testAPIAuth},
			{"list", testAPIList},
			{"get", testAPIGet},
			{"create", testAPICreate},
			{"patch", testAPIPatch},
			{"messages", testAPIMessages},
			{"routing", testAPIRouting},
			{"bodies", testAPIBodies},
		} {
			t.Run(s.name, func(t *testing.T) { s.fn(t, h.with(t)) })
		}
	})
}

func testAPIAuth(t *testing.T, h *harness) {
	tk := h.open(wsSlack, "auth probe")
	revoked := h.issue(core.NewToken{Name: "revoked-one"})
	if err := h.accounts.RevokeToken(context.Background(), core.System(), "revoked-one"); err != nil {
		t.Fatal(err)
	}
	routes := []struct{ method, path, body string }{
		{"GET", "/api/v1/tickets", ""},
		{"POST", "/api/v1/tickets", `{"workspace":"slack:T123","title":"x"}`},
		{"GET", fmt.Sprintf("/api/v1/tickets/%d", tk.ID), ""},
		{"PATCH", fmt.Sprintf("/api/v1/tickets/%d", tk.ID), `{"status":"closed"}`},
		{"GET", fmt.Sprintf("/api/v1/tickets/%d/messages", tk.ID), ""},
		{"POST", fmt.Sprintf("/api/v1/tickets/%d/messages", tk.ID), `{"content":"hi"}`},
	}
	bad := []struct{ name, header string }{
		{"missing token", ""},
		{"wrong scheme", "Basic " + h.token},
		{"malformed token", "Bearer not-a-token"},
		{"unknown token", "Bearer tbk_" + strings.Repeat("A", 43)},
		{"revoked token", "Bearer " + revoked},
		{"token with a changed character", "Bearer " + h.token[:len(h.token)-1] + flip(h.token[len(h.token)-1])},
	}
	for _, rt := range routes {
		for _, b := range bad {
			t.Run(b.name+" is refused on "+rt.method+" "+rt.path, func(t *testing.T) {
				var hdr []string
				if b.header != "" {
					hdr = []string{"Authorization", b.header}
				}
				r := h.with(t).api(rt.method, rt.path, "", rt.body, hdr...)
				wantStatus(t, r, http.StatusUnauthorized)
				if c := r.errorCode(t); c != "unauthorized" {
					t.Errorf("code %q, want unauthorized", c)
				}
				if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("WWW-Authenticate = %q", r.header.Get("WWW-Authenticate"))
				}
			})
		}
	}
	t.Run("nothing changes on refused writes", func(t *testing.T) {
		got, err := h.svc.Ticket(context.Background(), core.System(), tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != core.StatusOpen {
			t.Errorf("status %s after refused PATCH", got.Status)
		}
	})
	t.Run("valid token is accepted, lower-case scheme too", func(t *testing.T) {
		wantStatus(t, h.with(t).api("GET", "/api/v1/tickets", "-", ""), http.StatusOK)
		r := h.with(t).api("GET", "/api/v1/tickets", "", "", "Authorization", "bearer "+h.token)
		wantStatus(t, r, http.StatusOK)
	})
	t.Run("a token's name may be reused after revoking", func(t *testing.T) {
		again := h.issue(core.NewToken{Name: "revoked-one"})
		wantStatus(t, h.with(t).api("GET", "/api/v1/tickets", again, ""), http.StatusOK)
		wantStatus(t, h.with(t).api("GET", "/api/v1/tickets", revoked, ""), http.StatusUnauthorized)
	})
}

// rejectStatus is the status a refused request gets: 400 for a body that cannot be read
// (malformed, unknown fields, wrong types of the whole body), 422 for a value the document
// does not allow (the error names the field).
func rejectStatus(name string) int {
	for _, s := range []string{"malformed", "unknown field", "not an object", "trailing", "no body", "empty patch", "wrong type"} {
		if strings.Contains(name, s) && !strings.Contains(name, "assignee") {
			return http.StatusBadRequest
		}
	}
	return http.StatusUnprocessableEntity
}

func flip(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}

func testAPIList(t *testing.T, h *harness) {
	ws := core.Workspace{Platform: core.PlatformSlack, ExternalID: "TLIST"}
	other := core.Workspace{Platform: core.PlatformDiscord, ExternalID: "999"}
	var ids []int64
	for i := range 7 {
		ids = append(ids, h.open(ws, fmt.Sprintf("printer %d jammed", i)).ID)
	}
	h.open(other, "elsewhere")
	staff := core.Actor{User: core.UserRef{ID: "S1"}, Role: core.RoleStaff, Workspace: ws}
	if _, err := h.svc.Close(context.Background(), staff, ids[1], "done"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.SetStatus(context.Background(), staff, ids[2], core.StatusWaiting, ""); err != nil {
		t.Fatal(err)
	}
	slices.Reverse(ids) // newest first

	list := func(t *testing.T, query string) apiList {
		t.Helper()
		r := h.with(t).api("GET", "/api/v1/tickets?"+query, "-", "")
		wantStatus(t, r, http.StatusOK)
		var l apiList
		r.json(t, &l)
		return l
	}
	idsOf := func(l apiList) []int64 {
		var out []int64
		for _, tk := range l.Tickets {
			out = append(out, tk.ID)
		}
		return out
	}

	t.Run("filters by workspace, newest first", func(t *testing.T) {
		l := list(t, "workspace=slack:TLIST")
		if got := idsOf(l); !slices.Equal(got, ids) {
			t.Errorf("ids %v, want %v", got, ids)
		}
		if l.NextCursor != "" {
			t.Errorf("next_cursor %q on the only page", l.NextCursor)
		}
		if l.Tickets[0].Workspace != "slack:TLIST" {
			t.Errorf("workspace %q", l.Tickets[0].Workspace)
		}
	})
	t.Run("pages with next_cursor until the last page", func(t *testing.T) {
		var got []int64
		cursor, pages := "", 0
		for {
			l := list(t, "workspace=slack:TLIST&limit=3&cursor="+cursor)
			pages++
			got = append(got, idsOf(l)...)
			if l.NextCursor == "" {
				break
			}
			cursor = l.NextCursor
			if pages > 5 {
				t.Fatal("paging never ends")
			}
		}
		if !slices.Equal(got, ids) || pages != 3 {
			t.Errorf("paged ids %v in %d pages, want %v in 3", got, pages, ids)
		}
	})
	t.Run("a full last page has no next_cursor", func(t *testing.T) {
		l := list(t, "workspace=slack:TLIST&limit=7")
		if len(l.Tickets) != 7 || l.NextCursor != "" {
			t.Errorf("%d tickets, next_cursor %q", len(l.Tickets), l.NextCursor)
		}
	})
	t.Run("filters by status", func(t *testing.T) {
		for _, tc := range []struct {
			query string
			want  []int64
		}{
			{"status=closed", []int64{ids[5]}},
			{"status=waiting,closed", []int64{ids[4], ids[5]}},
			{"status=waiting&status=closed", []int64{ids[4], ids[5]}},
			{"status=all", ids},
			{"status=in-progress", nil},
		} {
			if got := idsOf(list(t, "workspace=slack:TLIST&"+tc.query)); !slices.Equal(got, tc.want) {
				t.Errorf("%s: ids %v, want %v", tc.query, got, tc.want)
			}
		}
	})
	t.Run("searches words", func(t *testing.T) {
		if got := idsOf(list(t, "workspace=slack:TLIST&q=PRINTER+jam")); len(got) != len(ids) {
			t.Errorf("ids %v, want all %d (every title has both words)", got, len(ids))
		}
		if got := idsOf(list(t, "workspace=slack:TLIST&q=toner")); len(got) != 0 {
			t.Errorf("ids %v, want none", got)
		}
		r := h.with(t).api("GET", "/api/v1/tickets?workspace=slack:TLIST&q=%25", "-", "")
		wantStatus(t, r, http.StatusBadRequest)
	})
	t.Run("without a workspace lists every workspace", func(t *testing.T) {
		l := list(t, "limit=100")
		seen := map[string]bool{}
		for _, tk := range l.Tickets {
			seen[tk.Workspace] = true
		}
		if !seen["slack:TLIST"] || !seen["discord:999"] {
			t.Errorf("workspaces %v", seen)
		}
	})
	t.Run("an empty result is an empty array", func(t *testing.T) {
		r := h.with(t).api("GET", "/api/v1/tickets?workspace=slack:TNONE", "-", "")
		wantBody(t, r, `"tickets":[]`)
	})
	t.Run("limit above 100 is taken as 100", func(t *testing.T) {
		wantStatus(t, h.with(t).api("GET", "/api/v1/tickets?limit=5000", "-", ""), http.StatusOK)
	})
	for _, tc := range []struct{ name, query string }{
		{"limit zero", "limit=0"},
		{"limit not a number", "limit=ten"},
		{"negative limit", "limit=-1"},
		{"cursor not base64", "cursor=%21%21"},
		{"cursor of junk", "cursor=aGVsbG8"},
		{"unknown status", "status=sleeping"},
		{"workspace without platform", "workspace=T123"},
		{"workspace of unknown platform", "workspace=teams:T1"},
	} {
		t.Run("rejects "+tc.name, func(t *testing.T) {
			r := h.with(t).api("GET", "/api/v1/tickets?"+tc.query, "-", "")
			wantStatus(t, r, http.StatusBadRequest)
			if c := r.errorCode(t); c != "invalid" {
				t.Errorf("code %q", c)
			}
		})
	}
}

func testAPIGet(t *testing.T, h *harness) {
	tk := h.open(wsDiscord, "VPN down")
	t.Run("returns every field", func(t *testing.T) {
		r := h.with(t).api("GET", fmt.Sprintf("/api/v1/tickets/%d", tk.ID), "-", "")
		wantStatus(t, r, http.StatusOK)
		var got apiTicket
		r.json(t, &got)
		if got.ID != tk.ID || got.Workspace != "discord:80351110224678912" || got.Number != tk.Number ||
			got.Title != "VPN down" || got.Description != "details of VPN down" || got.Status != "open" ||
			got.Priority != "normal" || got.Reporter == nil || got.Reporter.ID != "U1" || got.Assignee != nil {
			t.Errorf("ticket %+v", got)
		}
		for _, ts := range []string{got.CreatedAt, got.UpdatedAt} {
			if _, err := time.Parse(time.RFC3339, ts); err != nil {
				t.Errorf("time %q is not RFC 3339", ts)
			}
		}
		wantBody(t, r, `"assignee":null`)
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("Content-Type %q", ct)
		}
	})
	t.Run("unknown id is 404", func(t *testing.T) {
		r := h.with(t).api("GET", "/api/v1/tickets/999999", "-", "")
		wantStatus(t, r, http.StatusNotFound)
		if c := r.errorCode(t); c != "not_found" {
			t.Errorf("code %q", c)
		}
	})
	t.Run("only a canonical positive decimal id names a ticket; others are 404", func(t *testing.T) {
		for _, id := range []string{"abc", "-4", "0", "%2B" + fmt.Sprint(tk.ID), "0" + fmt.Sprint(tk.ID), fmt.Sprint(tk.ID) + ".0", "1e1", "99999999999999999999"} {
			r := h.with(t).api("GET", "/api/v1/tickets/"+id, "-", "")
			wantStatus(t, r, http.StatusNotFound)
			if c := r.errorCode(t); c != "not_found" {
				t.Errorf("%s: code %q", id, c)
			}
		}
		wantStatus(t, h.with(t).api("GET", fmt.Sprintf("/api/v1/tickets/%d", tk.ID), "-", ""), http.StatusOK)
	})
}

func testAPICreate(t *testing.T, h *harness) {
	h.drainEvents()
	t.Run("opens a ticket reported by the token", func(t *testing.T) {
		r := h.with(t).api("POST", "/api/v1/tickets", "-", `{"workspace":"slack:T123","title":"  Laptop won't boot ","description":"since Monday","priority":"high"}`)
		wantStatus(t, r, http.StatusCreated)
		var got apiTicket
		r.json(t, &got)
		if got.Title != "Laptop won't boot" || got.Priority != "high" || got.Status != "open" ||
			got.Reporter.ID != "api:tester" || got.Reporter.Name != "tester" || got.Workspace != "slack:T123" {
			t.Errorf("ticket %+v", got)
		}
		if loc := r.header.Get("Location"); loc != fmt.Sprintf("/api/v1/tickets/%d", got.ID) {
			t.Errorf("Location %q", loc)
		}
		evs := h.with(t).drainEvents()
		if len(evs) != 1 || evs[0].Kind != core.EventTicketOpened || evs[0].TicketID != got.ID {
			t.Errorf("events %+v, want one ticket.opened", evs)
		}
	})
	t.Run("priority defaults to normal", func(t *testing.T) {
		r := h.with(t).api("POST", "/api/v1/tickets", "-", `{"workspace":"discord:42","title":"hello"}`)
		wantStatus(t, r, http.StatusCreated)
		var got apiTicket
		r.json(t, &got)
		if got.Priority != "normal" || got.Number != 1 {
			t.Errorf("priority %q number %d", got.Priority, got.Number)
		}
	})
	for _, tc := range []struct{ name, body string }{
		{"missing workspace", `{"title":"x"}`},
		{"bad workspace", `{"workspace":"slack","title":"x"}`},
		{"empty title", `{"workspace":"slack:T123","title":"   "}`},
		{"title too long", `{"workspace":"slack:T123","title":"` + strings.Repeat("a", 121) + `"}`},
		{"unknown priority", `{"workspace":"slack:T123","title":"x","priority":"meh"}`},
		{"unknown field", `{"workspace":"slack:T123","title":"x","owner":"me"}`},
		{"field of the wrong type", `{"workspace":"slack:T123","title":5}`},
		{"malformed JSON", `{"workspace":"slack:T123",`},
		{"JSON that is not an object", `["slack:T123"]`},
		{"trailing data", `{"workspace":"slack:T123","title":"x"} {}`},
		{"no body", ``},
	} {
		t.Run("rejects "+tc.name, func(t *testing.T) {
			r := h.with(t).api("POST", "/api/v1/tickets", "-", tc.body)
			wantStatus(t, r, rejectStatus(tc.name))
			if c := r.errorCode(t); c != "invalid" {
				t.Errorf("code %q", c)
			}
		})
	}
	t.Run("refused requests open nothing", func(t *testing.T) {
		if evs := h.with(t).drainEvents(); len(evs) != 1 { // the "discord:42" ticket only
			t.Errorf("%d events", len(evs))
		}
	})
}

func testAPIPatch(t *testing.T, h *harness) {
	tk := h.open(wsSlack, "Patch me")
	path := fmt.Sprintf("/api/v1/tickets/%d", tk.ID)
	h.drainEvents()
	patch := func(t *testing.T, body string, want int) apiTicket {
		t.Helper()
		r := h.with(t).api("PATCH", path, "-", body)
		wantStatus(t, r, want)
		var got apiTicket
		if want == http.StatusOK {
			r.json(t, &got)
		}
		return got
	}
	t.Run("status change writes a ticket.changed event", func(t *testing.T) {
		got := patch(t, `{"status":"in_progress","note":"on it"}`, http.StatusOK)
		if got.Status != "in_progress" || got.StatusNote != "on it" {
			t.Errorf("ticket %+v", got)
		}
		evs := h.with(t).drainEvents()
		if len(evs) != 1 || evs[0].Kind != core.EventTicketChanged {
			t.Fatalf("events %+v", evs)
		}
		if st, ok := evs[0].StatusChanged(); !ok || st != core.StatusInProgress || evs[0].Actor.ID != "api:tester" {
			t.Errorf("event %+v", evs[0])
		}
	})
	t.Run("priority and assignee together", func(t *testing.T) {
		got := patch(t, `{"priority":"urgent","assignee":"U777"}`, http.StatusOK)
		if got.Priority != "urgent" || got.Assignee == nil || got.Assignee.ID != "U777" {
			t.Errorf("ticket %+v", got)
		}
		// One transaction: one event carrying both changes.
		if evs := h.with(t).drainEvents(); len(evs) != 1 || len(evs[0].Changes) != 2 {
			t.Errorf("events %+v, want one with two changes", evs)
		}
	})
	t.Run("a dashboard account as assignee gets its name", func(t *testing.T) {
		got := patch(t, `{"assignee":"web:Alice"}`, http.StatusOK)
		if got.Assignee == nil || got.Assignee.ID != "web:alice" || got.Assignee.Name != "alice" {
			t.Errorf("assignee %+v", got.Assignee)
		}
	})
	t.Run("null unassigns", func(t *testing.T) {
		if got := patch(t, `{"assignee":null}`, http.StatusOK); got.Assignee != nil {
			t.Errorf("assignee %+v", got.Assignee)
		}
	})
	t.Run("empty string unassigns too, and repeating it is harmless", func(t *testing.T) {
		patch(t, `{"assignee":"U1"}`, http.StatusOK)
		patch(t, `{"assignee":""}`, http.StatusOK)
		if got := patch(t, `{"assignee":""}`, http.StatusOK); got.Assignee != nil {
			t.Errorf("assignee %+v", got.Assignee)
		}
	})
	t.Run("setting the current value changes nothing", func(t *testing.T) {
		h.with(t).drainEvents()
		patch(t, `{"status":"in_progress","priority":"urgent"}`, http.StatusOK)
		if evs := h.with(t).drainEvents(); len(evs) != 0 {
			t.Errorf("%d events", len(evs))
		}
	})
	t.Run("a closed ticket must be reopened first: 409", func(t *testing.T) {
		patch(t, `{"status":"closed"}`, http.StatusOK)
		r := h.with(t).api("PATCH", path, "-", `{"status":"waiting"}`)
		wantStatus(t, r, http.StatusConflict)
		if c := r.errorCode(t); c != "conflict" {
			t.Errorf("code %q", c)
		}
		patch(t, `{"status":"open"}`, http.StatusOK)
	})
	for _, tc := range []struct{ name, body string }{
		{"an empty patch", `{}`},
		{"an unknown status", `{"status":"sleeping"}`},
		{"an empty priority", `{"priority":""}`},
		{"an unknown priority", `{"priority":"meh"}`},
		{"an assignee of the wrong type", `{"assignee":12}`},
		{"an assignee with spaces", `{"assignee":"a b"}`},
		{"a note without a status", `{"note":"why"}`},
		{"an unknown field", `{"title":"new"}`},
		{"malformed JSON", `{"status":`},
	} {
		t.Run("rejects "+tc.name, func(t *testing.T) {
			r := h.with(t).api("PATCH", path, "-", tc.body)
			wantStatus(t, r, rejectStatus(tc.name))
			if c := r.errorCode(t); c != "invalid" {
				t.Errorf("code %q", c)
			}
		})
	}
	t.Run("unknown ticket is 404", func(t *testing.T) {
		wantStatus(t, h.with(t).api("PATCH", "/api/v1/tickets/999999", "-", `{"status":"closed"}`), http.StatusNotFound)
	})
}

func testAPIMessages(t *testing.T, h *harness) {
	tk := h.open(wsSlack, "Talk to me")
	path := fmt.Sprintf("/api/v1/tickets/%d/messages", tk.ID)
	h.drainEvents()
	list := func(t *testing.T) []apiMessage {
		t.Helper()
		r := h.with(t).api("GET", path, "-", "")
		wantStatus(t, r, http.StatusOK)
		var out struct{ Messages []apiMessage }
		r.json(t, &out)
		return out.Messages
	}
	t.Run("a new ticket has an empty conversation", func(t *testing.T) {
		r := h.with(t).api("GET", path, "-", "")
		wantStatus(t, r, http.StatusOK)
		wantBody(t, r, `{"messages":[]}`)
	})
	var first apiMessage
	t.Run("posting stores the message and queues it for the thread", func(t *testing.T) {
		r := h.with(t).api("POST", path, "-", `{"content":"We are looking into it."}`)
		wantStatus(t, r, http.StatusCreated)
		r.json(t, &first)
		if first.Content != "We are looking into it." || first.Author.ID != "api:tester" || first.Source != "api" {
			t.Errorf("message %+v", first)
		}
		evs := h.with(t).drainEvents()
		if len(evs) != 1 || evs[0].Kind != core.EventMessageAdded || evs[0].MessageID != first.ID || evs[0].TicketID != tk.ID {
			t.Errorf("events %+v, want one message.added", evs)
		}
	})
	t.Run("two posts without a key are two messages", func(t *testing.T) {
		wantStatus(t, h.with(t).api("POST", path, "-", `{"content":"same"}`), http.StatusCreated)
		wantStatus(t, h.with(t).api("POST", path, "-", `{"content":"same"}`), http.StatusCreated)
		if n := len(list(t)); n != 3 {
			t.Errorf("%d messages, want 3", n)
		}
		h.with(t).drainEvents()
	})
	t.Run("a retry with the same Idempotency-Key stores and delivers once", func(t *testing.T) {
		r1 := h.with(t).api("POST", path, "-", `{"content":"once"}`, "Idempotency-Key", "req-42")
		wantStatus(t, r1, http.StatusCreated)
		r2 := h.with(t).api("POST", path, "-", `{"content":"once"}`, "Idempotency-Key", "req-42")
		wantStatus(t, r2, http.StatusOK)
		if r2.header.Get("Idempotent-Replayed") != "true" {
			t.Error("replay not marked")
		}
		var m1, m2 apiMessage
		r1.json(t, &m1)
		r2.json(t, &m2)
		if m1.ID != m2.ID {
			t.Errorf("ids %d and %d", m1.ID, m2.ID)
		}
		if evs := h.with(t).drainEvents(); len(evs) != 1 {
			t.Errorf("%d events, want 1", len(evs))
		}
	})
	t.Run("lists the conversation oldest first", func(t *testing.T) {
		ms := list(t)
		if len(ms) != 4 || ms[0].ID != first.ID || ms[3].Content != "once" {
			t.Errorf("messages %+v", ms)
		}
	})
	for _, tc := range []struct{ name, body, key string }{
		{"empty content", `{"content":"  "}`, ""},
		{"content too long", `{"content":"` + strings.Repeat("x", 4001) + `"}`, ""},
		{"unknown field", `{"content":"hi","attachments":[]}`, ""},
		{"an Idempotency-Key with spaces", `{"content":"hi"}`, "a b"},
		{"an Idempotency-Key too long", `{"content":"hi"}`, strings.Repeat("k", 256)},
	} {
		t.Run("rejects "+tc.name, func(t *testing.T) {
			var hdr []string
			if tc.key != "" {
				hdr = []string{"Idempotency-Key", tc.key}
			}
			r := h.with(t).api("POST", path, "-", tc.body, hdr...)
			wantStatus(t, r, rejectStatus(tc.name))
			if c := r.errorCode(t); c != "invalid" {
				t.Errorf("code %q", c)
			}
		})
	}
	t.Run("unknown ticket is 404", func(t *testing.T) {
		wantStatus(t, h.with(t).api("GET", "/api/v1/tickets/999999/messages", "-", ""), http.StatusNotFound)
		wantStatus(t, h.with(t).api("POST", "/api/v1/tickets/999999/messages", "-", `{"content":"hi"}`), http.StatusNotFound)
	})
}

func testAPIRouting(t *testing.T, h *harness) {
	t.Run("openapi.json needs no token", func(t *testing.T) {
		r := h.with(t).api("GET", "/api/v1/openapi.json", "", "")
		wantStatus(t, r, http.StatusOK)
		wantBody(t, r, `"openapi": "3.`)
	})
	t.Run("unknown API path is a JSON 404", func(t *testing.T) {
		r := h.with(t).api("GET", "/api/v1/nope", "-", "")
		wantStatus(t, r, http.StatusNotFound)
		if c := r.errorCode(t); c != "not_found" {
			t.Errorf("code %q", c)
		}
	})
	t.Run("wrong method is a JSON 405 with Allow", func(t *testing.T) {
		r := h.with(t).api("DELETE", "/api/v1/tickets/1", "-", "")
		wantStatus(t, r, http.StatusMethodNotAllowed)
		if c := r.errorCode(t); c != "method_not_allowed" {
			t.Errorf("code %q", c)
		}
		if a := r.header.Get("Allow"); a != "GET, HEAD, PATCH" {
			t.Errorf("Allow %q", a)
		}
	})
	t.Run("responses carry security headers", func(t *testing.T) {
		r := h.with(t).api("GET", "/api/v1/tickets", "-", "")
		if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("CSP %q", csp)
		}
		if r.header.Get("X-Content-Type-Options") != "nosniff" || r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("headers %v", r.header)
		}
	})
}

func testAPIBodies(t *testing.T, h *harness) {
	tk := h.open(wsSlack, "Big bodies")
	big := `{"content":"` + strings.Repeat("x", 70<<10) + `"}`
	for _, tc := range []struct{ method, path string }{
		{"POST", "/api/v1/tickets"},
		{"PATCH", fmt.Sprintf("/api/v1/tickets/%d", tk.ID)},
		{"POST", fmt.Sprintf("/api/v1/tickets/%d/messages", tk.ID)},
	} {
		t.Run("a body over 64 KiB is 413 on "+tc.method+" "+tc.path, func(t *testing.T) {
			r := h.with(t).api(tc.method, tc.path, "-", big)
			wantStatus(t, r, http.StatusRequestEntityTooLarge)
			if c := r.errorCode(t); c != "too_large" {
				t.Errorf("code %q", c)
			}
		})
	}
}
