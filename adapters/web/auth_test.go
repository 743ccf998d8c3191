package web_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

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

// idProvider is an OpenID provider whose ID tokens the test shapes: audience, signing key,
// nonce. It checks the PKCE verifier against the challenge the sign-in sent.
type idProvider struct {
	ts            *httptest.Server
	key, otherKey *rsa.PrivateKey

	mu        sync.Mutex
	aud       string
	signOther bool
	nonce     string // "" echoes the sign-in's
	challenge string
	sentNonce string
}

func newIDProvider(t *testing.T) *idProvider {
	p := &idProvider{aud: "111.222"}
	var err error
	if p.key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		t.Fatal(err)
	}
	if p.otherKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/keys", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &p.key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	mux.HandleFunc("/api/openid.connect.token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		p.mu.Lock()
		defer p.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if base64.RawURLEncoding.EncodeToString(sum[:]) != p.challenge {
			_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": "invalid_code_verifier"})
			return
		}
		key := p.key
		if p.signOther {
			key = p.otherKey
		}
		sig, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithHeader("kid", "k1"))
		nonce := p.nonce
		if nonce == "" {
			nonce = p.sentNonce
		}
		now := time.Now()
		tok, _ := jwt.Signed(sig).Claims(map[string]any{"iss": "https://slack.com", "aud": p.aud, "sub": "U1",
			"https://slack.com/user_id": "U1", "https://slack.com/team_id": "T123", "name": "Una",
			"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "nonce": nonce}).Serialize()
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "access_token": "xoxp-1", "token_type": "Bearer", "id_token": tok})
	})
	p.ts = httptest.NewServer(mux)
	t.Cleanup(p.ts.Close)
	return p
}

func TestSlackIDTokenChecks(t *testing.T) {
	p := newIDProvider(t)
	h := newHarness(t, backends()[0].url(t), withWeb(func(c *web.Config) {
		c.PublicURL = publicURL
		c.Slack = &web.SlackSignIn{ClientID: "111.222", ClientSecret: "s", AuthorizeURL: p.ts.URL + "/authorize",
			APIURL: p.ts.URL + "/api/", JWKSURL: p.ts.URL + "/keys"}
	}))
	h.open(wsSlack, "U1's printer")
	try := func(t *testing.T, shape func(p *idProvider)) response {
		b := h.browser()
		u := b.startSignIn(t, "slack")
		p.mu.Lock()
		p.aud, p.signOther, p.nonce = "111.222", false, ""
		p.challenge, p.sentNonce = u.Query().Get("code_challenge"), u.Query().Get("nonce")
		shape(p)
		p.mu.Unlock()
		return b.get("/auth/slack/callback?code=c1&state=" + url.QueryEscape(u.Query().Get("state")))
	}
	for _, tc := range []struct {
		name  string
		shape func(p *idProvider)
	}{
		{"another client's ID token (audience)", func(p *idProvider) { p.aud = "999.999" }},
		{"an ID token signed with a key not in the JWKS", func(p *idProvider) { p.signOther = true }},
		{"an ID token of another sign-in (nonce)", func(p *idProvider) { p.nonce = "someone-elses-nonce" }},
		{"a wrong PKCE verifier", func(p *idProvider) { p.challenge = "not-the-challenge" }},
	} {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			r := try(t, tc.shape)
			wantStatus(t, r, http.StatusForbidden)
			wantBody(t, r, "Signing in did not work")
		})
	}
	t.Run("the same provider with a right token signs in", func(t *testing.T) {
		r := try(t, func(*idProvider) {})
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
