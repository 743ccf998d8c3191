package slacktest

import (
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"github.com/ticketbot/ticketbot/core/coretest"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Identities the fake answers as.
const (
	BotUserID = "UBOT"
	BotID     = "BBOT"
	AppID     = "A1"
	// DefaultBotToken and DefaultAppToken are the tokens a Server accepts unless Options
	// name others.
	DefaultBotToken = "xoxb-slacktest-bot-token"
	DefaultAppToken = "xapp-slacktest-app-token"
	// Issuer is the iss of the ID tokens the fake signs, as Slack's.
	Issuer = "https://slack.com"
)

// DefaultScopes is what the x-oauth-scopes header lists unless Options.Scopes says otherwise.
var DefaultScopes = []string{
	"channels:history", "channels:join", "channels:read", "chat:write", "commands", "groups:history",
	"groups:read", "im:history", "im:read", "im:write", "reactions:read", "reactions:write",
	"team:read", "usergroups:read", "users:read",
}

// Options configure a Server. Every field has a default.
type Options struct {
	Team       string // team id ["T1"]
	TeamName   string // ["Acme"]
	TeamDomain string // the workspace's subdomain, in URLs and permalinks ["fake"]
	BotToken   string // [DefaultBotToken]
	AppToken   string // Socket Mode token [DefaultAppToken]
	// Scopes are listed in the x-oauth-scopes header of every Web API answer [DefaultScopes].
	Scopes []string
	// MemberPageSize caps the members of a conversations.members page below the request's
	// limit (0: the limit alone, as Slack), to exercise paging.
	MemberPageSize int
	// Strict refuses posts into channels the fake does not know (channel_not_found) or the
	// bot is not in (not_in_channel). Otherwise a post into an unknown channel creates it as
	// a public channel with the bot in it.
	Strict bool
	// ImplicitUsers makes users.info and conversations.open treat an unknown user id as an
	// ordinary member named after it (benchmarks with a new user per request).
	ImplicitUsers bool
	// MaxCalls keeps only the latest MaxCalls recorded calls (0: every call); benchmarks
	// bound the memory with it.
	MaxCalls int
	// OnCall, when set, is called with every call once it is recorded (outside the fake's
	// lock), e.g. to time deliveries in a benchmark.
	OnCall func(Call)
	// ClientID and ClientSecret are the app's OAuth credentials ["111.222", "slacktest-client-secret"].
	ClientID, ClientSecret string
	// Clock stamps calls, messages and tokens [time.Now].
	Clock func() time.Time
}

// Cleaner is what Start needs of a test or benchmark: *testing.T and *testing.B are ones.
type Cleaner interface {
	Helper()
	Cleanup(func())
}

// Fataler is what the Wait helpers need to fail a test.
type Fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

// Server is a fake Slack: Web API under /api/, response URLs under /response/, Socket Mode
// under /link/, OpenID Connect keys and authorisation under /openid/ and /oauth/. All its
// methods are safe for concurrent use.
type Server struct {
	srv  *httptest.Server
	opts Options

	mu         sync.Mutex
	changed    chan struct{}
	calls      []Call
	faults     []*fault
	seq        int64 // message ts and ids
	users      map[string]*User
	channels   map[string]*Channel
	chanOrder  []string
	groups     map[string][]string
	messages   map[string][]*Message // channel → messages in ts order
	index      map[string]*Message   // channel + "/" + ts → message
	ephemerals []Ephemeral
	views      []*View
	expired    map[string]bool // trigger ids
	responses  map[string]place
	tokens     map[string]grantToken // tokens the fake issued
	codes      map[string]*Grant
	signIn     *Grant
	key        *rsa.PrivateKey
	sockets    chan *Socket
	live       map[*Socket]bool
	botRevoked bool
	handlers   map[string]handler
	notify     []Call  // recorded, not yet handed to OnCall
	held       []*Call // calls a Hang or Delay fault holds right now
}

// New starts a fake Slack. Close it when done (Start does that for a test).
func New(o Options) *Server {
	if o.Team == "" {
		o.Team = "T1"
	}
	if o.TeamName == "" {
		o.TeamName = "Acme"
	}
	if o.TeamDomain == "" {
		o.TeamDomain = "fake"
	}
	if o.BotToken == "" {
		o.BotToken = DefaultBotToken
	}
	if o.AppToken == "" {
		o.AppToken = DefaultAppToken
	}
	if o.Scopes == nil {
		o.Scopes = DefaultScopes
	}
	if o.ClientID == "" {
		o.ClientID = "111.222"
	}
	if o.ClientSecret == "" {
		o.ClientSecret = "slacktest-client-secret"
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	s := &Server{
		opts:      o,
		changed:   make(chan struct{}),
		users:     map[string]*User{BotUserID: {ID: BotUserID, Name: "ticketbot", RealName: "ticketbot", Bot: true}},
		channels:  map[string]*Channel{},
		groups:    map[string][]string{},
		messages:  map[string][]*Message{},
		index:     map[string]*Message{},
		expired:   map[string]bool{},
		responses: map[string]place{},
		tokens:    map[string]grantToken{},
		codes:     map[string]*Grant{},
		sockets:   make(chan *Socket, 16),
		live:      map[*Socket]bool{},
	}
	s.handlers = s.methods()
	mux := http.NewServeMux()
	mux.HandleFunc("/api/", s.serveAPI)
	mux.HandleFunc("/response/", s.serveResponseURL)
	mux.HandleFunc("/link/", s.serveSocket)
	mux.HandleFunc("/openid/connect/keys", s.serveJWKS)
	mux.HandleFunc("/openid/connect/authorize", s.serveAuthorize)
	mux.HandleFunc("/oauth/v2/authorize", s.serveAuthorize)
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		s.flush()
	}))
	return s
}

