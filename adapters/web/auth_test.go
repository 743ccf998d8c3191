package web_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/adapters/discord/discordtest"
	"github.com/ticketbot/ticketbot/adapters/slack/slacktest"
	"github.com/ticketbot/ticketbot/adapters/web"
	"github.com/ticketbot/ticketbot/core"
)

const publicURL = "http://ticketbot.test"

// stubRoles gives the listed users their role; everyone else is a requester.
type stubRoles map[string]core.Role

func (s stubRoles) SignInRole(_ context.Context, ws core.Workspace, user string) (core.Role, error) {
	if r, ok := s[ws.String()+"/"+user]; ok {
		return r, nil
	}
	return core.RoleRequester, nil
}

func withSlackSignIn(fake *slacktest.Server, roles web.PlatformRoles) option {
	return withWeb(func(c *web.Config) {
		c.PublicURL = publicURL
		// The sign-in page and the keys are found from the API URL's host, as with Slack's.
		c.Slack = &web.SlackSignIn{ClientID: fake.ClientID(), ClientSecret: fake.ClientSecret(),
			APIURL: fake.APIURL(), HTTPClient: fake.Client(), Roles: roles}
	})
}

// startSignIn follows GET /auth/NAME to the platform's authorisation page and returns its URL.
func (b *browser) startSignIn(t *testing.T, name string) *url.URL {
	t.Helper()
	r := b.get("/auth/" + name + "?next=/")
	wantStatus(t, r, http.StatusFound)
	u, err := url.Parse(r.header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if q.Get("state") == "" || q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256" {
		t.Fatalf("authorisation URL lacks state or PKCE: %s", u)
	}
	if want := publicURL + "/auth/" + name + "/callback"; q.Get("redirect_uri") != want {
		t.Fatalf("redirect_uri = %q, want %q", q.Get("redirect_uri"), want)
	}
	return u
}

// approve has the fake platform's authorisation page answer and returns the callback's path
// and query on ticketbot.
func approve(t *testing.T, authorize *url.URL) string {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(authorize.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorise page: %s", resp.Status)
	}
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return back.Path + "?" + back.RawQuery
}

// signIn runs a whole sign-in and returns the callback's answer.
func (b *browser) signIn(t *testing.T, name string) response {
	t.Helper()
	return b.get(approve(t, b.startSignIn(t, name)))
}

