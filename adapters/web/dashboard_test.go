package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/adapters/web"
	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
)

const (
	adminPass = "admin-password"
	staffPass = "staff-password"
)

// TestDashboard runs the dashboard's behaviours against each database.
func TestDashboard(t *testing.T) {
	eachBackend(t, func(t *testing.T, dbURL string) {
		h := newHarness(t, dbURL)
		h.account("root", core.RoleAdmin, adminPass)
		h.account("sam", core.RoleStaff, staffPass)
		for _, s := range []struct {
			name string
			fn   func(t *testing.T, h *harness)
		}{
			{"sign-in", testSignIn},
			{"list", testDashboardList},
			{"ticket", testDashboardTicket},
			{"forms", testDashboardForms},
			{"admin", testDashboardAdmin},
			{"accounts", testDashboardAccounts},
			{"own password", testOwnPassword},
			{"assets", testDashboardAssets},
		} {
			t.Run(s.name, func(t *testing.T) { s.fn(t, h.with(t)) })
		}
	})
}

func testSignIn(t *testing.T, h *harness) {
	t.Run("pages need a session and send the browser to /login", func(t *testing.T) {
		b := h.with(t).browser()
		r := b.get("/tickets/1?x=1")
		wantStatus(t, r, http.StatusSeeOther)
		if loc := r.header.Get("Location"); loc != "/login?next="+url.QueryEscape("/tickets/1?x=1") {
			t.Errorf("Location %q", loc)
		}
	})
	t.Run("the sign-in page has the contract's fields and a CSRF token", func(t *testing.T) {
		b := h.with(t).browser()
		r := b.get("/login")
		wantStatus(t, r, http.StatusOK)
		for _, s := range []string{`name="username"`, `name="password"`, `type="password"`, `name="csrf"`} {
			wantBody(t, r, s)
		}
		if b.csrf == "" {
			t.Error("no CSRF token")
		}
	})
	t.Run("unknown user and wrong password get the same answer", func(t *testing.T) {
		var bodies []string
		for _, tc := range []struct{ user, pass string }{{"root", "wrong-password"}, {"nobody", "wrong-password"}} {
			b := h.with(t).browser()
			b.get("/login")
			r := b.post("/login", url.Values{"username": {tc.user}, "password": {tc.pass}})
			wantStatus(t, r, http.StatusUnauthorized)
			wantBody(t, r, "Wrong username or password.")
			if r.header.Get("Set-Cookie") != "" && strings.Contains(r.header.Get("Set-Cookie"), "tb_session") {
				t.Error("a session was set")
			}
			bodies = append(bodies, strings.ReplaceAll(string(r.body), tc.user, ""))
		}
		if strip(bodies[0]) != strip(bodies[1]) {
			t.Error("the two answers differ")
		}
	})
	t.Run("a sign-in without the form's CSRF token is refused", func(t *testing.T) {
		b := h.with(t).browser()
		r := b.post("/login", url.Values{"username": {"root"}, "password": {adminPass}, "csrf": {"forged"}})
		wantStatus(t, r, http.StatusForbidden)
	})
	t.Run("a script may sign in with just username and password", func(t *testing.T) {
		b := h.with(t).browser()
		form := url.Values{"username": {"root"}, "password": {adminPass}}
		req, _ := http.NewRequest(http.MethodPost, h.ts.URL+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r := h.do(b.c, req)
		wantStatus(t, r, http.StatusSeeOther)
		if sessionCookie(r) == nil {
			t.Fatal("no session cookie")
		}
	})
	t.Run("a cross-site sign-in is refused", func(t *testing.T) {
		b := h.with(t).browser()
		b.get("/login")
		r := b.post("/login", url.Values{"username": {"root"}, "password": {adminPass}}, "Sec-Fetch-Site", "cross-site")
		wantStatus(t, r, http.StatusForbidden)
	})
	t.Run("signing in sets an HttpOnly SameSite=Lax session cookie and returns to next", func(t *testing.T) {
		b := h.with(t).browser()
		b.get("/login")
		r := b.post("/login", url.Values{"username": {"Root"}, "password": {adminPass}, "next": {"/tickets/7"}})
		wantStatus(t, r, http.StatusSeeOther)
		if loc := r.header.Get("Location"); loc != "/tickets/7" {
			t.Errorf("Location %q", loc)
		}
		c := sessionCookie(r)
		if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure || c.MaxAge != 3600 {
			t.Fatalf("cookie %+v", c)
		}
		wantStatus(t, b.get("/"), http.StatusOK)
	})
	t.Run("signing in again ends the previous session", func(t *testing.T) {
		b := h.with(t).browser()
		b.login("sam", staffPass)
		u, _ := url.Parse(h.ts.URL)
		first := b.c.Jar.Cookies(u)
		// As from a second tab whose sign-in form was loaded before the first sign-in.
		r := b.post("/login", url.Values{"username": {"sam"}, "password": {staffPass}, "csrf": {"second-tab-token"}},
			"Cookie", "tb_login=second-tab-token")
		wantStatus(t, r, http.StatusSeeOther)
		wantStatus(t, b.get("/"), http.StatusOK)
		b.c.Jar.SetCookies(u, first)
		wantStatus(t, b.get("/"), http.StatusSeeOther)
	})
	t.Run("next may not leave the site", func(t *testing.T) {
		for _, next := range []string{"https://evil.example/", "//evil.example/", "/\\evil.example"} {
			b := h.with(t).browser()
			b.get("/login")
			r := b.post("/login", url.Values{"username": {"sam"}, "password": {staffPass}, "next": {next}})
			if loc := r.header.Get("Location"); loc != "/" {
				t.Errorf("next %q: Location %q", next, loc)
			}
		}
	})
	t.Run("signing out ends the session on the server", func(t *testing.T) {
		b := h.with(t).browser()
		b.login("sam", staffPass)
		u, _ := url.Parse(h.ts.URL)
		old := b.c.Jar.Cookies(u)
		r := b.post("/logout", url.Values{})
		wantStatus(t, r, http.StatusSeeOther)
		if loc := r.header.Get("Location"); loc != "/login?done=signed_out" {
			t.Errorf("Location %q", loc)
		}
		wantBody(t, b.get("/login?done=signed_out"), "You are signed out.")
		b.c.Jar.SetCookies(u, old) // a stolen copy of the cookie is worthless now
		wantStatus(t, b.get("/"), http.StatusSeeOther)
	})
}

// strip drops the per-response CSRF token so two pages can be compared.
func strip(s string) string { return csrfField.ReplaceAllString(s, "") }

func sessionCookie(r response) *http.Cookie {
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if strings.HasSuffix(c.Name, "tb_session") && c.Value != "" {
			return c
		}
	}
	return nil
}

