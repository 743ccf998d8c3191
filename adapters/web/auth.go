package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/ticketbot/ticketbot/core"
)

// Sign in with Slack (OpenID Connect) and with Discord (OAuth2). Both use the authorisation
// code flow with PKCE (S256) and a state parameter kept server-side (core.Accounts, single
// use) and bound to the browser by the tb_signin cookie, so a code handed to someone else's
// browser signs nobody in. Slack's ID token is verified (signature from the JWKS, issuer,
// audience, expiry) with go-oidc and must carry the nonce sent. The person is then the same
// as in chat: (workspace, platform user id), with the role the platform gives them there.

// PlatformRoles tells the role a platform user has in a workspace; the Slack and Discord
// adapters implement it from their own role rules (triage channel, staff group or role,
// workspace admins).
type PlatformRoles interface {
	SignInRole(ctx context.Context, ws core.Workspace, userID string) (core.Role, error)
}

// signInCookieTTL bounds a sign-in round trip through the platform.
const signInCookieTTL = core.SignInStateTTL

// providerTimeout bounds the calls to the platform of one callback.
const providerTimeout = 10 * time.Second

// signInLimit bounds the sign-ins one client address may start (each stores a state row for
// ten minutes): 20 a minute, 40 at once.
var signInLimit = core.Limit{Rate: 20, Period: time.Minute, Burst: 40}

// signInProvider is one way to sign in with a platform.
type signInProvider interface {
	// name is the provider's path segment: "slack" or "discord".
	name() string
	// oauth is the OAuth2 client configuration, with redirect URL.
	oauth() *oauth2.Config
	// nonce reports whether the provider takes an OIDC nonce.
	nonce() bool
	// identify exchanges code (with the PKCE verifier) and says who signed in, checking the
	// ID token's nonce against st.Nonce. Errors: forbidden (refused), unavailable, internal.
	identify(ctx context.Context, code string, st core.SignInState) (core.Identity, error)
}

// signInRoutes are /auth/{slack,discord} and their callbacks, for the configured providers.
func (s *Server) signInRoutes() []route {
	var out []route
	for _, p := range s.providers {
		out = append(out,
			route{"GET /auth/" + p.name(), s.common(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.startSignIn(w, r, p) }))},
			route{"GET /auth/" + p.name() + "/callback", s.common(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.finishSignIn(w, r, p) }))},
		)
	}
	return out
}

// redirectURL is where provider sends the browser back: TICKETBOT_PUBLIC_URL/auth/NAME/callback.
func (s *Server) redirectURL(name string) string {
	return strings.TrimRight(s.cfg.PublicURL, "/") + "/auth/" + name + "/callback"
}

// startSignIn serves GET /auth/NAME?next=PATH: it stores a new sign-in and sends the browser
// to the platform's authorisation page.
func (s *Server) startSignIn(w http.ResponseWriter, r *http.Request, p signInProvider) {
	if d := s.cfg.Throttle.Allow(r.Context(), "signin:"+s.clientIP(r), signInLimit); !d.Allowed {
		s.pageError(w, r, nil, &httpError{status: http.StatusTooManyRequests, code: core.ERateLimited,
			message: "too many sign-ins from your address; try again in " + waitText(d.RetryAfter), retry: d.RetryAfter})
		return
	}
	next := safeNext(r.URL.Query().Get("next"))
	if r.URL.Query().Get("link") == "1" {
		// Linking: the callback links the identity to the account signed in here.
		if v, err := s.session(r); err != nil || v == nil || v.identity != nil {
			http.Redirect(w, r, "/login?next="+url.QueryEscape("/account/password"), http.StatusSeeOther)
			return
		}
		next = linkNext
	}
	verifier := oauth2.GenerateVerifier()
	var nonce string
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}
	if p.nonce() {
		nonce = randomToken(24)
		opts = append(opts, oauth2.SetAuthURLParam("nonce", nonce))
	}
	state, err := s.accounts.StartSignIn(r.Context(), p.name(), verifier, nonce, next)
	if err != nil {
		s.pageError(w, r, nil, err)
		return
	}
	s.setCookie(w, "tb_signin", state, signInCookieTTL)
	http.Redirect(w, r, p.oauth().AuthCodeURL(state, opts...), http.StatusFound)
}

// errSignIn is what the sign-in page says when a platform sign-in is refused.
const errSignIn = "Signing in did not work: "

