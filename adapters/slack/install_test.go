package slack_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/adapters/slack"
	"github.com/ticketbot/ticketbot/adapters/slack/slacktest"
	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/gormstore"
)

// The second workspace, which installs the app through OAuth.
const (
	team2     = "T2BETA"
	helpdesk2 = "CHELP2"
	publicURL = "https://helpdesk.example.com"
)

// installStack is a stack whose adapter also serves installs: the stack's own team uses
// SLACK_BOT_TOKEN, team2 installs the app through /slack/install.
type installStack struct {
	*stack
	installs *core.Installs
}

func newInstallStack(t *testing.T) *installStack {
	t.Helper()
	is := &installStack{}
	s := newStack(t, backends()[0], stackOptions{configure: func(c *slack.Config, st *gormstore.Store, state core.StateStore) {
		sealer, err := core.NewSealer(bytes.Repeat([]byte{7}, core.SecretKeySize))
		if err != nil {
			t.Fatal(err)
		}
		if is.installs, err = core.NewInstalls(core.InstallsConfig{Store: st, Sealer: sealer, State: state}); err != nil {
			t.Fatal(err)
		}
		c.Installs, c.PublicURL = is.installs, publicURL
		c.ClientID, c.ClientSecret = "111.222", "slacktest-client-secret" // the fake's defaults
	}})
	is.stack = s
	s.fake.AddChannel(slacktest.Channel{ID: helpdesk2, Name: "beta-helpdesk", Private: true,
		Members: []string{admin, staff, slacktest.BotUserID}})
	return is
}

// noRedirect is a client that shows redirects instead of following them.
var noRedirect = &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
	return http.ErrUseLastResponse
}}

func get(t *testing.T, u string, cookies ...*http.Cookie) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// install runs the OAuth install of team2 as a browser would and returns the callback URL
// (on the stack's server) and the cookie that started it.
func (s *installStack) startInstall(t *testing.T) (string, *http.Cookie) {
	t.Helper()
	resp, _ := get(t, s.srv.URL+slack.PathInstall)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("/slack/install answered %d", resp.StatusCode)
	}
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if !strings.HasPrefix(loc.String(), s.fake.InstallURL()+"?") {
		t.Fatalf("/slack/install redirects to %s, not Slack's install page %s", loc, s.fake.InstallURL())
	}
	q := loc.Query()
	if q.Get("redirect_uri") != publicURL+slack.PathInstallCallback || len(q.Get("state")) < 32 ||
		q.Get("scope") != strings.Join(slack.RequiredScopes(), ",") {
		t.Fatalf("authorize query %v", q)
	}
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Value == q.Get("state") && c.HttpOnly && c.Secure {
			cookie = c
		}
	}
	if cookie == nil {
		t.Fatalf("no HttpOnly, Secure cookie holding the state: %v", resp.Cookies())
	}
	s.fake.SignInAs(slacktest.Grant{Team: team2, TeamName: "Beta", User: admin})
	resp, _ = get(t, loc.String())
	back, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || back.Path != slack.PathInstallCallback {
		t.Fatalf("the fake's install page answered %d → %s", resp.StatusCode, back)
	}
	return s.srv.URL + back.Path + "?" + back.RawQuery, cookie
}

func (s *installStack) install(t *testing.T) {
	t.Helper()
	cb, cookie := s.startInstall(t)
	resp, body := get(t, cb, cookie)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "installed in Beta") {
		t.Fatalf("callback: %d %s", resp.StatusCode, body)
	}
}