func TestSessions(t *testing.T) {
	clock := coretest.NewFakeClock(time.Now())
	h := newHarness(t, "sqlite://"+t.TempDir()+"/t.db", withClock(clock))
	h.account("sam", core.RoleStaff, staffPass)
	t.Run("a session expires after its TTL", func(t *testing.T) {
		b := h.with(t).browser()
		b.login("sam", staffPass)
		clock.Advance(59 * time.Minute)
		wantStatus(t, b.get("/"), http.StatusOK)
		clock.Advance(2 * time.Minute)
		wantStatus(t, b.get("/"), http.StatusSeeOther)
	})
	t.Run("a session works on every replica that shares the database", func(t *testing.T) {
		other, err := web.New(web.Config{Service: h.svc, Accounts: h.accounts, Throttle: h.throttle, Clock: clock})
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		other.Routes(mux)
		replica := newTestServer(t, mux)
		b := h.with(t).browser()
		b.login("sam", staffPass)
		u, _ := url.Parse(h.ts.URL)
		req, _ := http.NewRequest(http.MethodGet, replica.URL+"/", nil)
		for _, c := range b.c.Jar.Cookies(u) {
			req.AddCookie(c)
		}
		r := h.with(t).do(&http.Client{CheckRedirect: b.c.CheckRedirect}, req)
		wantStatus(t, r, http.StatusOK)
	})
	t.Run("deleting an account ends its sessions", func(t *testing.T) {
		h.account("temp", core.RoleStaff, staffPass)
		b := h.with(t).browser()
		b.login("temp", staffPass)
		if err := h.accounts.Delete(context.Background(), core.System(), "temp"); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, b.get("/"), http.StatusSeeOther)
	})
}