func TestSignInWithSlack(t *testing.T) {
	eachBackend(t, func(t *testing.T, dbURL string) {
		fake := slacktest.Start(t, slacktest.Options{Team: wsSlack.ExternalID})
		h := newHarness(t, dbURL, withSlackSignIn(fake, stubRoles{"slack:T123/USTAFF": core.RoleStaff}))
		ctx := context.Background()
		mine := h.open(wsSlack, "U1's printer") // reported by U1, as with /ticket
		theirs, _ := h.svc.OpenTicket(ctx, requester(wsSlack, "U2"), core.OpenInput{Title: "U2's laptop"})
		elsewhere := h.open(wsDiscord, "Discord server ticket")

		t.Run("a requester sees the tickets they opened in chat, and not another user's", func(t *testing.T) {
			fake.SignInAs(slacktest.Grant{User: "U1", Name: "Una User"})
			b := h.browser()
			r := b.signIn(t, "slack")
			wantStatus(t, r, http.StatusSeeOther)
			if loc := r.header.Get("Location"); loc != "/portal" {
				t.Fatalf("after sign-in: Location %q, want /portal", loc)
			}
			list := b.get("/portal")
			wantBody(t, list, "U1&#39;s printer")
			wantBody(t, list, "Una User")
			if bytes.Contains(list.body, []byte("U2&#39;s laptop")) || bytes.Contains(list.body, []byte("Discord server")) {
				t.Fatalf("the portal lists someone else's ticket: %s", list.body)
			}
			wantStatus(t, b.get(ticketPath(mine.ID)), http.StatusOK)
			wantStatus(t, b.get(ticketPath(theirs.ID)), http.StatusNotFound)
			// The reply is theirs, as if written in chat.
			b.get(ticketPath(mine.ID))
			wantStatus(t, b.post(ticketPath(mine.ID)+"/messages", url.Values{"content": {"from the web"}, "nonce": {"nonce-nonce-nonce-9"}}), http.StatusSeeOther)
			msgs, _ := h.svc.Messages(ctx, slackStaff, mine.ID)
			if last := msgs[len(msgs)-1]; last.Author.ID != "U1" {
				t.Fatalf("portal reply by %+v, want U1", last.Author)
			}
			// A requester on the dashboard goes to the portal; a platform user has no password.
			wantStatus(t, b.get("/"), http.StatusSeeOther)
			wantStatus(t, b.get("/account/password"), http.StatusForbidden)
			// Sign-out ends the session for good.
			b.get("/portal")
			wantStatus(t, b.post("/logout", url.Values{}), http.StatusSeeOther)
			wantStatus(t, b.get("/portal"), http.StatusSeeOther)
		})

		t.Run("a staff member gets the dashboard of their workspace only", func(t *testing.T) {
			fake.SignInAs(slacktest.Grant{User: "USTAFF", Name: "Sam Staff"})
			b := h.browser()
			r := b.signIn(t, "slack")
			wantStatus(t, r, http.StatusSeeOther)
			if loc := r.header.Get("Location"); loc != "/" {
				t.Fatalf("after sign-in: Location %q, want /", loc)
			}
			list := b.get("/?status=all")
			wantStatus(t, list, http.StatusOK)
			wantBody(t, list, "U1&#39;s printer")
			wantBody(t, list, "U2&#39;s laptop")
			if bytes.Contains(list.body, []byte("Discord server ticket")) {
				t.Fatalf("a Slack staff member sees another workspace's ticket")
			}
			wantStatus(t, b.get("/tickets/"+strconv.FormatInt(elsewhere.ID, 10)), http.StatusNotFound)
			wantStatus(t, b.get("/admin/accounts"), http.StatusForbidden)
		})

		t.Run("a forged, foreign or replayed state is refused", func(t *testing.T) {
			fake.SignInAs(slacktest.Grant{User: "U1", Name: "Una User"})
			b := h.browser()
			back := approve(t, b.startSignIn(t, "slack"))
			forged := strings.Replace(back, "state=", "state=x", 1)
			wantStatus(t, b.get(forged), http.StatusForbidden)

			// Someone else's callback link (their state, not this browser's) signs nobody in.
			// (The other browser is itself in the middle of a sign-in, so it has a cookie.)
			other := h.browser()
			wantStatus(t, other.get(back), http.StatusForbidden)
			other.startSignIn(t, "slack")
			wantStatus(t, other.get(back), http.StatusForbidden)

			wantStatus(t, b.get(back), http.StatusSeeOther)
			// The same code and state again, even with the sign-in cookie put back: used.
			bu, _ := url.Parse(h.ts.URL)
			state, _ := url.ParseQuery(strings.SplitN(back, "?", 2)[1])
			b.c.Jar.SetCookies(bu, []*http.Cookie{{Name: "tb_signin", Value: state.Get("state"), Path: "/"}})
			r := b.get(back)
			wantStatus(t, r, http.StatusForbidden)
			wantBody(t, r, "already used")
		})

		t.Run("a workspace without ticketbot is refused", func(t *testing.T) {
			fake.SignInAs(slacktest.Grant{Team: "TOTHER", TeamName: "Other", User: "U1"})
			b := h.browser()
			r := b.signIn(t, "slack")
			wantStatus(t, r, http.StatusForbidden)
			wantBody(t, r, "not set up in that Slack workspace")
			wantStatus(t, b.get("/portal"), http.StatusSeeOther)
		})
	})
}

