package browser_test

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ticketbot/ticketbot/core"
)

// axeSource is axe-core (testdata/axe, MPL-2.0), injected into the page under test.
//
//go:embed testdata/axe/axe.min.js
var axeSource string

// axeResult is the part of axe.run's result the test reads.
type axeResult struct {
	Violations []axeRule `json:"violations"`
	Incomplete []axeRule `json:"incomplete"`
}

// axeRule is one rule's findings.
type axeRule struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target         []any  `json:"target"`
		FailureSummary string `json:"failureSummary"`
	} `json:"nodes"`
}

// axeCheck runs axe-core's WCAG 2.1 A and AA rules (and its best practices) on the page as it
// is and fails the test on every serious or critical finding (moderate and minor ones are
// logged).
func (c *chrome) axeCheck(t *testing.T, page string) {
	t.Helper()
	res := c.axeRun(t, page)
	for _, v := range res.Incomplete {
		t.Logf("%s: axe could not decide %s (%s) on %d elements", page, v.ID, v.Impact, len(v.Nodes))
	}
	for _, v := range res.Violations {
		var where []string
		for _, n := range v.Nodes {
			where = append(where, fmt.Sprintf("%v: %s", n.Target, strings.ReplaceAll(n.FailureSummary, "\n", " ")))
		}
		msg := fmt.Sprintf("%s: axe %s (%s) %s\n  %s", page, v.ID, v.Impact, v.Help, strings.Join(where, "\n  "))
		if v.Impact == "serious" || v.Impact == "critical" {
			t.Error(msg)
		} else {
			t.Log(msg)
		}
	}
}

// axeRun injects axe-core into the page and returns what it found.
func (c *chrome) axeRun(t *testing.T, page string) axeResult {
	t.Helper()
	if _, err := chromedp.Run(c.ctx, chromedp.Evaluate[bool](axeSource+";\ntrue")); err != nil {
		t.Fatalf("%s: inject axe-core: %v", page, err)
	}
	raw, err := chromedp.Run(c.ctx, chromedp.Evaluate[string](`axe.run(document, {
		runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
		resultTypes: ["violations", "incomplete"]
	}).then(function (r) { return JSON.stringify(r); })`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: axe.run: %v", page, err)
	}
	var res axeResult
	if err := json.Unmarshal([]byte(raw), &res); err != nil {
		t.Fatalf("%s: axe result: %v", page, err)
	}
	return res
}

// TestBrowserAccessibility runs axe-core on the sign-in page, the dashboard's queue (with a
// saved view), a ticket, the tokens page and the requesters' portal (list, new ticket, a
// ticket), on a desktop and a phone screen.
func TestBrowserAccessibility(t *testing.T) {
	dbFile := t.TempDir() + "/t.db"
	h := newHarness(t, "sqlite://"+dbFile)
	h.account(t, "dana", core.RoleAdmin, "dana-password")
	printer := seedDemo(t, h, dbFile)
	ctx := context.Background()
	acme := core.Workspace{Platform: core.PlatformSlack, ExternalID: "T024BE7LD"}
	if _, err := h.accounts.Create(ctx, core.System(), core.NewAccount{Name: "rita", Role: core.RoleRequester, Workspace: acme, Password: []byte("rita-password")}); err != nil {
		t.Fatal(err)
	}
	rita := core.Actor{User: core.UserRef{ID: "web:rita", Name: "rita"}, Role: core.RoleRequester, Workspace: acme}
	mine, err := h.svc.OpenTicket(ctx, rita, core.OpenInput{Workspace: acme, Title: "Laptop battery drains overnight", Description: "Lid closed, 100% to 0%."})
	if err != nil {
		t.Fatal(err)
	}
	c := startChrome(t, 1280, 820)
	t.Run("axe finds what it must", func(t *testing.T) {
		// The check itself is checked: faint text, a field without a label and a link told
		// apart by colour alone, planted in a page, are each found.
		c.do(t, "plant", chromedp.Navigate(h.ts.URL+"/login"), chromedp.WaitVisible(chromedp.ID("signin")),
			// Styles set through the CSSOM: the pages' CSP refuses style attributes.
			chromedp.Evaluate[chromedp.Void](`(function () {
				var main = document.querySelector("main");
				main.insertAdjacentHTML("beforeend", '<p id="faint">faint words</p><input type="text"><p id="para">Read the notes of <a href="/x" id="plain">this ticket</a> before you answer the requester.</p>');
				var faint = document.getElementById("faint");
				faint.style.color = "#bbb"; faint.style.background = "#fff";
				var para = document.getElementById("para");
				para.style.color = "#000"; para.style.background = "#fff";
				var a = document.getElementById("plain");
				a.style.color = "#303030"; a.style.textDecoration = "none";
			})()`))
		found := map[string]bool{}
		for _, v := range c.axeRun(t, "planted").Violations {
			found[v.ID] = true
		}
		for _, id := range []string{"color-contrast", "label", "link-in-text-block"} {
			if !found[id] {
				t.Errorf("axe did not report %s; found %v", id, found)
			}
		}
	})
	check := func(t *testing.T, name, path, ready string) {
		t.Helper()
		c.do(t, "open "+path, chromedp.Navigate(h.ts.URL+path), chromedp.WaitVisible(chromedp.CSS(ready)))
		c.axeCheck(t, name)
	}
	for _, size := range []struct {
		name string
		w, h int64
	}{{"desktop", 1280, 820}, {"phone", 390, 844}} {
		t.Run(size.name, func(t *testing.T) {
			c.do(t, "viewport", chromedp.EmulateViewport(size.w, size.h))
			check(t, "sign-in page", "/login", "#signin")
			signIn(t, c, h.ts.URL, "dana", "dana-password")
			c.do(t, "save a view",
				chromedp.Navigate(h.ts.URL+"/?priority=high"),
				chromedp.Click(chromedp.CSS(`#views-manage summary`)),
				chromedp.SendKeys(chromedp.ID("view-name"), "High "+size.name),
				chromedp.Click(chromedp.ID("save-view-btn")),
				chromedp.WaitVisible(chromedp.ID("flash-view_saved")),
				chromedp.Click(chromedp.CSS(`#views-manage summary`)),
			)
			c.axeCheck(t, "queue with a saved view and its box open")
			check(t, "queue", "/?status=all", "#tickets")
			check(t, "ticket", fmt.Sprintf("/tickets/%d", printer.ID), "#ticket-title")
			check(t, "tokens", "/admin/tokens", "#new-token-form")
			c.do(t, "sign out", chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("signin")))
			signInPortal(t, c, h.ts.URL)
			check(t, "portal list", "/portal", "#new-ticket")
			check(t, "portal new ticket", "/portal/new", "#new-title")
			check(t, "portal ticket", fmt.Sprintf("/portal/tickets/%d", mine.ID), "#ticket-title")
			c.do(t, "sign out", chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("signin")))
		})
	}
}

func signInPortal(t *testing.T, c *chrome, base string) {
	t.Helper()
	c.do(t, "sign in to the portal",
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.ID("signin")),
		chromedp.SendKeys(chromedp.ID("username"), "rita"),
		chromedp.SendKeys(chromedp.ID("password"), "rita-password"),
		chromedp.Click(chromedp.ID("signin")),
		chromedp.WaitVisible(chromedp.ID("new-ticket")),
	)
}