// finishSignIn serves GET /auth/NAME/callback?code=…&state=….
func (s *Server) finishSignIn(w http.ResponseWriter, r *http.Request, p signInProvider) {
	q := r.URL.Query()
	// A refusal leaves the browser's tb_signin cookie alone: a forged link someone else sent
	// must not break the sign-in this browser is in the middle of.
	refuse := func(status int, msg string) {
		s.renderLogin(w, r, status, loginView{Next: "/portal"}, errSignIn+msg)
	}
	if e := q.Get("error"); e != "" {
		refuse(http.StatusForbidden, "the sign-in was cancelled or refused on "+sourceLabel(p.name())+".")
		return
	}
	state, code := q.Get("state"), q.Get("code")
	c, err := r.Cookie(s.cookieName("tb_signin"))
	if err != nil || state == "" || code == "" || !validCSRF(c.Value, state) {
		refuse(http.StatusForbidden, "this sign-in was not started in this browser. Please start again.")
		return
	}
	ctx := r.Context()
	st, err := s.accounts.FinishSignIn(ctx, p.name(), state)
	if err != nil {
		if core.IsCode(err, core.EForbidden) {
			refuse(http.StatusForbidden, "this sign-in link was already used or has expired. Please start again.")
			return
		}
		s.pageError(w, r, nil, err)
		return
	}
	pctx, cancel := context.WithTimeout(ctx, providerTimeout)
	defer cancel()
	id, err := p.identify(pctx, code, st)
	switch core.ErrorCode(err) {
	case "":
	case core.EForbidden:
		s.log.Info("web: platform sign-in refused", "provider", p.name(), "err", err, "client", s.clientIP(r))
		refuse(http.StatusForbidden, upperFirst(core.ErrorMessage(err))+".")
		return
	default:
		s.pageError(w, r, nil, err)
		return
	}
	for _, m := range id.Memberships {
		s.cfg.Names.Learn(core.PersonKey(m.Workspace, id.User.ID), id.User.Name, true)
	}
	if st.Next == linkNext {
		if acc, err := s.session(r); err == nil && acc != nil && acc.identity == nil {
			s.setCookie(w, "tb_signin", "", -1)
			s.linkIdentity(w, r, acc, id)
			return
		}
		st.Next = "/"
	}
	sess, err := s.startIdentitySession(ctx, w, r, id)
	if err != nil {
		s.pageError(w, r, nil, err)
		return
	}
	s.setCookie(w, "tb_signin", "", -1)
	v := identityViewer(sess)
	s.log.Info("web: signed in", "provider", p.name(), "user", id.User.ID, "role", v.Role, "workspace", v.Workspace.String(), "client", s.clientIP(r))
	next := st.Next
	switch {
	case next == "/" && !v.IsStaff():
		next = "/portal"
	case v.mustChoose() && next != "/portal" && !strings.HasPrefix(next, "/portal/"):
		next = "/workspace?next=" + url.QueryEscape(next)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// helpdesks keeps of ms the workspaces ticketbot serves: set up (a triage, support or request
// channel) or with tickets. Errors: unavailable, internal.
func (s *Server) helpdesks(ctx context.Context, ws []core.Workspace) ([]core.Workspace, error) {
	known, err := s.svc.Workspaces(ctx, core.System())
	if err != nil {
		return nil, err
	}
	var out []core.Workspace
	for _, w := range ws {
		if _, err := core.ParseWorkspace(w.String()); err != nil {
			continue
		}
		st, err := s.svc.Settings(ctx, w)
		if err != nil {
			return nil, err
		}
		if st.TriageChannel != "" || st.SupportChannel != "" || len(st.RequestChannels) > 0 || containsWS(known, w) {
			out = append(out, w)
		}
	}
	return out, nil
}

func containsWS(list []core.Workspace, w core.Workspace) bool {
	for _, x := range list {
		if x == w {
			return true
		}
	}
	return false
}

// roleIn asks roles for user's role in ws; without a lookup, or when the platform cannot
// say, the person signs in as a requester (the portal) and the log says why.
func (s *Server) roleIn(ctx context.Context, roles PlatformRoles, ws core.Workspace, user string) core.Role {
	if roles == nil {
		return core.RoleRequester
	}
	role, err := roles.SignInRole(ctx, ws, user)
	if err != nil {
		s.log.Warn("web: could not look up a signed-in user's role; signing in as a requester", "workspace", ws.String(), "user", user, "err", err)
		return core.RoleRequester
	}
	return role
}

// providerError turns a failed exchange or lookup at the platform into a refusal (the
// platform said no: a bad or used code, a wrong client) or unavailable (it did not answer).
func providerError(op, platform string, err error) error {
	var re *oauth2.RetrieveError
	// Slack answers a refused exchange with 200 {"ok":false,"error":"invalid_code"}, which
	// the oauth2 package reports as a response without an access token.
	if errors.As(err, &re) || strings.Contains(err.Error(), "missing access_token") {
		return &core.Error{Code: core.EForbidden, Op: op, Message: platform + " did not accept the sign-in code", Err: err}
	}
	return &core.Error{Code: core.EUnavailable, Op: op, Message: platform + " did not answer", Err: err}
}

// hostRoot is the scheme and host of u ("https://discord.com").
func hostRoot(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" {
		return ""
	}
	return p.Scheme + "://" + p.Host
}

// signInProviders builds the configured providers.
func (s *Server) signInProviders() []signInProvider {
	if s.cfg.PublicURL == "" {
		s.cfg.PublicURL = "http://localhost:8080"
	}
	var out []signInProvider
	if c := s.cfg.Slack; c != nil && c.ClientID != "" && c.ClientSecret != "" {
		out = append(out, newSlackProvider(s, *c))
	}
	if c := s.cfg.Discord; c != nil && c.ClientID != "" && c.ClientSecret != "" {
		out = append(out, newDiscordProvider(s, *c))
	}
	return out
}
