package browser_test

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ticketbot/ticketbot/adapters/slack/slacktest"
	"github.com/ticketbot/ticketbot/adapters/web"
	"github.com/ticketbot/ticketbot/core"
)

// TestPortal drives the requesters' portal in headless Chromium: a requester account signs in
// with a password, opens a ticket, sees the staff's reply from the Slack triage thread (and
// never their internal note), replies, closes it; the page fits a phone. Then a Slack user
// signs in with Slack through the fake provider and sees the tickets they opened with
// /ticket, not another user's.
func TestPortal(t *testing.T) {
	fake := slacktest.Start(t, slacktest.Options{Team: "T024BE7LD", TeamName: "Acme"})
	dbFile := t.TempDir() + "/t.db"
	h := newHarnessWith(t, "sqlite://"+dbFile, func(c *web.Config) {
		c.Slack = &web.SlackSignIn{ClientID: fake.ClientID(), ClientSecret: fake.ClientSecret(),
			APIURL: fake.APIURL(), HTTPClient: fake.Client()}
	})
	seedDemo(t, h, dbFile)
	ctx := context.Background()
	acme := core.Workspace{Platform: core.PlatformSlack, ExternalID: "T024BE7LD"}
	if _, err := h.accounts.Create(ctx, core.System(), core.NewAccount{Name: "rita", Role: core.RoleRequester,
		Workspace: acme, Password: []byte("rita-password")}); err != nil {
		t.Fatal(err)
	}
	// Sam answers in the ticket's Slack triage thread: as the Slack adapter writes it.
	sam := core.Actor{User: core.UserRef{ID: "U02SAM", Name: "Sam Ortiz"}, Role: core.RoleStaff, Workspace: acme}
	const secret = "INTERNAL: rita's account is on the watch list"

	c := startChrome(t, 1280, 820)
	base := h.ts.URL
	var ticket core.Ticket

	t.Run("a requester account signs in to the portal", func(t *testing.T) {
		c.do(t, "sign in",
			chromedp.Navigate(base+"/"),
			chromedp.WaitVisible(chromedp.ID("signin")),
			chromedp.SendKeys(chromedp.ID("username"), "rita"),
			chromedp.SendKeys(chromedp.ID("password"), "rita-password"),
			chromedp.Click(chromedp.ID("signin")),
			chromedp.WaitVisible(chromedp.ID("new-ticket")),
		)
		if got := c.text(t, "#me"); !strings.Contains(got, "rita") {
			t.Errorf("signed in as %q", got)
		}
		if html := c.html(t); strings.Contains(html, "Printer on floor 3") {
			t.Error("the portal lists someone else's ticket")
		}
	})
	t.Run("opens a ticket", func(t *testing.T) {
		c.do(t, "open",
			chromedp.Click(chromedp.ID("new-ticket")),
			chromedp.WaitVisible(chromedp.ID("new-title")),
			chromedp.SendKeys(chromedp.ID("new-title"), "Laptop battery drains overnight"),
			chromedp.SendKeys(chromedp.ID("new-description"), "It is at 100% in the evening and empty in the morning, lid closed."),
			chromedp.SetValue(chromedp.ID("new-priority"), "high"),
			chromedp.Click(chromedp.ID("open-ticket")),
			chromedp.WaitVisible(chromedp.ID("flash-opened")),
		)
		ts, err := h.svc.ListTickets(ctx, core.System(), core.ListFilter{Reporter: "web:rita"})
		if err != nil || len(ts) != 1 || ts[0].Priority != core.PriorityHigh || ts[0].Workspace != acme {
			t.Fatalf("rita's tickets: %+v, %v", ts, err)
		}
		ticket = ts[0]
	})
	t.Run("sees the staff reply and never the internal note", func(t *testing.T) {
		for _, m := range []core.MessageInput{
			{ExternalID: "1700000100.000100", Content: "Hi Rita, that sounds like the sleep setting. Which model is it?", Source: "slack"},
			{ExternalID: "1700000100.000200", Content: secret, Source: "slack", Internal: true},
		} {
			if _, _, err := h.svc.AddMessage(ctx, sam, ticket.ID, m); err != nil {
				t.Fatal(err)
			}
		}
		c.do(t, "reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("messages")))
		if got := c.text(t, "#messages"); !strings.Contains(got, "sleep setting") || !strings.Contains(got, "Sam Ortiz") {
			t.Errorf("conversation %q", got)
		}
		if strings.Contains(c.html(t), "watch list") {
			t.Fatal("the internal note is in the portal's HTML")
		}
	})
	t.Run("a staff reply and a status change arrive live, never the note, the draft stays", func(t *testing.T) {
		c.do(t, "stream open", chromedp.WaitReady(chromedp.CSS(`html[data-live-mode="sse"]`)))
		c.markPage(t)
		c.do(t, "start a reply", chromedp.SendKeys(chromedp.ID("reply"), "Draft: it is a"))
		for _, m := range []core.MessageInput{
			{ExternalID: "1700000100.000300", Content: secret + " (again)", Source: "slack", Internal: true},
			{ExternalID: "1700000100.000400", Content: "Thanks! Does it happen with the charger in?", Source: "slack"},
		} {
			if _, _, err := h.svc.AddMessage(ctx, sam, ticket.ID, m); err != nil {
				t.Fatal(err)
			}
		}
		ok, err := chromedp.Run(c.ctx, chromedp.Poll[bool](`document.getElementById("messages").textContent.includes("charger in")`))
		if err != nil || !ok {
			t.Fatalf("the reply never appeared: %v", err)
		}
		if _, err := h.svc.SetStatus(ctx, sam, ticket.ID, core.StatusWaiting, ""); err != nil {
			t.Fatal(err)
		}
		ok, err = chromedp.Run(c.ctx, chromedp.Poll[bool](`document.getElementById("ticket-facts").textContent.toLowerCase().includes("waiting") && document.getElementById("history").textContent.toLowerCase().includes("waiting")`))
		if err != nil || !ok {
			t.Fatalf("the status change never appeared: %v", err)
		}
		if strings.Contains(c.html(t), "watch list") {
			t.Fatal("the internal note reached the portal page")
		}
		if !c.samePage(t) {
			t.Error("the page was reloaded")
		}
		if st := c.live(t); st.Mode != "sse" || st.SSE == "" || st.Poll != "" {
			t.Errorf("live state %+v: want the stream (sse) and no polling", st)
		}
		if got, err := chromedp.Run(c.ctx, chromedp.Evaluate[string](`document.getElementById("reply").value`)); err != nil || got != "Draft: it is a" {
			t.Errorf("the reply box holds %q (%v), want the draft", got, err)
		}
		c.do(t, "clear the draft", chromedp.Evaluate[chromedp.Void](`document.getElementById("reply").value = ""`))
	})
	t.Run("replies", func(t *testing.T) {
		c.do(t, "reply",
			chromedp.SendKeys(chromedp.ID("reply"), "A ThinkPad X1, bought last spring."),
			chromedp.Click(chromedp.ID("send-reply")),
			chromedp.WaitVisible(chromedp.ID("flash-portal_reply")),
		)
		ms, err := h.svc.Messages(ctx, sam, ticket.ID)
		if err != nil || len(ms) != 5 || ms[4].Author.ID != "web:rita" || ms[4].Internal || ms[4].Content != "A ThinkPad X1, bought last spring." {
			t.Fatalf("messages %+v, %v", ms, err)
		}
		c.do(t, "scroll to top", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
		c.shot(t, "portal-desktop.png", docsFile(t, "portal-desktop.png"))
	})
	t.Run("fits a phone", func(t *testing.T) {
		c.do(t, "phone viewport", chromedp.EmulateViewport(390, 844), chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("messages")))
		width, err := chromedp.Run(c.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
		if err != nil {
			t.Fatal(err)
		}
		if width > 390 {
			t.Errorf("page is %dpx wide on a 390px screen", width)
		}
		c.shot(t, "portal-phone.png", docsFile(t, "portal-phone.png"))
		c.do(t, "desktop viewport", chromedp.EmulateViewport(1280, 820), chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("messages")))
	})
	t.Run("closes it", func(t *testing.T) {
		c.do(t, "close",
			chromedp.Click(chromedp.ID("close-ticket")),
			chromedp.WaitVisible(chromedp.ID("flash-portal_closed")),
			chromedp.WaitVisible(chromedp.ID("reopen-ticket")),
		)
		if got, _ := h.svc.Ticket(ctx, core.System(), ticket.ID); got.Status != core.StatusClosed {
			t.Errorf("status %s, want closed", got.Status)
		}
		c.do(t, "sign out", chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("flash-signed_out")))
	})
	t.Run("a Slack user signs in with Slack and sees their /ticket tickets only", func(t *testing.T) {
		var printer core.Ticket
		ts, _ := h.svc.ListTickets(ctx, core.System(), core.ListFilter{Reporter: "U02MAYA"})
		if len(ts) != 1 {
			t.Fatalf("Maya's tickets: %+v", ts)
		}
		printer = ts[0]
		if _, _, err := h.svc.AddMessage(ctx, sam, printer.ID, core.MessageInput{ExternalID: "1700000200.000100", Content: secret, Source: "slack", Internal: true}); err != nil {
			t.Fatal(err)
		}
		fake.SignInAs(slacktest.Grant{User: "U02MAYA", Name: "Maya Patel"})
		c.do(t, "sign in with Slack",
			chromedp.WaitVisible(chromedp.ID("signin-slack")),
			chromedp.Click(chromedp.ID("signin-slack")),
			chromedp.WaitVisible(chromedp.ID("tickets")),
		)
		list := c.text(t, "#tickets")
		if !strings.Contains(list, "Printer on floor 3") {
			t.Errorf("Maya's list lacks her ticket: %q", list)
		}
		for _, other := range []string{"VPN", "Payroll", "Laptop battery", "Role sync"} {
			if strings.Contains(list, other) {
				t.Errorf("Maya's list shows %q, someone else's ticket", other)
			}
		}
		if got := c.text(t, "#me"); !strings.Contains(got, "Maya Patel") || !strings.Contains(got, "Slack") {
			t.Errorf("signed in as %q", got)
		}
		c.do(t, "open the ticket",
			chromedp.Click(chromedp.CSS(`a[href="/portal/tickets/`+strconv.FormatInt(printer.ID, 10)+`"]`)),
			chromedp.WaitVisible(chromedp.ID("messages")),
		)
		if html := c.html(t); strings.Contains(html, "watch list") || !strings.Contains(html, "Tray 2 misfeed") {
			t.Error("the portal shows an internal note, or not the public conversation")
		}
	})
}

// docsFile is docs/NAME when the test runs with -update-screenshot, else "".
func docsFile(t *testing.T, name string) string {
	if !*updateScreenshot {
		return ""
	}
	return filepath.Join("..", "..", "..", "docs", name)
}
