package slacktest

import (
	"cmp"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// KeyID is the kid of the key that signs ID tokens.
const KeyID = "slacktest-key-1"

// Grant is what an authorisation code stands for: an install (oauth.v2.access) or a sign-in
// (openid.connect.token) by User of Team.
type Grant struct {
	Team, TeamName string // [the server's]
	User           string
	Name, Email    string
	// Scopes are the bot scopes an install grants [the server's].
	Scopes []string
	// Nonce is echoed in the ID token; the authorise endpoint fills it from its request.
	Nonce string
	// RedirectURI, when set, must match the exchange's redirect_uri.
	RedirectURI string
	// CodeChallenge (S256), when set, must match the exchange's code_verifier.
	CodeChallenge string
	// IDToken bends the ID token openid.connect.token signs for the grant, to test a relying
	// party's checks; the zero value signs a right one.
	IDToken IDTokenShape
}

// IDTokenShape bends an ID token the way a misdirected or forged one is bent.
type IDTokenShape struct {
	Audience   string // aud instead of the client id: another app's token
	Nonce      string // nonce instead of the sign-in's: another sign-in's token
	ForeignKey bool   // signed by a key the JWKS does not publish (under the same kid)
}

type grantToken struct {
	Grant
	bot     bool
	revoked bool
}

// IssueCode returns a one-time authorisation code for g, as Slack's authorise page would
// hand to the redirect URI.
func (s *Server) IssueCode(g Grant) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issueCode(g)
}

func (s *Server) issueCode(g Grant) string {
	if g.Team == "" {
		g.Team, g.TeamName = s.opts.Team, s.opts.TeamName
	}
	if g.Scopes == nil {
		g.Scopes = s.opts.Scopes
	}
	code := "code-" + randomHex(10)
	s.codes[code] = &g
	return code
}

// SignInAs makes the authorise endpoints (/openid/connect/authorize, /oauth/v2/authorize)
// redirect the browser back with a code for g, as if the person had approved.
func (s *Server) SignInAs(g Grant) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.signIn = &g
}

// AuthorizeURL is the server's Sign in with Slack page (the real one is
// https://slack.com/openid/connect/authorize).
func (s *Server) AuthorizeURL() string { return s.srv.URL + "/openid/connect/authorize" }

// InstallURL is the server's install page (the real one is https://slack.com/oauth/v2/authorize).
func (s *Server) InstallURL() string { return s.srv.URL + "/oauth/v2/authorize" }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// serveAuthorize redirects to redirect_uri with a code for the SignInAs grant and the state;
// it is recorded as a call named "openid.connect.authorize" or "oauth.v2.authorize".
func (s *Server) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	method := "openid.connect.authorize"
	if strings.HasPrefix(r.URL.Path, "/oauth/") {
		method = "oauth.v2.authorize"
	}
	c, _ := readCall(r, method, s.now())
	s.mu.Lock()
	defer s.mu.Unlock()
	q := r.URL.Query()
	redirect, err := url.Parse(q.Get("redirect_uri"))
	switch {
	case q.Get("client_id") != s.opts.ClientID:
		c.Status, c.Error = http.StatusBadRequest, "invalid_client_id"
	case err != nil || redirect.Scheme == "":
		c.Status, c.Error = http.StatusBadRequest, "bad_redirect_uri"
	case s.signIn == nil:
		c.Status, c.Error = http.StatusForbidden, "access_denied"
	}
	if c.Error != "" {
		c.Answered = s.now()
		s.record(c)
		http.Error(w, c.Error, c.Status)
		return
	}
	g := *s.signIn
	g.Nonce, g.RedirectURI = q.Get("nonce"), q.Get("redirect_uri")
	if q.Get("code_challenge") != "" {
		g.CodeChallenge = q.Get("code_challenge")
	}
	code := s.issueCode(g)
	back := redirect.Query()
	back.Set("code", code)
	back.Set("state", q.Get("state"))
	redirect.RawQuery = back.Encode()
	c.Status, c.Answered = http.StatusFound, s.now()
	s.record(c)
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

