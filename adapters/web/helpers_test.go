package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/ticketbot/ticketbot/adapters/web"
	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/gormstore"
	"github.com/ticketbot/ticketbot/core/gormstore/gormstoretest"
	"github.com/ticketbot/ticketbot/core/memstate"
)

// backend is a database the tests run against.
type backend struct {
	name string
	url  func(t *testing.T) string
}

func backends() []backend {
	return []backend{
		{"sqlite", func(t *testing.T) string { return "sqlite://" + t.TempDir() + "/t.db" }},
		{"mariadb", func(t *testing.T) string { return gormstoretest.MySQLURL(t) }},
	}
}

// eachBackend runs fn as a subtest per database.
func eachBackend(t *testing.T, fn func(t *testing.T, dbURL string)) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) { fn(t, b.url(t)) })
	}
}

// harness is a Server on a real store, served over HTTP.
type harness struct {
	t        *testing.T
	store    *gormstore.Store
	state    core.StateStore
	svc      *core.Service
	accounts *core.Accounts
	throttle *core.Throttle
	srv      *web.Server
	ts       *httptest.Server
	clock    core.Clock
	logs     *bytes.Buffer
	token    string // a valid API token called "tester" (scope write, every workspace)
	names    *core.Names
	webhooks *core.Webhooks
}

// harnessConfig is what options change: the web.Config and the state store.
type harnessConfig struct {
	web.Config
	state  core.StateStore
	names  bool
	server func(*http.Server)
}

// withNames gives the server names kept in the store and the state store (core.Names).
func withNames() option { return func(cfg *harnessConfig) { cfg.names = true } }

type option func(*harnessConfig)

func withClock(c core.Clock) option { return func(cfg *harnessConfig) { cfg.Clock = c } }

func withWeb(fn func(*web.Config)) option { return func(cfg *harnessConfig) { fn(&cfg.Config) } }

// withLive gives the service and the dashboard live updates over the in-process PubSub.
func withLive(t *testing.T) option {
	return func(cfg *harnessConfig) {
		cfg.Live = core.NewLive(core.LiveConfig{PubSub: memstate.NewPubSub()})
		go cfg.Live.Run(t.Context())
		<-cfg.Live.Ready()
	}
}

// withServer changes the HTTP server before it starts (timeouts).
func withServer(fn func(*http.Server)) option { return func(cfg *harnessConfig) { cfg.server = fn } }

// withState runs the service on st instead of a fresh in-process state store.
func withState(st core.StateStore) option { return func(cfg *harnessConfig) { cfg.state = st } }

// helpdesks are the workspaces the harness sets up, so the API may open tickets in them.
var helpdesks = []string{"slack:T123", "discord:42", "discord:80351110224678912"}

func newHarness(t *testing.T, dbURL string, opts ...option) *harness {
	t.Helper()
	ctx := context.Background()
	logs := &bytes.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	store, err := gormstore.Open(ctx, dbURL, nil)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = store.Close() })
	if err := store.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	cfg := harnessConfig{Config: web.Config{Log: log, SessionTTL: time.Hour}}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.Clock == nil {
		cfg.Clock = core.SystemClock{}
	}
	if cfg.state == nil {
		m := memstate.New(cfg.Clock)
		t.Cleanup(func() { _ = m.Close() })
		cfg.state = m
	}
	lim, _ := cfg.state.(core.Limiter)
	if lim == nil {
		lim = memstate.New(cfg.Clock)
	}
	svc := core.NewService(core.ServiceConfig{Store: store, State: cfg.state, Limiter: lim, Clock: cfg.Clock, Log: log, Live: cfg.Live})
	accounts, err := core.NewAccounts(core.AccountsConfig{Store: store, Sessions: store, Clock: cfg.Clock, Log: log, Cost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Service, cfg.Accounts, cfg.Throttle = svc, accounts, core.NewThrottle(lim, log)
	if cfg.names {
		cfg.Names = core.NewNames(core.NamesConfig{Store: store, Cache: core.NewCache(cfg.state, "names"), Clock: cfg.Clock, Log: log})
		nctx, stop := context.WithCancel(context.Background())
		t.Cleanup(stop)
		go cfg.Names.Run(nctx)
	}
	if cfg.Views == nil {
		cfg.Views = core.NewViews(core.ViewsConfig{Store: store, Clock: cfg.Clock})
	}
	if cfg.Webhooks == nil {
		sealer, err := core.NewSealer(bytes.Repeat([]byte{7}, core.SecretKeySize))
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Webhooks, err = core.NewWebhooks(core.WebhooksConfig{Store: store, Sealer: sealer, Clock: cfg.Clock}); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := web.New(cfg.Config)
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	mux := http.NewServeMux()
	srv.Routes(mux)
	ts := httptest.NewUnstartedServer(mux)
	if cfg.server != nil {
		cfg.server(ts.Config)
	}
	ts.Start()
	t.Cleanup(ts.Close)
	h := &harness{t: t, store: store, state: cfg.state, svc: svc, accounts: accounts, throttle: cfg.Throttle, srv: srv, ts: ts, clock: cfg.Clock, logs: logs, names: cfg.Names, webhooks: cfg.Webhooks}
	h.token = h.issue(core.NewToken{Name: "tester"})
	for _, ws := range helpdesks {
		h.helpdesk(ws)
	}
	return h
}

// issue creates an API token and returns its secret.
func (h *harness) issue(in core.NewToken) string {
	h.t.Helper()
	_, secret, err := h.accounts.CreateToken(context.Background(), core.System(), in)
	if err != nil {
		h.t.Fatalf("CreateToken: %v", err)
	}
	return secret
}

// helpdesk sets up a helpdesk in ws, as /ticket setup would.
func (h *harness) helpdesk(ws string) {
	h.t.Helper()
	w, err := core.ParseWorkspace(ws)
	if err != nil {
		h.t.Fatal(err)
	}
	if err := h.store.SaveSettings(context.Background(), core.Settings{Workspace: w, TriageChannel: "C1"}, core.System().User); err != nil {
		h.t.Fatalf("SaveSettings: %v", err)
	}
}

var (
	wsSlack   = core.Workspace{Platform: core.PlatformSlack, ExternalID: "T123"}
	wsDiscord = core.Workspace{Platform: core.PlatformDiscord, ExternalID: "80351110224678912"}
)

// requester is a chat user of ws.
func requester(ws core.Workspace, id string) core.Actor {
	return core.Actor{User: core.UserRef{ID: id, Name: "user " + id}, Role: core.RoleRequester, Workspace: ws}
}

// open opens a ticket in ws as a requester.
func (h *harness) open(ws core.Workspace, title string) core.Ticket {
	h.t.Helper()
	t, err := h.svc.OpenTicket(context.Background(), requester(ws, "U1"), core.OpenInput{Workspace: ws, Title: title, Description: "details of " + title})
	if err != nil {
		h.t.Fatalf("OpenTicket: %v", err)
	}
	return t
}

// drainEvents delivers every pending outbox event and returns them in order.
func (h *harness) drainEvents() []core.Event {
	h.t.Helper()
	ctx := context.Background()
	var out []core.Event
	for range 100 {
		evs, err := h.store.ClaimEvents(ctx, "web-test", time.Now().Add(time.Hour), time.Minute, 100)
		if err != nil {
			h.t.Fatalf("ClaimEvents: %v", err)
		}
		if len(evs) == 0 {
			return out
		}
		for _, ev := range evs {
			if err := h.store.MarkDelivered(ctx, ev.ID, "web-test", time.Now()); err != nil {
				h.t.Fatalf("MarkDelivered: %v", err)
			}
			out = append(out, ev)
		}
	}
	h.t.Fatal("outbox never drained")
	return nil
}

// response is a finished HTTP exchange.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("response is not JSON (%v): %s", err, r.body)
	}
}