// Start is New closed when tb ends.
func Start(tb Cleaner, o Options) *Server {
	tb.Helper()
	s := New(o)
	tb.Cleanup(s.Close)
	return s
}

// Close releases the calls faults hold, stops the server and drops every Socket Mode
// connection. (A held call whose client still waits would keep the server from closing.)
func (s *Server) Close() {
	s.ClearFaults()
	s.mu.Lock()
	socks := make([]*Socket, 0, len(s.live))
	for k := range s.live {
		socks = append(socks, k)
	}
	s.mu.Unlock()
	for _, k := range socks {
		k.Close()
	}
	s.srv.Close()
}

// URL is the server's root ("http://127.0.0.1:PORT").
func (s *Server) URL() string { return s.srv.URL }

// APIURL is the Web API base to configure (SLACK_API_URL), ending in "/api/".
func (s *Server) APIURL() string { return s.srv.URL + "/api/" }

// JWKSURL is where the keys that sign ID tokens are served.
func (s *Server) JWKSURL() string { return s.srv.URL + "/openid/connect/keys" }

// Client is an HTTP client for the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Team is the workspace's team id.
func (s *Server) Team() string { return s.opts.Team }

// BotToken and AppToken are the tokens the server accepts.
func (s *Server) BotToken() string { return s.opts.BotToken }

// AppToken is the Socket Mode token the server accepts.
func (s *Server) AppToken() string { return s.opts.AppToken }

// ClientID is the OAuth client id the server accepts.
func (s *Server) ClientID() string { return s.opts.ClientID }

// ClientSecret is the OAuth client secret the server accepts.
func (s *Server) ClientSecret() string { return s.opts.ClientSecret }

// SetScopes changes what x-oauth-scopes lists from now on.
func (s *Server) SetScopes(scopes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.Scopes = append([]string(nil), scopes...)
}

func (s *Server) now() time.Time { return s.opts.Clock() }

// touch wakes waiters; s.mu is held.
func (s *Server) touch() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// record appends c and wakes waiters; s.mu is held.
func (s *Server) record(c *Call) {
	if n := s.opts.MaxCalls; n > 0 && len(s.calls) >= n {
		drop := len(s.calls) - n + 1 + n/2 // drop a half at a time, not one per call
		s.calls = append(s.calls[:0], s.calls[min(drop, len(s.calls)):]...)
	}
	s.calls = append(s.calls, *c)
	s.touch()
	if s.opts.OnCall != nil {
		s.notify = append(s.notify, *c)
	}
}

// flush hands the calls recorded since the last flush to OnCall; s.mu is not held.
func (s *Server) flush() {
	if s.opts.OnCall == nil {
		return
	}
	s.mu.Lock()
	cs := s.notify
	s.notify = nil
	s.mu.Unlock()
	for _, c := range cs {
		s.opts.OnCall(c)
	}
}

// nextTS returns a fresh message ts; s.mu is held.
func (s *Server) nextTS() string {
	s.seq++
	return fmt.Sprintf("%d.%06d", 1700000000+s.seq/1000000, s.seq%1000000)
}

// readCall decodes a request into a Call and the token it carries (Authorization: Bearer,
// or a token parameter).
func readCall(r *http.Request, method string, at time.Time) (*Call, string) {
	c := &Call{Method: method, Params: map[string]string{}, JSON: map[string]any{}, At: at}
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	id, secret, basic := r.BasicAuth() // OAuth exchanges may carry the client's credentials so
	if basic {
		token = ""
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		_ = json.Unmarshal(body, &c.JSON)
		for k, v := range c.JSON {
			if str, ok := v.(string); ok {
				c.Params[k] = str
			} else {
				b, _ := json.Marshal(v)
				c.Params[k] = string(b)
			}
		}
	} else {
		vals, _ := url.ParseQuery(string(body))
		for k, vs := range r.URL.Query() {
			vals[k] = append(vals[k], vs...)
		}
		for k := range vals {
			v := vals.Get(k)
			c.Params[k] = v
			var x any
			if (strings.HasPrefix(v, "[") || strings.HasPrefix(v, "{")) && json.Unmarshal([]byte(v), &x) == nil {
				c.JSON[k] = x
			} else {
				c.JSON[k] = v
			}
		}
	}
	if t, ok := c.Params["token"]; ok {
		if token == "" {
			token = t
		}
		delete(c.Params, "token")
		delete(c.JSON, "token")
	}
	if basic && c.Params["client_id"] == "" {
		c.Params["client_id"], c.Params["client_secret"] = id, secret
	}
	c.Strings = coretest.JSONStrings(c.JSON, nil)
	return c, token
}

