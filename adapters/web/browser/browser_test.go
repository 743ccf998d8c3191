package browser_test

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/libtnb/sqlite"

	"github.com/ticketbot/ticketbot/core"
)

var updateScreenshot = flag.Bool("update-screenshot", false, "also write the screenshots docs/dashboard.png and docs/dashboard-queue.png")

// chromium finds Debian's chromium; without it the browser test skips, or fails on CI.
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("TICKETBOT_CHROMIUM"), "/usr/bin/chromium", "chromium", "chromium-browser"} {
		if p == "" {
			continue
		}
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed (apt-get install chromium); CI needs the browser test")
	}
	t.Skip("chromium is not installed (apt-get install chromium)")
	return ""
}

// artifactsDir is where screenshots go: $TICKETBOT_ARTIFACTS, else a temporary directory.
func artifactsDir(t *testing.T) string {
	if d := os.Getenv("TICKETBOT_ARTIFACTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// seedDemo fills the store with tickets that look like a real helpdesk's.
func seedDemo(t *testing.T, h *harness, dbFile string) (printer core.Ticket) {
	t.Helper()
	ctx := context.Background()
	acme := core.Workspace{Platform: core.PlatformSlack, ExternalID: "T024BE7LD"}
	guild := core.Workspace{Platform: core.PlatformDiscord, ExternalID: "1029384756"}
	people := map[string]core.UserRef{
		"maya": {ID: "U02MAYA", Name: "Maya Patel"}, "tom": {ID: "U02TOM", Name: "Tom Becker"},
		"lee": {ID: "U02LEE", Name: "Lee Wong"}, "ana": {ID: "3141592653", Name: "ana_k"},
		"rob": {ID: "2718281828", Name: "robgames"},
	}
	type seed struct {
		ws        core.Workspace
		who, prio string
		title     string
		status    core.Status
		assignee  string
	}
	seeds := []seed{
		{acme, "tom", "low", "Request: second monitor for the design team", core.StatusClosed, ""},
		{guild, "rob", "normal", "Bot does not answer in #general", core.StatusResolved, "web:dana"},
		{acme, "lee", "high", "Cannot connect to the VPN from home", core.StatusInProgress, "web:dana"},
		{guild, "ana", "normal", "Role sync missing after server boost", core.StatusWaiting, ""},
		{acme, "tom", "urgent", "Payroll export fails with error 500", core.StatusOpen, "web:sam"},
		{acme, "lee", "normal", "New starter on Monday needs a laptop", core.StatusOpen, ""},
		{guild, "rob", "low", "Typo in the welcome message", core.StatusOpen, ""},
		{acme, "maya", "high", "Printer on floor 3 jams on every job", core.StatusOpen, ""},
	}
	// The names the chat adapters learn: the workspaces' and display names of people.
	h.learn(t, map[core.NameKey]string{
		core.WorkspaceKey(acme): "Acme Corp", core.WorkspaceKey(guild): "Gamers Guild",
		core.PersonKey(acme, "U02MAYA"): "Maya Patel", core.PersonKey(guild, "3141592653"): "Ana Kowalski",
		core.PersonKey(guild, "2718281828"): "Rob Games",
	})
	var ids []int64
	for _, s := range seeds {
		rep := people[s.who]
		actor := core.Actor{User: rep, Role: core.RoleRequester, Workspace: s.ws}
		tk, err := h.svc.OpenTicket(ctx, actor, core.OpenInput{Workspace: s.ws, Title: s.title, Priority: s.prio,
			Description: "Reported through /ticket.\nSteps to reproduce are in the thread."})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, tk.ID)
		staff := core.Actor{User: core.UserRef{ID: "web:dana", Name: "dana"}, Role: core.RoleStaff}
		if s.assignee != "" {
			name := strings.TrimPrefix(s.assignee, "web:")
			if _, err := h.svc.Assign(ctx, staff, tk.ID, core.UserRef{ID: s.assignee, Name: name}); err != nil {
				t.Fatal(err)
			}
		}
		if s.status != core.StatusOpen {
			if _, err := h.svc.SetStatus(ctx, staff, tk.ID, s.status, ""); err != nil {
				t.Fatal(err)
			}
		}
		if strings.HasPrefix(s.title, "Printer") {
			printer = tk
			for i, line := range []struct{ who, text string }{
				{"maya", "It started after the firmware update yesterday. Paper feeds halfway and stops."},
				{"tom", "Same here, floor 3 east side. The display says \"Tray 2 misfeed\"."},
			} {
				_, _, err := h.svc.AddMessage(ctx, core.Actor{User: people[line.who], Role: core.RoleStaff, Workspace: acme}, tk.ID,
					core.MessageInput{ExternalID: fmt.Sprintf("1700000000.00%d", i), Content: line.text, Source: "slack"})
				if err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	ageTickets(t, dbFile, ids)
	return printer
}

// ageTickets spreads the tickets' times over the last days, as in a helpdesk that has been
// running a while (the store stamps everything "now"; this writes the test's own database).
func ageTickets(t *testing.T, dbFile string, ids []int64) {
	t.Helper()
	db, err := sql.Open(sqlite.DriverName, dbFile)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Now().UTC()
	ages := []time.Duration{9 * 24 * time.Hour, 4 * 24 * time.Hour, 30 * time.Hour, 26 * time.Hour,
		5 * time.Hour, 3 * time.Hour, 50 * time.Minute, 12 * time.Minute}
	for i, id := range ids {
		created := now.Add(-ages[i%len(ages)])
		updated := created.Add(ages[i%len(ages)] / 3)
		if _, err := db.Exec("UPDATE tickets SET created_at = ?, updated_at = ? WHERE id = ?", created, updated, id); err != nil {
			t.Fatalf("age tickets: %v", err)
		}
	}
}

// TestBrowser drives the dashboard in a real headless Chromium: a wrong password, signing in,
// filtering the list, opening a ticket, changing its status, replying, signing out.
func TestBrowser(t *testing.T) {
	dbFile := t.TempDir() + "/t.db"
	h := newHarness(t, "sqlite://"+dbFile)
	h.account(t, "dana", core.RoleAdmin, "dana-password")
	printer := seedDemo(t, h, dbFile)

	c := startChrome(t, 1280, 820)
	ctx := c.ctx

	do := func(t *testing.T, what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(t *testing.T, sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	// clickNow clicks inside the page in one step: the queue's live refresh may swap the rows
	// and tabs between chromedp finding a node and clicking it.
	clickNow := func(t *testing.T, sel string) {
		t.Helper()
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(function () {
			var el = document.querySelector(%q);
			if (!el) { return false; }
			el.click();
			return true;
		})()`, sel)))
		if err != nil || !ok {
			t.Fatalf("click %s: found %v, %v", sel, ok, err)
		}
	}
	shot := func(t *testing.T, name string) []byte {
		t.Helper()
		b, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		if err := os.WriteFile(filepath.Join(c.dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot %s", filepath.Join(c.dir, name))
		return b
	}

	t.Run("a wrong password shows an error", func(t *testing.T) {
		do(t, "sign in wrongly",
			chromedp.Navigate(h.ts.URL+"/"),
			chromedp.WaitVisible(chromedp.ID("signin")),
			chromedp.SendKeys(chromedp.ID("username"), "dana"),
			chromedp.SendKeys(chromedp.ID("password"), "not-the-password"),
			chromedp.Click(chromedp.ID("signin")),
			chromedp.WaitVisible(chromedp.ID("login-error")),
		)
		if got := text(t, "#login-error"); got != "Wrong username or password." {
			t.Errorf("error %q", got)
		}
	})
	t.Run("signing in shows the ticket list", func(t *testing.T) {
		do(t, "sign in",
			chromedp.SetValue(chromedp.ID("username"), "dana"),
			chromedp.SendKeys(chromedp.ID("password"), "dana-password"),
			chromedp.Click(chromedp.ID("signin")),
			chromedp.WaitVisible(chromedp.ID("tickets")),
		)
		list := text(t, "#tickets")
		for _, s := range []string{"Printer on floor 3", "Role sync missing", "In progress", "Slack · Acme Corp", "Discord · Gamers Guild", "Ana Kowalski", "Rob Games"} {
			if !strings.Contains(list, s) {
				t.Errorf("list lacks %q", s)
			}
		}
		if strings.Contains(list, "second monitor") {
			t.Error("closed ticket in the default (active) list")
		}
		png := shot(t, "dashboard-list.png")
		if *updateScreenshot {
			vp, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
			if err != nil {
				t.Fatal(err)
			}
			if len(vp) == 0 {
				vp = png
			}
			docs := filepath.Join("..", "..", "..", "docs")
			if err := os.MkdirAll(docs, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(docs, "dashboard.png"), vp, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	})
	t.Run("the list fits a phone", func(t *testing.T) {
		do(t, "phone viewport", chromedp.EmulateViewport(390, 844), chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("tickets")))
		width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
		if err != nil {
			t.Fatal(err)
		}
		if width > 390 {
			t.Errorf("page is %dpx wide on a 390px screen", width)
		}
		shot(t, "dashboard-list-phone.png")
		do(t, "desktop viewport", chromedp.EmulateViewport(1280, 820), chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("tickets")))
	})
	t.Run("filtering by workspace and status", func(t *testing.T) {
		// The workspace is chosen by URL: a select's change submits the form at once (and a
		// click on Apply racing that navigation finds its node gone).
		do(t, "filter",
			chromedp.Navigate(h.ts.URL+"/?workspace=discord%3A1029384756"),
			chromedp.WaitReady(chromedp.CSS(`option[value="discord:1029384756"][selected]`)),
		)
		clickNow(t, `a[data-tab="all"]`)
		do(t, "all tab",
			chromedp.WaitReady(chromedp.CSS(`a.tab.active[data-tab="all"]`)),
			chromedp.WaitVisible(chromedp.ID("tickets")),
		)
		list := text(t, "#tickets")
		if !strings.Contains(list, "Bot does not answer") || strings.Contains(list, "Printer") {
			t.Errorf("filtered list: %q", list)
		}
		do(t, "search",
			chromedp.Navigate(h.ts.URL+"/?status=all"),
			chromedp.WaitVisible(chromedp.ID("q")),
			chromedp.SetValue(chromedp.ID("q"), "printer"),
			chromedp.Click(chromedp.ID("apply")),
			chromedp.WaitReady(chromedp.CSS(`input#q[value="printer"]`)),
		)
		if list := text(t, "#tickets"); !strings.Contains(list, "Printer") || strings.Contains(list, "VPN") {
			t.Errorf("searched list: %q", list)
		}
	})
	t.Run("the queue counts, sorts, changes in bulk and updates live", func(t *testing.T) {
		ctx0 := context.Background()
		dana := core.Actor{User: core.UserRef{ID: "web:dana", Name: "dana"}, Role: core.RoleAdmin}
		counts, err := h.svc.CountTickets(ctx0, dana, core.ListFilter{})
		if err != nil {
			t.Fatal(err)
		}
		do(t, "queue", chromedp.Navigate(h.ts.URL+"/"), chromedp.WaitVisible(chromedp.ID("tabs")))
		for _, st := range []core.Status{core.StatusOpen, core.StatusClosed} {
			if got, want := text(t, fmt.Sprintf(`[data-count="%s"]`, st)), fmt.Sprint(counts[st]); got != want {
				t.Errorf("%s tab shows %s, want %s", st, got, want)
			}
		}
		// Choosing a sort submits the form at once (data-autosubmit); a click on Apply as well
		// would race that navigation.
		do(t, "sort by priority",
			chromedp.SetValue(chromedp.ID("sort"), "priority"),
			chromedp.WaitReady(chromedp.CSS(`option[value="priority"][selected]`)),
		)
		first, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#ticket-rows tr [class*=pr-]").textContent.trim()`))
		if err != nil || !strings.Contains(strings.ToLower(first), "urgent") {
			t.Errorf("first row's priority %q (%v), want Urgent", first, err)
		}
		// The first row is ticked and its id read in one step inside the page: a live refresh
		// may swap the rows between two protocol calls (a node found, then gone when clicked),
		// but not while a box is ticked.
		firstID, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(function () {
			var row = document.querySelector("#ticket-rows tr");
			row.querySelector("input[type=checkbox]").click();
			return row.dataset.id;
		})()`))
		if err != nil {
			t.Fatal(err)
		}
		do(t, "bulk assign",
			chromedp.WaitReady(chromedp.CSS(`#ticket-rows tr:first-child input[type=checkbox]:checked`)),
			chromedp.SetValue(chromedp.ID("bulk-action"), "assign_me"),
			chromedp.Click(chromedp.ID("bulk-apply")),
			chromedp.WaitVisible(chromedp.ID("flash-bulk")),
		)
		var id int64
		fmt.Sscan(firstID, &id)
		if got, err := h.svc.Ticket(ctx0, dana, id); err != nil || got.Assignee.ID != "web:dana" {
			t.Errorf("after the bulk change ticket %d is assigned to %+v (%v)", id, got.Assignee, err)
		}
		if *updateScreenshot {
			vp, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join("..", "..", "..", "docs", "dashboard-queue.png"), vp, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		shot(t, "dashboard-queue.png")
		acme := core.Workspace{Platform: core.PlatformSlack, ExternalID: "T024BE7LD"}
		live, err := h.svc.OpenTicket(ctx0, core.Actor{User: core.UserRef{ID: "U02LIVE", Name: "Liv"}, Role: core.RoleRequester, Workspace: acme},
			core.OpenInput{Workspace: acme, Title: "Urgent: payroll export fails", Priority: "urgent"})
		if err != nil {
			t.Fatal(err)
		}
		do(t, "live update", chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`tr[data-id="%d"]`, live.ID))))
		do(t, "shortcuts: ? shows the help, j then o opens the first ticket",
			chromedp.KeyEvent("?"),
			chromedp.WaitVisible(chromedp.CSS(`#shortcuts[open] dl`)),
			chromedp.KeyEvent("j"),
			chromedp.WaitVisible(chromedp.CSS(`tr.ticket-row.focused`)),
			chromedp.KeyEvent("o"),
			chromedp.WaitVisible(chromedp.ID("ticket-title")),
		)
		if got := text(t, "#ticket-title"); got != live.Title {
			t.Errorf("o opened %q, want %q", got, live.Title)
		}
		do(t, "internal note with n and Ctrl+Enter",
			chromedp.KeyEvent("n"),
			chromedp.SendKeys(chromedp.ID("reply"), "Payroll team pinged, waiting on their export log."),
			chromedp.Click(chromedp.ID("send-note")),
			chromedp.WaitVisible(chromedp.ID("flash-note")),
			chromedp.WaitVisible(chromedp.CSS(`.message.internal .note-label`)),
		)
		ms, err := h.svc.Messages(ctx0, dana, live.ID)
		if err != nil || len(ms) != 1 || !ms[0].Internal {
			t.Errorf("messages %+v, %v; want one internal note", ms, err)
		}
	})
	t.Run("opening a ticket shows its conversation and history", func(t *testing.T) {
		do(t, "back to the list", chromedp.Navigate(h.ts.URL+"/?status=all"), chromedp.WaitVisible(chromedp.ID("tickets")))
		clickNow(t, fmt.Sprintf(`a[href="/tickets/%d"]`, printer.ID))
		do(t, "open ticket",
			chromedp.WaitVisible(chromedp.ID("ticket-title")),
		)
		if got := text(t, "#ticket-title"); got != printer.Title {
			t.Errorf("title %q", got)
		}
		if !strings.Contains(text(t, "#messages"), "Tray 2 misfeed") || !strings.Contains(text(t, "#history"), "opened the ticket") {
			t.Error("conversation or history missing")
		}
	})
	t.Run("changing the status", func(t *testing.T) {
		do(t, "change status",
			chromedp.SetValue(chromedp.ID("new-status"), "in_progress"),
			chromedp.SendKeys(chromedp.ID("status-note"), "Technician booked for 2 pm."),
			chromedp.Click(chromedp.ID("change-status")),
			chromedp.WaitVisible(chromedp.ID("flash-status")),
		)
		if got := text(t, "#ticket-badges"); !strings.Contains(got, "In progress") {
			t.Errorf("badges %q", got)
		}
		got, err := h.svc.Ticket(context.Background(), core.System(), printer.ID)
		if err != nil || got.Status != core.StatusInProgress || got.StatusNote != "Technician booked for 2 pm." {
			t.Errorf("ticket %+v, %v", got, err)
		}
	})
	t.Run("posting a reply", func(t *testing.T) {
		do(t, "reply",
			chromedp.SendKeys(chromedp.ID("reply"), "Thanks both — a technician is on the way. Please use the printer on floor 2 until then."),
			chromedp.Click(chromedp.ID("send-reply")),
			chromedp.WaitVisible(chromedp.ID("flash-reply")),
		)
		if !strings.Contains(text(t, "#messages"), "technician is on the way") {
			t.Error("reply not shown")
		}
		ms, err := h.svc.Messages(context.Background(), core.System(), printer.ID)
		if err != nil || len(ms) != 3 || ms[2].Source != "web" || ms[2].Author.ID != "web:dana" {
			t.Errorf("messages %+v, %v", ms, err)
		}
		do(t, "scroll to top", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
		shot(t, "dashboard-ticket.png")
	})
	t.Run("an admin creates an API token and sees it once", func(t *testing.T) {
		do(t, "create token",
			chromedp.Click(chromedp.CSS(`a[href="/admin/tokens"]`)),
			chromedp.WaitVisible(chromedp.ID("new-token-form")),
			chromedp.SendKeys(chromedp.CSS(`#new-token-form input[name="name"]`), "crm-sync"),
			chromedp.Submit(chromedp.CSS(`#new-token-form input[name="name"]`)),
			chromedp.WaitVisible(chromedp.ID("token-secret")),
		)
		secret := text(t, "#token-secret")
		if !strings.HasPrefix(secret, "tbk_") {
			t.Errorf("secret %q", secret)
		}
		if got := h.apiStatus(t, "/api/v1/tickets", secret); got != 200 {
			t.Errorf("GET /api/v1/tickets with the new token: status %d, want 200", got)
		}
		shot(t, "dashboard-tokens.png")
	})
	t.Run("signing out", func(t *testing.T) {
		do(t, "sign out",
			chromedp.Click(chromedp.ID("logout")),
			chromedp.WaitVisible(chromedp.ID("flash-signed_out")),
		)
		if got := text(t, "#flash-signed_out"); got != "You are signed out." {
			t.Errorf("flash %q", got)
		}
		do(t, "come back",
			chromedp.Navigate(h.ts.URL+"/"),
			chromedp.WaitVisible(chromedp.ID("signin")),
		)
	})
}
