package web_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/adapters/discord/discordtest"
	"github.com/ticketbot/ticketbot/adapters/slack/slacktest"
	"github.com/ticketbot/ticketbot/adapters/web"
	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
)

func dashPath(id int64) string { return "/tickets/" + itoa(id) }

// A name that tries to be markup and mentions: it must be shown as text.
const trickyName = `Ada <script>alert(1)</script> <@U2> @everyone`

// learnt keeps names in h's Names and waits until they are in.
func (h *harness) learnt(names map[core.NameKey]string) {
	h.t.Helper()
	for k, n := range names {
		h.names.Learn(k, n, true)
	}
	coretest.Eventually(h.t, 5*time.Second, "names kept", func() bool {
		return len(h.names.Lookup(context.Background(), keysOf(names))) == len(names)
	})
}

// namesIdle waits until h's names have kept what they were told.
func (h *harness) namesIdle() {
	h.t.Helper()
	coretest.Eventually(h.t, 5*time.Second, "names idle", h.names.Idle)
}

func keysOf(m map[core.NameKey]string) []core.NameKey {
	var out []core.NameKey
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestNamesOnTheDashboardPortalAndAPI(t *testing.T) {
	eachBackend(t, func(t *testing.T, dbURL string) {
		h := newHarness(t, dbURL, withNames())
		ctx := context.Background()
		tk := h.open(wsSlack, "Printer on fire")
		if _, err := h.svc.Claim(ctx, slackStaff, tk.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := h.svc.AddMessage(ctx, requester(wsSlack, "U1"), tk.ID, core.MessageInput{ExternalID: "m1", Content: "still burning", Source: "slack"}); err != nil {
			t.Fatal(err)
		}
		h.learnt(map[core.NameKey]string{
			core.WorkspaceKey(wsSlack):        "Acme & Co",
			core.PersonKey(wsSlack, "U1"):     trickyName,
			core.PersonKey(wsSlack, "USTAFF"): "Sam Staffington",
			core.WorkspaceKey(wsDiscord):      "Gamers",
			core.PersonKey(wsDiscord, "U1"):   "someone else",
		})
		escaped := "Ada &lt;script&gt;alert(1)&lt;/script&gt; &lt;@U2&gt; @everyone"
		noMarkup := func(t *testing.T, r response) {
			t.Helper()
			if bytes.Contains(r.body, []byte("<script>alert")) || bytes.Contains(r.body, []byte("<@U2>")) {
				t.Fatalf("a name reached the page as markup: %s", r.body)
			}
		}
		h.account("sam", core.RoleStaff, "correct horse battery")
		b := h.browser()
		b.login("sam", "correct horse battery")

		t.Run("the list names reporters, assignees and workspaces, also in the workspace filter", func(t *testing.T) {
			r := b.get("/")
			wantStatus(t, r, http.StatusOK)
			wantBody(t, r, escaped)
			wantBody(t, r, "Sam Staffington")
			wantBody(t, r, "Slack · Acme &amp; Co")
			wantBody(t, r, `<option value="slack:T123">Slack · Acme &amp; Co</option>`)
			noMarkup(t, r)
		})
		t.Run("the ticket page names the reporter, the assignee, message authors and the history", func(t *testing.T) {
			r := b.get(dashPath(tk.ID))
			wantStatus(t, r, http.StatusOK)
			wantBody(t, r, "Slack · Acme &amp; Co")
			wantBody(t, r, "assigned the ticket to Sam Staffington")
			if n := bytes.Count(r.body, []byte(escaped)); n < 3 {
				t.Errorf("the reporter's name is shown %d times, want as reporter, author and in the history", n)
			}
			noMarkup(t, r)
		})
		t.Run("the API gives the names in reporter, assignee and author", func(t *testing.T) {
			var got struct {
				Reporter, Assignee struct{ ID, Name string }
			}
			h.api("GET", "/api/v1/tickets/"+itoa(tk.ID), h.token, "").json(t, &got)
			if got.Reporter.Name != trickyName || got.Assignee.Name != "Sam Staffington" {
				t.Errorf("reporter %+v, assignee %+v", got.Reporter, got.Assignee)
			}
			var list struct {
				Tickets []struct{ Reporter struct{ Name string } }
			}
			h.api("GET", "/api/v1/tickets", h.token, "").json(t, &list)
			if len(list.Tickets) != 1 || list.Tickets[0].Reporter.Name != trickyName {
				t.Errorf("list = %+v", list)
			}
			var msgs struct {
				Messages []struct{ Author struct{ Name string } }
			}
			h.api("GET", "/api/v1/tickets/"+itoa(tk.ID)+"/messages", h.token, "").json(t, &msgs)
			if len(msgs.Messages) != 1 || msgs.Messages[0].Author.Name != trickyName {
				t.Errorf("messages = %+v", msgs)
			}
		})
		t.Run("the API's workspaces carry the team's name unless an admin named it", func(t *testing.T) {
			var got struct {
				Workspaces []struct{ ID, Name string }
			}
			h.api("GET", "/api/v1/workspaces", h.token, "").json(t, &got)
			names := map[string]string{}
			for _, w := range got.Workspaces {
				names[w.ID] = w.Name
			}
			if names[wsSlack.String()] != "Acme & Co" {
				t.Errorf("workspaces = %+v, want %s named Acme & Co", got.Workspaces, wsSlack)
			}
		})
		t.Run("a name an admin gives in the settings wins on every page and in the API", func(t *testing.T) {
			st, err := h.store.Settings(ctx, wsSlack)
			if err != nil {
				t.Fatal(err)
			}
			st.Name = "Acme Helpdesk"
			if err := h.store.SaveSettings(ctx, st, core.System().User); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				st.Name = ""
				if err := h.store.SaveSettings(ctx, st, core.System().User); err != nil {
					t.Error(err)
				}
			})
			for _, path := range []string{"/", dashPath(tk.ID)} {
				r := b.get(path)
				wantStatus(t, r, http.StatusOK)
				wantBody(t, r, "Slack · Acme Helpdesk")
				if bytes.Contains(r.body, []byte("Acme &amp; Co")) {
					t.Errorf("%s still shows the team's own name beside the admin's", path)
				}
			}
			h.account("ada-admin", core.RoleAdmin, "correct horse battery")
			admin := h.browser()
			admin.login("ada-admin", "correct horse battery")
			for _, path := range []string{"/admin/sla", "/admin/settings"} {
				r := admin.get(path)
				wantStatus(t, r, http.StatusOK)
				wantBody(t, r, "Slack · Acme Helpdesk (slack:T123)")
				wantBody(t, r, "Discord · Gamers (discord:")
			}
			var got struct {
				Workspaces []struct{ ID, Name string }
			}
			h.api("GET", "/api/v1/workspaces", h.token, "").json(t, &got)
			for _, w := range got.Workspaces {
				if w.ID == wsSlack.String() && w.Name != "Acme Helpdesk" {
					t.Errorf("the API calls %s %q", w.ID, w.Name)
				}
			}
		})
		t.Run("the portal names the workspace and the person handling the ticket", func(t *testing.T) {
			h.account("rita", core.RoleRequester, "correct horse battery")
			mine, err := h.svc.OpenTicket(ctx, core.Account{Name: "rita", Role: core.RoleRequester, Workspace: wsSlack}.Actor(), core.OpenInput{Title: "my own"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := h.svc.Claim(ctx, slackStaff, mine.ID); err != nil {
				t.Fatal(err)
			}
			p := h.browser()
			p.login("rita", "correct horse battery")
			r := p.get("/portal/tickets/" + itoa(mine.ID))
			wantStatus(t, r, http.StatusOK)
			wantBody(t, r, "Slack · Acme &amp; Co")
			wantBody(t, r, "Sam Staffington")
		})
	})
}

func TestAssignedToMeAcrossLinkedIdentities(t *testing.T) {
	eachBackend(t, func(t *testing.T, dbURL string) {
		fake := slacktest.Start(t, slacktest.Options{Team: wsSlack.ExternalID})
		h := newHarness(t, dbURL, withSlackSignIn(fake, stubRoles{"slack:T123/U9": core.RoleStaff}))
		ctx := context.Background()
		inSlack := h.open(wsSlack, "claimed in Slack")
		onWeb := h.open(wsSlack, "claimed on the dashboard")
		h.open(wsSlack, "someone else's")
		sam := core.Actor{User: core.UserRef{ID: "U9", Name: "Sam"}, Role: core.RoleStaff, Workspace: wsSlack}
		if _, err := h.svc.Claim(ctx, sam, inSlack.ID); err != nil {
			t.Fatal(err)
		}
		h.account("sam", core.RoleStaff, "correct horse battery")
		b := h.browser()
		b.login("sam", "correct horse battery")
		wantStatus(t, b.post("/tickets/"+itoa(onWeb.ID)+"/assignee", url.Values{"action": {"claim"}}), http.StatusSeeOther)
		mineOnly := func(t *testing.T, r response, want ...string) {
			t.Helper()
			wantStatus(t, r, http.StatusOK)
			for _, w := range want {
				wantBody(t, r, w)
			}
			if bytes.Contains(r.body, []byte("someone else")) {
				t.Errorf("assigned to me lists a ticket nobody claimed")
			}
		}
		r := b.get("/?assignee=me&status=all")
		mineOnly(t, r, "claimed on the dashboard")
		if bytes.Contains(r.body, []byte("claimed in Slack")) {
			t.Fatalf("before linking, the Slack claim is listed as the account's")
		}

		// The account links its Slack identity by signing in with Slack once.
		fake.SignInAs(slacktest.Grant{User: "U9", Name: "Sam in Slack"})
		start := b.get("/auth/slack?link=1")
		wantStatus(t, start, http.StatusFound)
		authorize, _ := url.Parse(start.header.Get("Location"))
		back := b.get(approve(t, authorize))
		wantStatus(t, back, http.StatusSeeOther)
		if loc := back.header.Get("Location"); loc != "/account/password?done=linked" {
			t.Fatalf("after linking: Location %q", loc)
		}
		// Still signed in as the account, now linked.
		acct := b.get("/account/password")
		wantStatus(t, acct, http.StatusOK)
		wantBody(t, acct, "Sam in Slack")

		t.Run("the dashboard's Assigned to me has the ticket claimed in Slack", func(t *testing.T) {
			mineOnly(t, b.get("/?assignee=me&status=all"), "claimed in Slack", "claimed on the dashboard")
			page := b.get(dashPath(inSlack.ID))
			if bytes.Contains(page.body, []byte(`id="claim"`)) {
				t.Errorf("a ticket claimed by my Slack identity offers Assign to me")
			}
		})
		t.Run("signed in with Slack, the dashboard claim is mine too", func(t *testing.T) {
			s := h.browser()
			fake.SignInAs(slacktest.Grant{User: "U9", Name: "Sam in Slack"})
			wantStatus(t, s.signIn(t, "slack"), http.StatusSeeOther)
			mineOnly(t, s.get("/?assignee=me&status=all"), "claimed in Slack", "claimed on the dashboard")
		})
		t.Run("the API's assignee= takes an id, none and me", func(t *testing.T) {
			var got struct{ Tickets []struct{ Title string } }
			h.api("GET", "/api/v1/tickets?assignee=U9", h.token, "").json(t, &got)
			if len(got.Tickets) != 1 || got.Tickets[0].Title != "claimed in Slack" {
				t.Errorf("assignee=U9: %+v", got)
			}
			h.api("GET", "/api/v1/tickets?assignee=none", h.token, "").json(t, &got)
			if len(got.Tickets) != 1 || got.Tickets[0].Title != "someone else's" {
				t.Errorf("assignee=none: %+v", got)
			}
			wantStatus(t, h.api("GET", "/api/v1/tickets?assignee=me", h.token, ""), http.StatusOK)
		})
		t.Run("an identity links to one account only", func(t *testing.T) {
			h.account("eve", core.RoleStaff, "correct horse battery")
			e := h.browser()
			e.login("eve", "correct horse battery")
			fake.SignInAs(slacktest.Grant{User: "U9", Name: "Sam in Slack"})
			start := e.get("/auth/slack?link=1")
			authorize, _ := url.Parse(start.header.Get("Location"))
			wantStatus(t, e.get(approve(t, authorize)), http.StatusConflict)
			if got := e.get("/?assignee=me&status=all"); bytes.Contains(got.body, []byte("claimed in Slack")) {
				t.Errorf("eve got Sam's Slack claim")
			}
		})
	})
}

// mutableRoles is a PlatformRoles whose answers change during a test.
type mutableRoles struct{ roles chan map[string]core.Role }

func newMutableRoles(m map[string]core.Role) *mutableRoles {
	r := &mutableRoles{roles: make(chan map[string]core.Role, 1)}
	r.roles <- m
	return r
}

func (r *mutableRoles) set(key string, role core.Role) {
	m := <-r.roles
	m[key] = role
	r.roles <- m
}

func (r *mutableRoles) SignInRole(_ context.Context, ws core.Workspace, user string) (core.Role, error) {
	m := <-r.roles
	defer func() { r.roles <- m }()
	if role, ok := m[ws.String()+"/"+user]; ok {
		return role, nil
	}
	return core.RoleRequester, nil
}

func TestAPlatformSignInLosesTheDashboardWhenItsRoleGoes(t *testing.T) {
	eachBackend(t, func(t *testing.T, dbURL string) {
		clock := coretest.NewFakeClock(time.Now())
		fake := slacktest.Start(t, slacktest.Options{Team: wsSlack.ExternalID})
		roles := newMutableRoles(map[string]core.Role{"slack:T123/U5": core.RoleStaff})
		h := newHarness(t, dbURL, withClock(clock), withSlackSignIn(fake, roles))
		h.open(wsSlack, "queue item")
		fake.SignInAs(slacktest.Grant{User: "U5", Name: "Temp Staff"})
		b := h.browser()
		wantStatus(t, b.signIn(t, "slack"), http.StatusSeeOther)
		wantStatus(t, b.get("/"), http.StatusOK)

		roles.set("slack:T123/U5", core.RoleRequester) // removed from the triage channel
		clock.Advance(9 * time.Minute)
		wantStatus(t, b.get("/"), http.StatusOK) // the role is re-checked every 10 minutes
		clock.Advance(time.Minute)
		r := b.get("/")
		wantStatus(t, r, http.StatusSeeOther)
		if loc := r.header.Get("Location"); loc != "/portal" {
			t.Fatalf("after losing the role: Location %q, want /portal", loc)
		}
		wantStatus(t, b.post("/tickets/bulk", url.Values{"id": {"1"}, "action": {"assign_me"}}), http.StatusForbidden)
		wantStatus(t, b.get("/portal"), http.StatusOK)
		// Given back, the dashboard returns at the next check.
		roles.set("slack:T123/U5", core.RoleStaff)
		clock.Advance(10 * time.Minute)
		wantStatus(t, b.get("/"), http.StatusOK)
		if !strings.Contains(h.logs.String(), "role changed") {
			t.Errorf("the change is not logged")
		}
	})
}

func TestStaffOfSeveralServersChooseTheirWorkspace(t *testing.T) {
	api := discordtest.NewAPI("bot-token")
	t.Cleanup(api.Close)
	a, b := core.Workspace{Platform: core.PlatformDiscord, ExternalID: "42"}, wsDiscord
	api.AddGuild(discordtest.Guild{ID: a.ExternalID, Name: "Alpha <b>Guild</b>", OwnerID: "1"})
	api.AddGuild(discordtest.Guild{ID: b.ExternalID, Name: "Beta Guild", OwnerID: "1"})
	for _, g := range []string{a.ExternalID, b.ExternalID} {
		api.AddMember(g, discordtest.Member{User: discordtest.User{ID: "702", Name: "Staffer"}})
	}
	h := newHarness(t, backends()[0].url(t), withNames(), withWeb(func(c *web.Config) {
		c.PublicURL = publicURL
		c.Discord = &web.DiscordSignIn{ClientID: discordtest.AppID, ClientSecret: discordtest.ClientSecret,
			APIURL: api.URL(), HTTPClient: api.Client(), Roles: stubRoles{"discord:42/702": core.RoleStaff, "discord:" + b.ExternalID + "/702": core.RoleStaff}}
	}))
	h.open(a, "alpha ticket")
	h.open(b, "beta ticket")
	api.SignInAs(discordtest.Grant{User: discordtest.User{ID: "702", Name: "Staffer"}})
	br := h.browser()
	r := br.signIn(t, "discord")
	wantStatus(t, r, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != "/workspace?next=%2F" {
		t.Fatalf("after sign-in: Location %q, want the choice", loc)
	}
	// Until chosen, every dashboard page asks for the choice.
	if r := br.get("/?status=all"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/workspace?next=") {
		t.Fatalf("dashboard before the choice: %d %q", r.status, r.header.Get("Location"))
	}
	h.namesIdle() // the servers' names came with the sign-in
	choice := br.get("/workspace?next=/")
	wantStatus(t, choice, http.StatusOK)
	wantBody(t, choice, "Discord · Alpha &lt;b&gt;Guild&lt;/b&gt;")
	wantBody(t, choice, "Discord · Beta Guild")

	wantStatus(t, br.post("/workspace", url.Values{"workspace": {b.String()}, "next": {"/?status=all"}}), http.StatusSeeOther)
	list := br.get("/?status=all")
	wantStatus(t, list, http.StatusOK)
	wantBody(t, list, "beta ticket")
	if bytes.Contains(list.body, []byte("alpha ticket")) {
		t.Fatalf("the dashboard shows another workspace's tickets")
	}
	// The header's switcher offers both, the current one chosen.
	wantBody(t, list, `id="switcher"`)
	wantBody(t, list, `<option value="`+b.String()+`" selected>Discord · Beta Guild</option>`)

	wantStatus(t, br.post("/workspace", url.Values{"workspace": {a.String()}, "next": {"/?status=all"}}), http.StatusSeeOther)
	list = br.get("/?status=all")
	wantBody(t, list, "alpha ticket")
	if bytes.Contains(list.body, []byte("beta ticket")) {
		t.Fatalf("after switching, the other workspace's tickets are shown")
	}
	// A workspace the person is not staff in cannot be chosen.
	wantStatus(t, br.post("/workspace", url.Values{"workspace": {"discord:555"}}), http.StatusForbidden)
}