func TestSecureCookies(t *testing.T) {
	h := newHarness(t, "sqlite://"+t.TempDir()+"/t.db", withWeb(func(c *web.Config) { c.SecureCookies = true }))
	h.account("sam", core.RoleStaff, staffPass)
	b := h.browser()
	r := b.get("/login")
	if !strings.Contains(r.header.Get("Set-Cookie"), "__Host-tb_login=") || !strings.Contains(r.header.Get("Set-Cookie"), "Secure") {
		t.Errorf("login cookie %q", r.header.Get("Set-Cookie"))
	}
	if r.header.Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS header")
	}
	// The cookie jar will not send Secure cookies over plain HTTP, so post the token by hand.
	var tok string
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		tok = c.Value
	}
	r = b.post("/login", url.Values{"username": {"sam"}, "password": {staffPass}}, "Cookie", "__Host-tb_login="+tok)
	wantStatus(t, r, http.StatusSeeOther)
	c := sessionCookie(r)
	if c == nil || c.Name != "__Host-tb_session" || !c.Secure || !c.HttpOnly || c.Path != "/" || c.SameSite != http.SameSiteLaxMode {
		t.Errorf("session cookie %+v", c)
	}
}

func testDashboardList(t *testing.T, h *harness) {
	ws := core.Workspace{Platform: core.PlatformSlack, ExternalID: "TDASH"}
	var last core.Ticket
	for i := range 27 {
		last = h.open(ws, fmt.Sprintf("dash ticket %02d", i))
	}
	h.open(wsDiscord, "discord only ticket")
	staff := core.Actor{User: core.UserRef{ID: "S1"}, Role: core.RoleStaff, Workspace: ws}
	if _, err := h.svc.Close(context.Background(), staff, last.ID, ""); err != nil {
		t.Fatal(err)
	}
	b := h.browser()
	b.login("sam", staffPass)

	t.Run("lists active tickets with badges and pages of 25", func(t *testing.T) {
		r := b.get("/?workspace=slack:TDASH")
		wantStatus(t, r, http.StatusOK)
		wantBody(t, r, "dash ticket 25")
		wantBody(t, r, `class="badge st-open"`)
		wantBody(t, r, `class="badge pr-normal"`)
		wantBody(t, r, "just now")
		if strings.Contains(string(r.body), "dash ticket 26") {
			t.Error("closed ticket listed among active ones")
		}
		if n := strings.Count(string(r.body), `class="ticket-row"`); n != 25 {
			t.Errorf("%d rows, want 25", n)
		}
		wantBody(t, r, `id="older"`)
	})
	t.Run("the next page continues where the first ended", func(t *testing.T) {
		r := b.get("/?workspace=slack:TDASH")
		i := strings.Index(string(r.body), `href="/?cursor=`)
		if i < 0 {
			t.Fatalf("no next link")
		}
		link := string(r.body[i+6:])
		link = strings.ReplaceAll(link[:strings.Index(link, `"`)], "&amp;", "&")
		r = b.get(link)
		wantStatus(t, r, http.StatusOK)
		wantBody(t, r, "dash ticket 00")
		wantBody(t, r, "← First page")
		if n := strings.Count(string(r.body), `class="ticket-row"`); n != 1 {
			t.Errorf("%d rows, want 1", n)
		}
	})
	t.Run("filters by status", func(t *testing.T) {
		r := b.get("/?workspace=slack:TDASH&status=closed")
		wantBody(t, r, "dash ticket 26")
		if n := strings.Count(string(r.body), `class="ticket-row"`); n != 1 {
			t.Errorf("%d rows, want 1", n)
		}
	})
	t.Run("filters by workspace and offers known workspaces", func(t *testing.T) {
		r := b.get("/?workspace=discord:80351110224678912")
		wantBody(t, r, "discord only ticket")
		if strings.Contains(string(r.body), "dash ticket") {
			t.Error("other workspace listed")
		}
		wantBody(t, r, `<option value="slack:TDASH"`)
	})
	t.Run("searches words", func(t *testing.T) {
		r := b.get("/?q=nowhere")
		if n := strings.Count(string(r.body), `class="ticket-row"`); n != 0 {
			t.Errorf("%d rows, want 0", n)
		}
		r = b.get("/?q=DASH+ticket")
		if n := strings.Count(string(r.body), `class="ticket-row"`); n != 25 {
			t.Errorf("%d rows, want a full page", n)
		}
	})
	t.Run("an empty result says what to do", func(t *testing.T) {
		r := b.get("/?q=no-such-thing")
		wantStatus(t, r, http.StatusOK)
		wantBody(t, r, "No tickets match these filters")
	})
	t.Run("bad filters are a 400 page", func(t *testing.T) {
		wantStatus(t, b.get("/?status=sleeping"), http.StatusBadRequest)
		wantStatus(t, b.get("/?workspace=nope"), http.StatusBadRequest)
	})
}