// Sign-in refuses an ID token that is not this sign-in's, and an exchange Slack refused.
func TestSlackIDTokenChecks(t *testing.T) {
	fake := slacktest.Start(t, slacktest.Options{Team: wsSlack.ExternalID})
	h := newHarness(t, backends()[0].url(t), withSlackSignIn(fake, nil))
	h.open(wsSlack, "U1's printer")
	for _, tc := range []struct {
		name  string
		shape slacktest.IDTokenShape
		fault string // what Slack answers the exchange with
	}{
		{name: "another client's ID token (audience)", shape: slacktest.IDTokenShape{Audience: "999.999"}},
		{name: "an ID token signed with a key not in the JWKS", shape: slacktest.IDTokenShape{ForeignKey: true}},
		{name: "an ID token of another sign-in (nonce)", shape: slacktest.IDTokenShape{Nonce: "someone-elses-nonce"}},
		{name: "an exchange Slack refuses (a wrong PKCE verifier)", fault: "invalid_code_verifier"},
	} {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			fake.SignInAs(slacktest.Grant{User: "U1", Name: "Una", IDToken: tc.shape})
			if tc.fault != "" {
				fake.Fail("openid.connect.token", tc.fault, 1)
			}
			r := h.browser().signIn(t, "slack")
			wantStatus(t, r, http.StatusForbidden)
			wantBody(t, r, "Signing in did not work")
		})
	}
	t.Run("the same provider with a right token signs in", func(t *testing.T) {
		fake.SignInAs(slacktest.Grant{User: "U1", Name: "Una"})
		r := h.browser().signIn(t, "slack")
		if r.status != http.StatusSeeOther {
			t.Fatalf("status %d: %s\n%s", r.status, regexp.MustCompile(`id="login-error">[^<]*`).Find(r.body), h.logs)
		}
	})
}

func TestSignInWithDiscord(t *testing.T) {
	api := discordtest.NewAPI("bot-token")
	t.Cleanup(api.Close)
	guild := wsDiscord.ExternalID
	api.AddGuild(discordtest.Guild{ID: guild, Name: "Gamers", OwnerID: "1"})
	api.AddGuild(discordtest.Guild{ID: "555", Name: "No helpdesk here", OwnerID: "1"})
	for _, u := range []string{"700", "701", "702"} {
		api.AddMember(guild, discordtest.Member{User: discordtest.User{ID: u, Name: "user" + u}})
		api.AddMember("555", discordtest.Member{User: discordtest.User{ID: u, Name: "user" + u}})
	}
	h := newHarness(t, backends()[0].url(t), withWeb(func(c *web.Config) {
		c.PublicURL = publicURL
		c.Discord = &web.DiscordSignIn{ClientID: discordtest.AppID, ClientSecret: discordtest.ClientSecret,
			APIURL: api.URL(), HTTPClient: api.Client(), Roles: stubRoles{"discord:" + guild + "/702": core.RoleStaff}}
	}))
	ctx := context.Background()
	mine, _ := h.svc.OpenTicket(ctx, requester(wsDiscord, "700"), core.OpenInput{Title: "Voice channel broken"})
	h.svc.OpenTicket(ctx, requester(wsDiscord, "701"), core.OpenInput{Title: "Someone else's ban appeal"})

	api.SignInAs(discordtest.Grant{User: discordtest.User{ID: "700", Name: "Vee"}})
	b := h.browser()
	u := b.startSignIn(t, "discord")
	if sc := u.Query().Get("scope"); sc != "identify guilds" {
		t.Fatalf("scope = %q", sc)
	}
	back := approve(t, u)
	wantStatus(t, b.get(back), http.StatusSeeOther)
	list := b.get("/portal")
	wantBody(t, list, "Voice channel broken")
	if bytes.Contains(list.body, []byte("ban appeal")) {
		t.Fatalf("the portal lists another user's ticket")
	}
	// By id or name: the id alone also matches the static files' content hash now and then.
	if bytes.Contains(list.body, []byte("discord:555")) || bytes.Contains(list.body, []byte("No helpdesk here")) {
		t.Fatalf("a server without a helpdesk is offered")
	}
	wantStatus(t, b.get(ticketPath(mine.ID)), http.StatusOK)
	// The code was used: the same callback again is refused.
	wantStatus(t, b.get(back), http.StatusForbidden)

	api.SignInAs(discordtest.Grant{User: discordtest.User{ID: "702", Name: "Staffer"}})
	staff := h.browser()
	wantStatus(t, staff.signIn(t, "discord"), http.StatusSeeOther)
	wantBody(t, staff.get("/?status=all"), "ban appeal")
}

func TestSignInStartsAreLimitedPerClient(t *testing.T) {
	fake := slacktest.Start(t, slacktest.Options{Team: wsSlack.ExternalID})
	h := newHarness(t, backends()[0].url(t), withSlackSignIn(fake, nil))
	b := h.browser()
	limited := 0
	for range 45 {
		if r := b.get("/auth/slack"); r.status == http.StatusTooManyRequests {
			limited++
			if r.header.Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
		}
	}
	if limited == 0 {
		t.Fatal("45 sign-in starts in a row from one address were all let through")
	}
}