// errorCode returns the code of a JSON error body.
func (r response) errorCode(t *testing.T) string {
	t.Helper()
	var e struct {
		Error struct{ Code, Message string }
	}
	r.json(t, &e)
	if e.Error.Message == "" {
		t.Errorf("error without a message: %s", r.body)
	}
	return e.Error.Code
}

// api sends an API request with the harness token (token "" sends none, "-" the default).
func (h *harness) api(method, path, token, body string, hdr ...string) response {
	h.t.Helper()
	if token == "-" {
		token = h.token
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, h.ts.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return h.do(http.DefaultClient, req)
}

func (h *harness) do(c *http.Client, req *http.Request) response {
	h.t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// browser is an HTTP client with cookies that does not follow redirects, like a person at
// the dashboard who looks at every answer.
type browser struct {
	h    *harness
	c    *http.Client
	csrf string // the last CSRF token seen on a page
}

func (h *harness) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{h: h, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) get(path string) response {
	b.h.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.h.ts.URL+path, nil)
	r := b.h.do(b.c, req)
	if m := csrfField.FindSubmatch(r.body); m != nil {
		b.csrf = string(m[1])
	}
	return r
}

// post submits a form; the csrf field is added from the last page unless form has one.
func (b *browser) post(path string, form url.Values, hdr ...string) response {
	b.h.t.Helper()
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", b.csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, b.h.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	r := b.h.do(b.c, req)
	if m := csrfField.FindSubmatch(r.body); m != nil {
		b.csrf = string(m[1])
	}
	return r
}

// login signs in through the form and fails the test unless it works.
func (b *browser) login(name, password string) {
	b.h.t.Helper()
	b.get("/login")
	r := b.post("/login", url.Values{"username": {name}, "password": {password}})
	if r.status != http.StatusSeeOther {
		b.h.t.Fatalf("login %s: status %d: %s", name, r.status, r.body)
	}
	b.get("/") // picks up the session's CSRF token
}

// account creates a dashboard account.
func (h *harness) account(name string, role core.Role, password string) {
	h.t.Helper()
	var ws core.Workspace
	if role == core.RoleRequester {
		ws = wsSlack
	}
	if _, err := h.accounts.Create(context.Background(), core.System(), core.NewAccount{Name: name, Role: role, Workspace: ws, Password: []byte(password)}); err != nil {
		h.t.Fatalf("CreateAccount: %v", err)
	}
}

func wantStatus(t *testing.T, r response, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d; body: %.600s", r.status, want, r.body)
	}
}

func wantBody(t *testing.T, r response, substr string) {
	t.Helper()
	if !bytes.Contains(r.body, []byte(substr)) {
		t.Fatalf("body lacks %q: %.2000s", substr, r.body)
	}
}

// svcLog is a logger writing into h.logs.
func (h *harness) svcLog() *slog.Logger {
	return slog.New(slog.NewTextHandler(h.logs, nil))
}

func newTestServer(t *testing.T, hd http.Handler) *httptest.Server {
	ts := httptest.NewServer(hd)
	t.Cleanup(ts.Close)
	return ts
}