func testDashboardTicket(t *testing.T, h *harness) {
	tk := h.open(wsSlack, `<script>alert("x")</script> broken`)
	if _, _, err := h.svc.AddMessage(context.Background(), requester(wsSlack, "U1"), tk.ID, core.MessageInput{
		ExternalID: "1700000000.0001", Content: "any news?\n<b>please</b>", Source: "slack"}); err != nil {
		t.Fatal(err)
	}
	b := h.browser()
	b.login("sam", staffPass)
	r := b.get(fmt.Sprintf("/tickets/%d", tk.ID))
	t.Run("shows fields, conversation and history", func(t *testing.T) {
		wantStatus(t, r, http.StatusOK)
		for _, s := range []string{"details of", "any news?", `class="src src-slack"`, "opened the ticket", "Slack · T123", `id="status-form"`, `id="reply-form"`} {
			wantBody(t, r, s)
		}
	})
	t.Run("escapes everything users wrote", func(t *testing.T) {
		if strings.Contains(string(r.body), "<script>alert") || strings.Contains(string(r.body), "<b>please") {
			t.Error("unescaped user text")
		}
		wantBody(t, r, "&lt;script&gt;")
	})
	t.Run("sets security headers and no inline script", func(t *testing.T) {
		if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("CSP %q", csp)
		}
		if r.header.Get("X-Frame-Options") != "DENY" || r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("headers %v", r.header)
		}
		if strings.Contains(string(r.body), "<script>") || strings.Contains(string(r.body), " onclick=") {
			t.Error("inline script in page")
		}
	})
	t.Run("unknown ticket is a 404 page", func(t *testing.T) {
		wantStatus(t, b.get("/tickets/999999"), http.StatusNotFound)
		wantStatus(t, b.get("/tickets/abc"), http.StatusNotFound)
	})
}

