package discordtest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
)

// ClientSecret is the OAuth2 client secret the fake accepts unless SetClient says otherwise;
// the client id is AppID.
const ClientSecret = "discordtest-client-secret"

// Grant is what an OAuth2 authorisation code stands for: User signing in with Scopes.
type Grant struct {
	User   User
	Scopes []string // ["identify", "guilds"]
	// RedirectURI, when set, must match the token request's.
	RedirectURI string
	// CodeChallenge (S256), when set, must match the token request's code_verifier.
	CodeChallenge string
}

type oauthState struct {
	clientID, secret string
	codes            map[string]*Grant
	tokens           map[string]*Grant // access and refresh tokens
	signIn           *Grant
}

func newOAuthState() oauthState {
	return oauthState{clientID: AppID, secret: ClientSecret, codes: map[string]*Grant{}, tokens: map[string]*Grant{}}
}

// SetClient sets the OAuth2 client id and secret the fake accepts.
func (a *API) SetClient(id, secret string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.oa.clientID, a.oa.secret = id, secret
}

// IssueCode returns a one-time authorisation code for g.
func (a *API) IssueCode(g Grant) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.issueCode(g)
}

func (a *API) issueCode(g Grant) string {
	if g.Scopes == nil {
		g.Scopes = []string{"identify", "guilds"}
	}
	code := randomToken()
	a.oa.codes[code] = &g
	return code
}

// SignInAs makes GET /oauth2/authorize redirect back with a code for g, as if the person
// had approved.
func (a *API) SignInAs(g Grant) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.oa.signIn = &g
}

// AuthorizeURL is the fake's authorisation page (the real one is https://discord.com/oauth2/authorize).
func (a *API) AuthorizeURL() string { return a.srv.URL + "/oauth2/authorize" }

func randomToken() string {
	b := make([]byte, 15)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// oauthUser is the user an OAuth2 bearer token belongs to; a.mu is held.
func (a *API) oauthUser(auth string) (User, bool) {
	tok, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok {
		return User{}, false
	}
	g, ok := a.oa.tokens[tok]
	if !ok {
		return User{}, false
	}
	return g.User, true
}

func oauthError(status int, code, desc string) (int, any, map[string]string) {
	return status, obj{"error": code, "error_description": desc}, nil
}

// serveOAuth serves /oauth2/authorize (a redirect) and /oauth2/token; a.mu is held.
func (a *API) serveOAuth(method, p string, q url.Values, body []byte, auth string) (int, any, map[string]string) {
	switch {
	case method == http.MethodGet && p == "oauth2/authorize":
		redirect, err := url.Parse(q.Get("redirect_uri"))
		switch {
		case q.Get("client_id") != a.oa.clientID:
			return oauthError(http.StatusBadRequest, "invalid_client", "Unknown client")
		case err != nil || redirect.Scheme == "":
			return oauthError(http.StatusBadRequest, "invalid_request", "Invalid redirect_uri")
		case a.oa.signIn == nil:
			return oauthError(http.StatusForbidden, "access_denied", "The resource owner denied the request")
		}
		g := *a.oa.signIn
		g.RedirectURI, g.CodeChallenge = q.Get("redirect_uri"), q.Get("code_challenge")
		if s := q.Get("scope"); s != "" {
			g.Scopes = strings.Fields(s)
		}
		back := redirect.Query()
		back.Set("code", a.issueCode(g))
		back.Set("state", q.Get("state"))
		redirect.RawQuery = back.Encode()
		return http.StatusFound, nil, map[string]string{"Location": redirect.String()}
	case method == http.MethodPost && p == "oauth2/token":
		form, _ := url.ParseQuery(string(body))
		id, secret := form.Get("client_id"), form.Get("client_secret")
		r := http.Request{Header: http.Header{"Authorization": {auth}}}
		if u, pw, ok := r.BasicAuth(); ok {
			id, secret = u, pw
		}
		if id != a.oa.clientID || secret != a.oa.secret {
			return oauthError(http.StatusUnauthorized, "invalid_client", "Invalid client")
		}
		var g *Grant
		switch form.Get("grant_type") {
		case "authorization_code":
			var ok bool
			if g, ok = a.oa.codes[form.Get("code")]; !ok {
				return oauthError(http.StatusBadRequest, "invalid_grant", `Invalid "code" in request.`)
			}
			if g.RedirectURI != "" && form.Get("redirect_uri") != g.RedirectURI {
				return oauthError(http.StatusBadRequest, "invalid_grant", `Invalid "redirect_uri" in request.`)
			}
			if g.CodeChallenge != "" {
				sum := sha256.Sum256([]byte(form.Get("code_verifier")))
				if base64.RawURLEncoding.EncodeToString(sum[:]) != g.CodeChallenge {
					return oauthError(http.StatusBadRequest, "invalid_grant", `Invalid "code_verifier" in request.`)
				}
			}
			delete(a.oa.codes, form.Get("code"))
		case "refresh_token":
			var ok bool
			if g, ok = a.oa.tokens["refresh:"+form.Get("refresh_token")]; !ok {
				return oauthError(http.StatusBadRequest, "invalid_grant", `Invalid "refresh_token" in request.`)
			}
		default:
			return oauthError(http.StatusBadRequest, "unsupported_grant_type", "Unsupported grant type")
		}
		access, refresh := randomToken(), randomToken()
		a.oa.tokens[access], a.oa.tokens["refresh:"+refresh] = g, g
		return 200, obj{"access_token": access, "token_type": "Bearer", "expires_in": 604800,
			"refresh_token": refresh, "scope": strings.Join(g.Scopes, " ")}, nil
	case method == http.MethodPost && p == "oauth2/token/revoke":
		form, _ := url.ParseQuery(string(body))
		delete(a.oa.tokens, form.Get("token"))
		return 200, obj{}, nil
	}
	return apiError(http.StatusNotFound, 0, "404: Not Found")
}