type obj = map[string]any

// writeJSON answers v with status and the x-oauth-scopes header.
func (s *Server) writeJSON(w http.ResponseWriter, status int, v any, hdr http.Header) {
	s.mu.Lock()
	scopes := strings.Join(s.opts.Scopes, ",")
	s.mu.Unlock()
	for k, vs := range hdr {
		w.Header()[k] = vs
	}
	w.Header().Set("X-OAuth-Scopes", scopes)
	w.Header().Set("X-Accepted-OAuth-Scopes", "")
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// serveAPI serves one Web API call: faults first, then the token, then the method.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	method := strings.Trim(strings.TrimPrefix(r.URL.Path, "/api/"), "/")
	c, token := readCall(r, method, s.now())
	c.Token = token

	f, done := s.applyFault(w, r, c)
	if done {
		return
	}

	s.mu.Lock()
	fields, code := s.dispatch(c, token)
	c.Status, c.Error = http.StatusOK, code
	var answer any = fields
	if code != "" {
		answer = obj{"ok": false, "error": code}
	} else {
		if fields == nil {
			fields = obj{}
		}
		fields["ok"] = true
		answer = fields
	}
	late := f != nil && f.Late > 0
	if !late {
		c.Answered = s.now()
	}
	s.record(c)
	idx := len(s.calls) - 1
	s.mu.Unlock()
	s.flush()

	if late {
		f.wait(r, f.Late)
		s.mu.Lock()
		if idx < len(s.calls) && s.calls[idx].At == c.At && s.calls[idx].Method == c.Method {
			s.calls[idx].Answered = s.now()
		}
		s.touch()
		s.mu.Unlock()
	}
	s.writeJSON(w, http.StatusOK, answer, nil)
}

// applyFault applies the fault matching c, if any: it holds the call, and answers it when
// the fault is a failure (done) or the client left during a hang (done, no answer). The
// fault is returned for a late answer.
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, c *Call) (f *fault, done bool) {
	f = s.takeFault(c)
	if f == nil {
		return nil, false
	}
	holds := f.Hang || f.Delay > 0
	if holds {
		s.holding(c, true)
	}
	served := f.hold(r, c)
	if holds {
		s.holding(c, false)
	}
	if !served {
		s.mu.Lock()
		c.Status, c.Error, c.Answered = 0, "client_gone", s.now()
		s.record(c)
		s.mu.Unlock()
		return f, true
	}
	if f.Status == 0 && f.Error == "" {
		return f, false
	}
	status, body, hdr := f.answer()
	s.mu.Lock()
	c.Status, c.Error, c.Answered = status, body["error"].(string), s.now()
	s.record(c)
	s.mu.Unlock()
	s.writeJSON(w, status, body, hdr)
	return f, true
}

// dispatch runs method; s.mu is held. It returns the answer's fields or a Slack error code.
func (s *Server) dispatch(c *Call, token string) (obj, string) {
	switch c.Method {
	case "oauth.v2.access", "openid.connect.token":
		return s.exchange(c)
	case "openid.connect.userInfo":
		return s.userInfo(token)
	case "apps.connections.open":
		if token != s.opts.AppToken {
			return nil, "invalid_auth"
		}
		return obj{"url": "ws" + strings.TrimPrefix(s.srv.URL, "http") + "/link/?ticket=" + strconv.FormatInt(s.seq+1, 10) + "&app_id=" + AppID}, ""
	}
	team, user, ok := s.tokenOwner(token)
	if !ok {
		if token == "" {
			return nil, "not_authed"
		}
		return nil, "invalid_auth"
	}
	h, ok := s.handlers[c.Method]
	if !ok {
		return nil, "unknown_method"
	}
	_ = team
	return h(c, user)
}

// tokenOwner says whose token is: the bot's, or one the fake issued; s.mu is held.
func (s *Server) tokenOwner(token string) (team, user string, ok bool) {
	if token == s.opts.BotToken && token != "" && !s.botRevoked {
		return s.opts.Team, BotUserID, true
	}
	if g, found := s.tokens[token]; found && !g.revoked {
		return g.Team, g.User, true
	}
	return "", "", false
}

// RevokeTokens makes every token the fake knows answer invalid_auth from now on, as after
// tokens_revoked; the bot token too when bot is set.
func (s *Server) RevokeTokens(bot bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, g := range s.tokens {
		g.revoked = true
		s.tokens[k] = g
	}
	s.botRevoked = s.botRevoked || bot
}