func testDashboardForms(t *testing.T, h *harness) {
	tk := h.open(wsSlack, "Form target")
	path := fmt.Sprintf("/tickets/%d", tk.ID)
	b := h.browser()
	b.login("sam", staffPass)
	b.get(path)
	h.drainEvents()

	t.Run("a form without the CSRF token is refused", func(t *testing.T) {
		r := b.post(path+"/status", url.Values{"status": {"closed"}, "csrf": {"forged"}})
		wantStatus(t, r, http.StatusForbidden)
		r = b.post(path+"/status", url.Values{"status": {"closed"}, "csrf": {""}})
		wantStatus(t, r, http.StatusForbidden)
	})
	t.Run("a cross-site form is refused", func(t *testing.T) {
		r := b.post(path+"/status", url.Values{"status": {"closed"}}, "Sec-Fetch-Site", "cross-site")
		wantStatus(t, r, http.StatusForbidden)
		if evs := h.with(t).drainEvents(); len(evs) != 0 {
			t.Errorf("refused forms wrote %d events", len(evs))
		}
	})
	t.Run("changing the status redirects back and reaches the outbox", func(t *testing.T) {
		r := b.post(path+"/status", url.Values{"status": {"in_progress"}, "note": {"looking"}})
		wantStatus(t, r, http.StatusSeeOther)
		if loc := r.header.Get("Location"); loc != path+"?done=status" {
			t.Errorf("Location %q", loc)
		}
		wantBody(t, b.get(path+"?done=status"), "Status updated.")
		evs := h.with(t).drainEvents()
		if len(evs) != 1 || evs[0].Actor.ID != "web:sam" {
			t.Fatalf("events %+v", evs)
		}
		if st, ok := evs[0].StatusChanged(); !ok || st != core.StatusInProgress {
			t.Errorf("event %+v", evs[0])
		}
	})
	t.Run("a refused change shows the reason and keeps the input", func(t *testing.T) {
		b.get(path)
		r := b.post(path+"/status", url.Values{"status": {"in_progress"}, "note": {"kept note"}})
		wantStatus(t, r, http.StatusConflict)
		wantBody(t, r, "already in_progress")
		wantBody(t, r, "kept note")
	})
	t.Run("priority and assignee forms", func(t *testing.T) {
		wantStatus(t, b.post(path+"/priority", url.Values{"priority": {"high"}}), http.StatusSeeOther)
		wantStatus(t, b.post(path+"/assignee", url.Values{"action": {"claim"}}), http.StatusSeeOther)
		got, _ := h.svc.Ticket(context.Background(), core.System(), tk.ID)
		if got.Priority != core.PriorityHigh || got.Assignee.ID != "web:sam" || got.Assignee.Name != "sam" {
			t.Errorf("ticket %+v", got)
		}
		wantStatus(t, b.post(path+"/assignee", url.Values{"action": {"assign"}, "assignee": {"U42"}}), http.StatusSeeOther)
		wantStatus(t, b.post(path+"/assignee", url.Values{"action": {"unassign"}}), http.StatusSeeOther)
		got, _ = h.svc.Ticket(context.Background(), core.System(), tk.ID)
		if !got.Assignee.IsZero() {
			t.Errorf("assignee %+v", got.Assignee)
		}
		wantStatus(t, b.post(path+"/assignee", url.Values{"action": {"assign"}, "assignee": {""}}), http.StatusBadRequest)
		h.with(t).drainEvents()
	})
	t.Run("a reply is stored once per form and queued for the thread", func(t *testing.T) {
		form := url.Values{"content": {"Rebooted the router."}, "nonce": {"n0nce-of-the-form-1"}}
		r := b.post(path+"/messages", form)
		wantStatus(t, r, http.StatusSeeOther)
		if loc := r.header.Get("Location"); !strings.HasPrefix(loc, path+"?done=reply#m") {
			t.Errorf("Location %q", loc)
		}
		r = b.post(path+"/messages", form) // double submit
		wantStatus(t, r, http.StatusSeeOther)
		ms, err := h.svc.Messages(context.Background(), core.System(), tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != 1 || ms[0].Source != "web" || ms[0].Author.ID != "web:sam" || ms[0].Content != "Rebooted the router." {
			t.Errorf("messages %+v", ms)
		}
		evs := h.with(t).drainEvents()
		if len(evs) != 1 || evs[0].Kind != core.EventMessageAdded || evs[0].MessageID != ms[0].ID {
			t.Errorf("events %+v", evs)
		}
		wantBody(t, b.get(path), "Rebooted the router.")
	})
	t.Run("an empty reply is refused with the reason", func(t *testing.T) {
		r := b.post(path+"/messages", url.Values{"content": {"  "}})
		wantStatus(t, r, http.StatusBadRequest)
		wantBody(t, r, "A message needs some text.")
	})
	t.Run("an oversized form is 413", func(t *testing.T) {
		r := b.post(path+"/messages", url.Values{"content": {strings.Repeat("x", 70<<10)}})
		wantStatus(t, r, http.StatusRequestEntityTooLarge)
	})
}

func testDashboardAdmin(t *testing.T, h *harness) {
	staff := h.browser()
	staff.login("sam", staffPass)
	admin := h.browser()
	admin.login("root", adminPass)

	t.Run("staff cannot see or use the admin pages", func(t *testing.T) {
		for _, p := range []string{"/admin/accounts", "/admin/tokens"} {
			wantStatus(t, staff.get(p), http.StatusForbidden)
		}
		wantStatus(t, staff.post("/admin/tokens", url.Values{"name": {"sneaky"}}), http.StatusForbidden)
		if strings.Contains(string(staff.get("/").body), "/admin/accounts") {
			t.Error("staff see the admin navigation")
		}
	})
	t.Run("admins create accounts that can sign in", func(t *testing.T) {
		admin.get("/admin/accounts")
		r := admin.post("/admin/accounts", url.Values{"name": {"newbie"}, "role": {"staff"}, "password": {"newbie-password"}})
		wantStatus(t, r, http.StatusSeeOther)
		wantBody(t, admin.get("/admin/accounts"), "newbie")
		h.with(t).browser().login("newbie", "newbie-password")
	})
	t.Run("a bad account form shows why", func(t *testing.T) {
		r := admin.post("/admin/accounts", url.Values{"name": {"newbie"}, "role": {"staff"}, "password": {"whatever-pass"}})
		wantStatus(t, r, http.StatusConflict)
		wantBody(t, r, "exists already")
		r = admin.post("/admin/accounts", url.Values{"name": {"shorty"}, "role": {"staff"}, "password": {"short"}})
		wantStatus(t, r, http.StatusBadRequest)
	})
	t.Run("admins delete accounts, but not their own", func(t *testing.T) {
		admin.get("/admin/accounts")
		wantStatus(t, admin.post("/admin/accounts/root/delete", url.Values{}), http.StatusConflict)
		wantStatus(t, admin.post("/admin/accounts/ROOT/delete", url.Values{}), http.StatusConflict)
		wantStatus(t, admin.post("/admin/accounts/newbie/delete", url.Values{}), http.StatusSeeOther)
		if _, err := h.store.AccountByName(context.Background(), "newbie"); !core.IsCode(err, core.ENotFound) {
			t.Errorf("err %v", err)
		}
	})
	var secret string
	t.Run("a new token is shown once and works against the API", func(t *testing.T) {
		admin.get("/admin/tokens")
		r := admin.post("/admin/tokens", url.Values{"name": {"zapier"}})
		wantStatus(t, r, http.StatusCreated)
		i := strings.Index(string(r.body), `id="token-secret">`)
		if i < 0 {
			t.Fatalf("secret not shown: %s", r.body)
		}
		secret = string(r.body[i+len(`id="token-secret">`):])
		secret = secret[:strings.Index(secret, "<")]
		wantStatus(t, h.with(t).api("GET", "/api/v1/tickets", secret, ""), http.StatusOK)
		if strings.Contains(string(admin.get("/admin/tokens").body), secret) {
			t.Error("secret shown again")
		}
	})
	t.Run("revoking a token locks it out", func(t *testing.T) {
		wantStatus(t, admin.post("/admin/tokens/zapier/revoke", url.Values{}), http.StatusSeeOther)
		wantStatus(t, h.with(t).api("GET", "/api/v1/tickets", secret, ""), http.StatusUnauthorized)
		wantStatus(t, admin.post("/admin/tokens/zapier/revoke", url.Values{}), http.StatusNotFound)
	})
}

func testDashboardAssets(t *testing.T, h *harness) {
	b := h.browser()
	t.Run("static files are served with their type", func(t *testing.T) {
		for path, ctype := range map[string]string{"/static/app.css": "text/css", "/static/app.js": "javascript", "/static/favicon.svg": "image/svg+xml"} {
			r := b.get(path)
			wantStatus(t, r, http.StatusOK)
			if !strings.Contains(r.header.Get("Content-Type"), ctype) {
				t.Errorf("%s: Content-Type %q", path, r.header.Get("Content-Type"))
			}
		}
	})
	t.Run("no directory listings or missing files", func(t *testing.T) {
		wantStatus(t, b.get("/static/"), http.StatusNotFound)
		wantStatus(t, b.get("/static/nope.css"), http.StatusNotFound)
	})
}