// exchange serves oauth.v2.access and openid.connect.token; s.mu is held.
func (s *Server) exchange(c *Call) (obj, string) {
	id, secret := c.Params["client_id"], c.Params["client_secret"]
	if id != s.opts.ClientID {
		return nil, "invalid_client_id"
	}
	g, ok := s.codes[c.Params["code"]]
	if !ok {
		return nil, "invalid_code"
	}
	if secret != s.opts.ClientSecret && g.CodeChallenge == "" {
		return nil, "bad_client_secret"
	}
	if g.RedirectURI != "" && c.Params["redirect_uri"] != g.RedirectURI {
		return nil, "bad_redirect_uri"
	}
	if g.CodeChallenge != "" {
		sum := sha256.Sum256([]byte(c.Params["code_verifier"]))
		if base64.RawURLEncoding.EncodeToString(sum[:]) != g.CodeChallenge {
			return nil, "invalid_code_verifier"
		}
	}
	delete(s.codes, c.Params["code"]) // codes are single-use
	if c.Method == "oauth.v2.access" {
		token := "xoxb-" + g.Team + "-" + randomHex(12)
		bot := *g
		bot.User = BotUserID
		s.tokens[token] = grantToken{Grant: bot, bot: true}
		return obj{"access_token": token, "token_type": "bot", "scope": strings.Join(g.Scopes, ","),
			"bot_user_id": BotUserID, "app_id": AppID, "team": obj{"id": g.Team, "name": g.TeamName},
			"enterprise": nil, "is_enterprise_install": false,
			"authed_user": obj{"id": g.User}}, ""
	}
	token := "xoxp-" + g.Team + "-" + randomHex(12)
	s.tokens[token] = grantToken{Grant: *g}
	idToken, err := s.idToken(g)
	if err != nil {
		return nil, "internal_error"
	}
	return obj{"access_token": token, "token_type": "Bearer", "id_token": idToken}, ""
}

// claims are what the ID token and openid.connect.userInfo say of g.
func (s *Server) claims(g *Grant) obj {
	return obj{
		"sub": g.User, "https://slack.com/user_id": g.User, "https://slack.com/team_id": g.Team,
		"https://slack.com/team_name": g.TeamName, "https://slack.com/team_domain": s.opts.TeamDomain,
		"name": g.Name, "given_name": g.Name, "email": g.Email, "email_verified": g.Email != "",
		"locale": "en-US", "picture": "https://secure.gravatar.com/avatar/slacktest.png",
	}
}

// idToken signs g's ID token (RS256, kid KeyID), bent as g.IDToken says; s.mu is held.
func (s *Server) idToken(g *Grant) (string, error) {
	key, err := s.signingKey()
	if g.IDToken.ForeignKey {
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	}
	if err != nil {
		return "", err
	}
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", KeyID))
	if err != nil {
		return "", err
	}
	now := s.now()
	cl := s.claims(g)
	cl["iss"], cl["aud"] = Issuer, cmp.Or(g.IDToken.Audience, s.opts.ClientID)
	cl["iat"], cl["auth_time"], cl["exp"] = now.Unix(), now.Unix(), now.Add(time.Hour).Unix()
	if nonce := cmp.Or(g.IDToken.Nonce, g.Nonce); nonce != "" {
		cl["nonce"] = nonce
	}
	return jwt.Signed(sig).Claims(map[string]any(cl)).Serialize()
}

// signingKey makes the RSA key on first use (New stays fast for benchmarks); s.mu is held.
func (s *Server) signingKey() (*rsa.PrivateKey, error) {
	if s.key == nil {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, err
		}
		s.key = k
	}
	return s.key, nil
}

// userInfo serves openid.connect.userInfo for a token openid.connect.token issued; s.mu is held.
func (s *Server) userInfo(token string) (obj, string) {
	g, ok := s.tokens[token]
	if !ok || g.revoked || g.bot {
		return nil, "invalid_auth"
	}
	return s.claims(&g.Grant), ""
}

// serveJWKS serves the public key that signs ID tokens.
func (s *Server) serveJWKS(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	key, err := s.signingKey()
	s.mu.Unlock()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: KeyID, Algorithm: "RS256", Use: "sig"}}}
	w.Header().Set("Content-Type", "application/json")
	b, _ := json.Marshal(set)
	_, _ = w.Write(b)
}
