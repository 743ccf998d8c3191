package browser_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ticketbot/ticketbot/adapters/web"
	"github.com/ticketbot/ticketbot/core"
)

// api sends a REST API request with token and returns the status and body.
func (h *harness) api(t *testing.T, method, path, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, h.ts.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// token issues an API token that may write in every workspace.
func (h *harness) token(t *testing.T, name string) string {
	t.Helper()
	_, secret, err := h.accounts.CreateToken(context.Background(), core.System(), core.NewToken{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// signIn signs dana in through the form and waits for the queue.
func signIn(t *testing.T, c *chrome, base, name, password string) {
	t.Helper()
	c.do(t, "sign in",
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.ID("signin")),
		chromedp.SendKeys(chromedp.ID("username"), name),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.ID("signin")),
		chromedp.WaitVisible(chromedp.ID("tabs")),
	)
}

// liveState is what the page says of its live updates: the path in use and how many
// refreshes each path caused.
type liveState struct {
	Mode, SSE, Poll string
}

func (c *chrome) live(t *testing.T) liveState {
	t.Helper()
	s, err := chromedp.Run(c.ctx, chromedp.Evaluate[string](`[document.documentElement.dataset.liveMode || "", document.documentElement.dataset.liveSse || "", document.documentElement.dataset.livePoll || ""].join("|")`))
	if err != nil {
		t.Fatal(err)
	}
	p := strings.Split(s, "|")
	return liveState{Mode: p[0], SSE: p[1], Poll: p[2]}
}

// markPage sets a flag in the page's window, which a reload would lose.
func (c *chrome) markPage(t *testing.T) {
	t.Helper()
	c.do(t, "mark the page", chromedp.Evaluate[chromedp.Void](`window.__sameDocument = true`))
}

func (c *chrome) samePage(t *testing.T) bool {
	t.Helper()
	ok, err := chromedp.Run(c.ctx, chromedp.Evaluate[bool](`window.__sameDocument === true`))
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// TestBrowserLive: changes made through the REST API reach an open queue and an open ticket
// through the event stream alone (no reload, no polling), without touching what the agent
// is typing; with live updates off the page polls instead.
func TestBrowserLive(t *testing.T) {
	dbFile := t.TempDir() + "/t.db"
	h := newHarness(t, "sqlite://"+dbFile)
	h.account(t, "dana", core.RoleAdmin, "dana-password")
	printer := seedDemo(t, h, dbFile)
	acme := core.Workspace{Platform: core.PlatformSlack, ExternalID: "T024BE7LD"}
	if err := h.store.SaveSettings(context.Background(), core.Settings{Workspace: acme, TriageChannel: "C1"}, core.System().User); err != nil {
		t.Fatal(err)
	}
	token := h.token(t, "live-test")
	c := startChrome(t, 1280, 820)
	signIn(t, c, h.ts.URL, "dana", "dana-password")

	t.Run("a ticket opened through the API appears in the queue through the stream", func(t *testing.T) {
		c.do(t, "stream open", chromedp.WaitReady(chromedp.CSS(`html[data-live-mode="sse"]`)))
		c.markPage(t)
		c.do(t, "type a search without applying it", chromedp.SendKeys(chromedp.ID("q"), "half-typed"))
		sent := time.Now()
		status, body := h.api(t, http.MethodPost, "/api/v1/tickets", token, `{"workspace":"slack:T024BE7LD","title":"Badge reader at the side door is dead","priority":"urgent"}`)
		if status != http.StatusCreated {
			t.Fatalf("POST /api/v1/tickets: %d %s", status, body)
		}
		c.do(t, "the row appears", chromedp.WaitVisible(chromedp.CSS(`#ticket-rows`)))
		ok, err := chromedp.Run(c.ctx, chromedp.Poll[bool](`Array.from(document.querySelectorAll("#ticket-rows .t-link")).some(a => a.textContent.includes("Badge reader"))`))
		if err != nil || !ok {
			t.Fatalf("the new ticket never appeared: %v", err)
		}
		t.Logf("the ticket appeared in the queue %v after the API request was sent", time.Since(sent))
		if !c.samePage(t) {
			t.Error("the page was reloaded")
		}
		if st := c.live(t); st.Mode != "sse" || st.SSE == "" || st.Poll != "" {
			t.Errorf("live state %+v: want the stream (sse) to have refreshed and polling never", st)
		}
		if got, err := chromedp.Run(c.ctx, chromedp.Evaluate[string](`document.getElementById("q").value`)); err != nil || got != "half-typed" {
			t.Errorf("the search box holds %q (%v)", got, err)
		}
	})
	t.Run("the first ticket of an empty queue appears through the stream", func(t *testing.T) {
		quiet := core.Workspace{Platform: core.PlatformSlack, ExternalID: "TQUIET"}
		if err := h.store.SaveSettings(context.Background(), core.Settings{Workspace: quiet, TriageChannel: "C1"}, core.System().User); err != nil {
			t.Fatal(err)
		}
		c.do(t, "an empty queue",
			chromedp.Navigate(h.ts.URL+"/?workspace=slack:TQUIET"),
			chromedp.WaitVisible(chromedp.ID("empty")),
			chromedp.WaitReady(chromedp.CSS(`html[data-live-mode="sse"]`)),
		)
		c.markPage(t)
		status, body := h.api(t, http.MethodPost, "/api/v1/tickets", token, `{"workspace":"slack:TQUIET","title":"First words from a quiet team"}`)
		if status != http.StatusCreated {
			t.Fatalf("POST /api/v1/tickets: %d %s", status, body)
		}
		c.do(t, "the list replaces the empty state", chromedp.WaitVisible(chromedp.CSS(`#ticket-rows tr.ticket-row`)))
		if got := c.text(t, "#ticket-rows"); !strings.Contains(got, "First words from a quiet team") {
			t.Errorf("rows %q", got)
		}
		if !c.samePage(t) {
			t.Error("the page was reloaded")
		}
		if st := c.live(t); st.Mode != "sse" || st.Poll != "" {
			t.Errorf("live state %+v", st)
		}
	})
	t.Run("a reply through the API appears on the open ticket, the draft stays", func(t *testing.T) {
		c.do(t, "open the ticket",
			chromedp.Navigate(fmt.Sprintf("%s/tickets/%d", h.ts.URL, printer.ID)),
			chromedp.WaitVisible(chromedp.ID("ticket-title")),
			chromedp.WaitReady(chromedp.CSS(`html[data-live-mode="sse"]`)),
		)
		c.markPage(t)
		c.do(t, "start a reply", chromedp.SendKeys(chromedp.ID("reply"), "Draft: I am on my way"))
		status, body := h.api(t, http.MethodPost, fmt.Sprintf("/api/v1/tickets/%d/messages", printer.ID), token, `{"content":"Facilities: the spare toner is in cabinet B."}`)
		if status != http.StatusCreated {
			t.Fatalf("POST messages: %d %s", status, body)
		}
		ok, err := chromedp.Run(c.ctx, chromedp.Poll[bool](`document.getElementById("messages") !== null && document.getElementById("messages").textContent.includes("cabinet B")`))
		if err != nil || !ok {
			t.Fatalf("the reply never appeared: %v", err)
		}
		if !c.samePage(t) {
			t.Error("the page was reloaded")
		}
		if st := c.live(t); st.Mode != "sse" || st.SSE == "" || st.Poll != "" {
			t.Errorf("live state %+v: want the stream (sse) and no polling", st)
		}
		draft, err := chromedp.Run(c.ctx, chromedp.Evaluate[string](`document.getElementById("reply").value + "|" + (document.activeElement && document.activeElement.id)`))
		if err != nil || draft != "Draft: I am on my way|reply" {
			t.Errorf("the composer holds %q (%v), want the draft, still focused", draft, err)
		}
	})
}

// TestBrowserSavedViews: the queue's filters saved as a named view come back with one click,
// marked as the current view; a view is renamed and deleted.
func TestBrowserSavedViews(t *testing.T) {
	dbFile := t.TempDir() + "/t.db"
	h := newHarness(t, "sqlite://"+dbFile)
	h.account(t, "dana", core.RoleAdmin, "dana-password")
	seedDemo(t, h, dbFile)
	c := startChrome(t, 1280, 820)
	signIn(t, c, h.ts.URL, "dana", "dana-password")
	c.do(t, "save urgent, unassigned as a view",
		chromedp.Navigate(h.ts.URL+"/?priority=high&assignee=none"),
		chromedp.WaitVisible(chromedp.ID("views")),
		chromedp.Click(chromedp.CSS(`#views-manage summary`)),
		chromedp.WaitVisible(chromedp.ID("view-name")),
		chromedp.SendKeys(chromedp.ID("view-name"), "High, nobody on it"),
		chromedp.Click(chromedp.ID("save-view-btn")),
		chromedp.WaitVisible(chromedp.ID("flash-view_saved")),
	)
	c.do(t, "go elsewhere, then back through the view",
		chromedp.Navigate(h.ts.URL+"/?status=all"),
		chromedp.WaitVisible(chromedp.CSS(`a.view-link`)),
	)
	if got := c.text(t, "a.view-link"); got != "High, nobody on it" {
		t.Errorf("view link %q", got)
	}
	c.do(t, "open the view",
		chromedp.Click(chromedp.CSS(`a.view-link`)),
		chromedp.WaitVisible(chromedp.CSS(`a.view-link.active[aria-current="page"]`)),
		chromedp.WaitReady(chromedp.CSS(`#priority option[value="high"][selected]`)),
		chromedp.WaitReady(chromedp.CSS(`#assignee option[value="none"][selected]`)),
	)
	if list := c.text(t, "#ticket-rows"); !strings.Contains(list, "Printer on floor 3") || strings.Contains(list, "VPN") {
		t.Errorf("the view's list: %q", list)
	}
	if *updateScreenshot {
		c.do(t, "show the views box", chromedp.Click(chromedp.CSS(`#views-manage summary`)), chromedp.WaitVisible(chromedp.ID("view-name")))
		c.shot(t, "dashboard-views.png", filepath.Join("..", "..", "..", "docs", "dashboard-views.png"))
	}
	c.do(t, "rename it",
		chromedp.Navigate(h.ts.URL+"/"),
		chromedp.Click(chromedp.CSS(`#views-manage summary`)),
		chromedp.SetValue(chromedp.CSS(`.view-row input[name="name"]`), "Urgent queue"),
		chromedp.Submit(chromedp.CSS(`.view-row input[name="name"]`)),
		chromedp.WaitVisible(chromedp.ID("flash-view_renamed")),
	)
	if got := c.text(t, "a.view-link"); got != "Urgent queue" {
		t.Errorf("renamed view link %q", got)
	}
	c.do(t, "delete it",
		chromedp.Evaluate[chromedp.Void](`window.confirm = function () { return true; }`),
		chromedp.Click(chromedp.CSS(`#views-manage summary`)),
		chromedp.Click(chromedp.CSS(`.view-row form[action$="/delete"] button`)),
		chromedp.WaitVisible(chromedp.ID("flash-view_deleted")),
	)
	if n, err := chromedp.Run(c.ctx, chromedp.Evaluate[int](`document.querySelectorAll("a.view-link").length`)); err != nil || n != 0 {
		t.Errorf("%d view links after deleting (%v)", n, err)
	}
}

// TestBrowserLivePolls: without live updates the dashboard offers no stream and the queue
// still updates, by polling.
func TestBrowserLivePolls(t *testing.T) {
	dbFile := t.TempDir() + "/t.db"
	h := newHarnessWith(t, "sqlite://"+dbFile, func(c *web.Config) { c.Live = nil })
	h.account(t, "dana", core.RoleAdmin, "dana-password")
	seedDemo(t, h, dbFile)
	c := startChrome(t, 1280, 820)
	signIn(t, c, h.ts.URL, "dana", "dana-password")
	c.markPage(t)
	acme := core.Workspace{Platform: core.PlatformSlack, ExternalID: "T024BE7LD"}
	tk, err := h.svc.OpenTicket(context.Background(), core.Actor{User: core.UserRef{ID: "U02LIVE"}, Role: core.RoleRequester, Workspace: acme},
		core.OpenInput{Workspace: acme, Title: "Polled into view"})
	if err != nil {
		t.Fatal(err)
	}
	c.do(t, "the row appears", chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`tr[data-id="%d"]`, tk.ID))))
	if st := c.live(t); st.Mode != "poll" || st.Poll == "" || st.SSE != "" {
		t.Errorf("live state %+v: want polling", st)
	}
	if !c.samePage(t) {
		t.Error("the page was reloaded")
	}
}