// token2 is the bot token the fake issued to team2.
func (s *installStack) token2(t *testing.T) string {
	t.Helper()
	tok, err := s.installs.Token(context.Background(), core.Workspace{Platform: core.PlatformSlack, ExternalID: team2})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// command2 runs /ticket text as user in channel of team2.
func (s *installStack) command2(user, channel, text string) response {
	s.t.Helper()
	n := s.seq.Add(1)
	form := slacktest.Command{Team: team2, Channel: channel, User: user, UserName: userName(user), Text: text,
		ResponseURL: s.fake.URL() + "/response/cmd2-" + strconv.FormatInt(n, 10)}.Form()
	return s.send("/slack/commands", formType, []byte(form.Encode()), nil)
}

func TestInstallThroughOAuth(t *testing.T) {
	s := newInstallStack(t)
	t.Run("the callback stores the team's token sealed", func(t *testing.T) {
		s.install(t)
		tok := s.token2(t)
		if !strings.HasPrefix(tok, "xoxb-"+team2) {
			t.Fatalf("stored token %q is not the one the fake issued", tok)
		}
		row, err := s.store.Install(context.Background(), core.Workspace{Platform: core.PlatformSlack, ExternalID: team2})
		if err != nil || strings.Contains(string(row.Token), tok) || row.BotUserID != slacktest.BotUserID {
			t.Fatalf("the row %+v (%v) holds the token in clear or lacks the bot user", row, err)
		}
		if strings.Contains(s.log.String(), tok) {
			t.Fatal("the installed token reached the log")
		}
	})
	t.Run("a state is used once", func(t *testing.T) {
		cb, cookie := s.startInstall(t)
		if resp, body := get(t, cb, cookie); resp.StatusCode != http.StatusOK {
			t.Fatalf("first use: %d %s", resp.StatusCode, body)
		}
		if resp, body := get(t, cb, cookie); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "expired") {
			t.Fatalf("second use: %d %s", resp.StatusCode, body)
		}
	})
	t.Run("a callback without the browser's cookie is refused", func(t *testing.T) {
		cb, _ := s.startInstall(t)
		n := len(s.fake.Find("oauth.v2.access"))
		if resp, _ := get(t, cb, &http.Cookie{Name: "tb_slack_install", Value: "someone-else"}); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("answered %d", resp.StatusCode)
		}
		if resp, _ := get(t, cb); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("without a cookie: answered %d", resp.StatusCode)
		}
		if len(s.fake.Find("oauth.v2.access")) != n {
			t.Fatal("the code was exchanged for a callback whose state was not checked")
		}
	})
	t.Run("a state that was never issued is refused", func(t *testing.T) {
		state := strings.Repeat("ab", 24)
		resp, _ := get(t, s.srv.URL+slack.PathInstallCallback+"?code=x&state="+state, &http.Cookie{Name: "tb_slack_install", Value: state})
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("answered %d", resp.StatusCode)
		}
	})
	t.Run("a cancelled install says so", func(t *testing.T) {
		resp, body := get(t, s.srv.URL+slack.PathInstallCallback+"?error=access_denied&state=x")
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "access_denied") {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
	})
}

