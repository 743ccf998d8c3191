package browser_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ticketbot/ticketbot/core"
)

// TestBrowserReports: the reports page shows every figure as a table and a server-drawn
// chart (no script needed) with a CSV link each, on the demo helpdesk with replies and a
// rating. With -update-screenshot it writes docs/reports.png.
func TestBrowserReports(t *testing.T) {
	dbFile := t.TempDir() + "/t.db"
	h := newHarness(t, "sqlite://"+dbFile)
	h.account(t, "dana", core.RoleAdmin, "dana-password")
	seedDemo(t, h, dbFile)
	ctx := context.Background()
	dana := core.Actor{User: core.UserRef{ID: "web:dana", Name: "dana"}, Role: core.RoleStaff}
	tickets, err := h.svc.ListTickets(ctx, dana, core.ListFilter{Limit: 50, Statuses: core.Statuses()})
	if err != nil {
		t.Fatal(err)
	}
	for i, tk := range tickets {
		if _, _, err := h.svc.AddMessage(ctx, dana, tk.ID, core.MessageInput{ExternalID: "r" + tk.Title, Content: "Looking into it.", Source: "web"}); err != nil {
			t.Fatal(err)
		}
		if tk.Status == core.StatusClosed {
			if _, err := h.svc.Rate(ctx, core.Actor{User: tk.Reporter, Role: core.RoleRequester, Workspace: tk.Workspace}, tk.ID, 4+i%2, ""); err != nil {
				t.Fatal(err)
			}
		}
	}
	c := startChrome(t, 1280, 2200)
	signIn(t, c, h.ts.URL, "dana", "dana-password")
	c.do(t, "open the reports",
		chromedp.Navigate(h.ts.URL+"/reports"),
		chromedp.WaitVisible(chromedp.ID("report-times")),
	)
	for _, sec := range []struct{ id, want string }{
		{"report-days", "Opened and closed per day"},
		{"report-backlog-days", "Backlog by status over time"},
		{"report-times", "First response"},
		{"report-csat", "average over 1 rated of 1 asked"},
		{"report-assignees", "dana"},
		{"report-sla", "SLA attainment"},
	} {
		if got := c.text(t, "#"+sec.id); !strings.Contains(got, sec.want) {
			t.Errorf("#%s = %q, want it to say %q", sec.id, got, sec.want)
		}
	}
	n, err := chromedp.Run(c.ctx, chromedp.Evaluate[int](`document.querySelectorAll("main svg[role=img]").length`))
	if err != nil || n < 5 {
		t.Errorf("%d charts (%v), want one per figure", n, err)
	}
	links, err := chromedp.Run(c.ctx, chromedp.Evaluate[int](`document.querySelectorAll("a[href^='/reports/'][href*='.csv']").length`))
	if err != nil || links != 7 {
		t.Errorf("%d CSV links (%v), want 7", links, err)
	}
	scripts, err := chromedp.Run(c.ctx, chromedp.Evaluate[int](`[...document.scripts].filter(s => s.src && !s.src.startsWith(location.origin)).length`))
	if err != nil || scripts != 0 {
		t.Errorf("%d scripts from elsewhere (%v), want none", scripts, err)
	}
	c.shot(t, "reports.png", docsFile(t, "reports.png"))
}