func TestTwoWorkspacesStayApart(t *testing.T) {
	s := newInstallStack(t)
	s.install(t)
	tok2 := s.token2(t)
	s.setup()
	if r := s.command2(admin, helpdesk2, "setup <#"+helpdesk2+"|beta-helpdesk>"); !strings.HasPrefix(r.Text("text"), "Done") {
		t.Fatalf("setup in team2: %d %s", r.Status, r.Body)
	}
	for _, c := range s.fake.Find("conversations.info", slacktest.Param("channel", helpdesk2)) {
		if c.Token != tok2 {
			t.Fatalf("team2's setup checked its channel with another token")
		}
	}

	s.command(reporter, origin, "new Printer broken in team one")
	s.command2(reporter, origin, "new VPN down in team two")
	card1 := s.fake.Wait(t, "chat.postMessage", slacktest.InChannel(helpdesk), slacktest.Containing("Printer broken"))
	card2 := s.fake.Wait(t, "chat.postMessage", slacktest.InChannel(helpdesk2), slacktest.Containing("VPN down"))
	if card1.Token != botToken || card2.Token != tok2 {
		t.Fatalf("cards posted with the wrong tokens: team one's with %q, team two's with %q", card1.Token, card2.Token)
	}
	for _, c := range s.fake.Calls() {
		for _, str := range c.Strings {
			if strings.Contains(str, "VPN down") && c.Token == botToken || strings.Contains(str, "Printer broken") && c.Token == tok2 {
				t.Fatalf("%s with one team's token carried the other team's ticket: %q", c.Method, str)
			}
		}
	}

	t.Run("neither sees the other's tickets", func(t *testing.T) {
		if r := s.command2(staff, helpdesk2, "show 1"); !strings.Contains(string(r.Body), "VPN down") || strings.Contains(string(r.Body), "Printer") {
			t.Fatalf("team two's #1: %s", r.Body)
		}
		if r := s.command2(staff, helpdesk2, "list all"); strings.Contains(string(r.Body), "Printer") {
			t.Fatalf("team two's list shows team one's ticket: %s", r.Body)
		}
		if r := s.command(staff, helpdesk, "list all"); strings.Contains(string(r.Body), "VPN") {
			t.Fatalf("team one's list shows team two's ticket: %s", r.Body)
		}
	})
	t.Run("neither acts on the other's tickets", func(t *testing.T) {
		s.command2(staff, helpdesk2, "close 1 fixed")
		ws1 := core.Workspace{Platform: core.PlatformSlack, ExternalID: s.team}
		ws2 := core.Workspace{Platform: core.PlatformSlack, ExternalID: team2}
		sys := core.System()
		t1, err := s.svc.TicketByNumber(context.Background(), sys, ws1, 1)
		if err != nil || t1.Status != core.StatusOpen {
			t.Fatalf("team one's #1 is %s (%v) after team two closed its #1", t1.Status, err)
		}
		t2, err := s.svc.TicketByNumber(context.Background(), sys, ws2, 1)
		if err != nil || t2.Status != core.StatusClosed {
			t.Fatalf("team two's #1 is %s (%v)", t2.Status, err)
		}
	})
	t.Run("app_uninstalled stops the team's token", func(t *testing.T) {
		waitOutbox(t, s.stack)
		body := slacktest.EventCallback(team2, slacktest.NewEventID(), map[string]any{"type": "app_uninstalled"})
		if r := s.send("/slack/events", "application/json", body, nil); r.Status != http.StatusOK {
			t.Fatalf("event: %d", r.Status)
		}
		if _, err := s.installs.Token(context.Background(), core.Workspace{Platform: core.PlatformSlack, ExternalID: team2}); !core.IsCode(err, core.ENotFound) {
			t.Fatalf("the token is still usable: %v", err)
		}
		revokedAt := time.Now()
		n := len(s.fake.Calls())
		s.command2(reporter, origin, "")
		s.command2(reporter, origin, "new Another one")
		s.waitLog("has not installed the app")
		for _, c := range s.fake.Calls()[n:] {
			if c.Token == tok2 {
				t.Fatalf("%s was called with the revoked token at %v (revoked by %v): %v", c.Method, c.At, revokedAt, c.Params)
			}
		}
		if r := s.command(reporter, origin, "new Team one still works"); r.Status != http.StatusOK {
			t.Fatalf("team one: %d", r.Status)
		}
		s.fake.Wait(t, "chat.postMessage", slacktest.InChannel(helpdesk), slacktest.Containing("Team one still works"))
	})
}

func TestTokensRevokedStopsTheOneWorkspaceToken(t *testing.T) {
	s := newStack(t, backends()[0], stackOptions{})
	s.setup()
	user := map[string]any{"type": "tokens_revoked", "tokens": map[string]any{"oauth": []string{admin}}}
	if r := s.event(slacktest.NewEventID(), user, 0); r.Status != http.StatusOK {
		t.Fatalf("event: %d", r.Status)
	}
	s.command(reporter, origin, "new Still served")
	s.fake.Wait(t, "chat.postMessage", slacktest.InChannel(helpdesk), slacktest.Containing("Still served"))

	waitOutbox(t, s)
	botRevoked := map[string]any{"type": "tokens_revoked", "tokens": map[string]any{"bot": []string{slacktest.BotUserID}}}
	if r := s.event(slacktest.NewEventID(), botRevoked, 0); r.Status != http.StatusOK {
		t.Fatalf("event: %d", r.Status)
	}
	n := len(s.fake.Calls())
	s.command(reporter, origin, "")
	s.waitLog("has not installed the app")
	for _, c := range s.fake.Calls()[n:] {
		if c.Token == botToken {
			t.Fatalf("%s was called with the revoked token", c.Method)
		}
	}
}

// waitOutbox waits until the outbox delivered everything, so no call that resolved its token
// before a revocation lands after it.
func waitOutbox(t *testing.T, s *stack) {
	t.Helper()
	if !s.fake.WaitUntil(10*time.Second, func() bool {
		n, err := s.store.PendingEvents(context.Background())
		return err == nil && n == 0
	}) {
		t.Fatal("the outbox never emptied")
	}
}
