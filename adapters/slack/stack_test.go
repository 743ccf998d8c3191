package slack_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/adapters/slack"
	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
	"github.com/ticketbot/ticketbot/core/gormstore"
	"github.com/ticketbot/ticketbot/core/memstate"
	"github.com/ticketbot/ticketbot/core/redisstate"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// People and channels of the fake workspace.
const (
	admin    = "UADMIN"
	staff    = "USTAFF"
	reporter = "UREQ"
	stranger = "USTRANGER"
	helpdesk = "CHELP"
	origin   = "CORIGIN"
	secret   = "test-signing-secret-SECRET3"
)

// backend is one combination of ticket store and state store the suite runs on.
type backend struct {
	name  string
	store func(t *testing.T) string // database URL
	state func(t *testing.T) (core.StateStore, core.Limiter)
}

func backends() []backend {
	sqlite := func(t *testing.T) string { return "sqlite://" + filepath.Join(t.TempDir(), "t.db") }
	mem := func(t *testing.T) (core.StateStore, core.Limiter) {
		s := memstate.New(nil)
		return s, s
	}
	redis := func(t *testing.T) (core.StateStore, core.Limiter) {
		s, err := redisstate.Open(coretest.RedisURL(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s, s
	}
	return []backend{
		{name: "sqlite+memstate", store: sqlite, state: mem},
		{name: "mariadb+redis", store: func(t *testing.T) string { return coretest.MySQLURL(t) }, state: redis},
	}
}

// stackOptions vary a stack.
type stackOptions struct {
	clock        core.Clock // the adapter's clock (signature window) [system]
	secret       string     // the signing secret [secret]
	socket       bool       // Socket Mode instead of HTTP
	noDispatcher bool       // leave the outbox alone (Notify is called by the test)
	limits       bot.Limits
}

// stack is the whole of ticketbot around the Slack adapter: a real store and state store, the
// service, the outbox dispatcher, the bot, the adapter behind a running HTTP server, and a
// fake Slack.
type stack struct {
	t       *testing.T
	team    string
	ws      core.Workspace
	fake    *fakeSlack
	store   *gormstore.Store
	faults  *faultStore // the store as the service sees it, failing on demand
	svc     *core.Service
	bot     *bot.Bot
	adapter *slack.Adapter
	srv     *httptest.Server
	log     *logBuffer
	seq     atomic.Int64
	clock   core.Clock
	secret  string
}

func newStack(t *testing.T, b backend, o stackOptions) *stack {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	team := "T" + strings.ToUpper(randomHex(5))
	s := &stack{t: t, team: team, ws: core.Workspace{Platform: core.PlatformSlack, ExternalID: team}, log: &logBuffer{},
		clock: o.clock, secret: o.secret}
	if s.clock == nil {
		s.clock = core.SystemClock{}
	}
	if s.secret == "" {
		s.secret = secret
	}
	s.fake = newFakeSlack(t, team)
	s.fake.addUser(fakeUser{ID: admin, Name: "ada", Admin: true})
	s.fake.addUser(fakeUser{ID: staff, Name: "sam"})
	s.fake.addUser(fakeUser{ID: reporter, Name: "rita"})
	s.fake.addUser(fakeUser{ID: stranger, Name: "stan"})
	s.fake.setMembers(helpdesk, admin, "UOTHER1", "UOTHER2", staff, "UBOT")

	log := slog.New(slog.NewTextHandler(s.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	store, err := gormstore.Open(ctx, b.store(t), log)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	s.store = store
	s.faults = &faultStore{Store: store}
	state, lim := b.state(t)
	var disp *core.Dispatcher
	s.svc = core.NewService(core.ServiceConfig{Store: s.faults, State: state, Limiter: lim, Log: log,
		Committed: func() {
			if disp != nil {
				disp.Kick()
			}
		}})
	s.bot, err = bot.New(bot.Config{Service: s.svc, Limits: o.limits, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	cfg := slack.Config{
		Bot: s.bot, Service: s.svc,
		BotToken: s.fake.botToken, SigningSecret: s.secret,
		APIURL: s.fake.apiURL(), Clock: o.clock, Log: log,
	}
	if o.socket {
		cfg.AppToken = s.fake.appToken
	}
	s.adapter, err = slack.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	if !o.noDispatcher {
		disp = core.NewDispatcher(core.DispatcherConfig{Outbox: store, Log: log, Poll: 20 * time.Millisecond,
			BackoffBase: 50 * time.Millisecond, BackoffMax: time.Second})
		if err := disp.Register(s.adapter); err != nil {
			t.Fatal(err)
		}
		wg.Go(func() { disp.Run(ctx) })
	}
	runErr := make(chan error, 1)
	wg.Go(func() { runErr <- s.adapter.Run(ctx) })
	mux := http.NewServeMux()
	s.adapter.Routes(mux)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		s.srv.Close()
		cancel()
		wg.Wait()
		if err := <-runErr; err != nil {
			t.Errorf("adapter.Run: %v", err)
		}
		_ = store.Close()
		for _, leak := range []string{s.fake.botToken, s.fake.appToken, s.secret} {
			if strings.Contains(s.log.String(), leak) {
				t.Errorf("a token or secret reached the log: %q", leak)
			}
		}
		if t.Failed() {
			t.Logf("adapter log:\n%s", s.log.String())
		}
	})
	return s
}

// logBuffer collects the stack's log.
type logBuffer = coretest.LogBuffer

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// sign returns Slack's signature headers for body at ts.
func sign(body []byte, ts time.Time, key string) http.Header {
	stamp := strconv.FormatInt(ts.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte("v0:" + stamp + ":"))
	mac.Write(body)
	h := http.Header{}
	h.Set("X-Slack-Request-Timestamp", stamp)
	h.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	return h
}

// response is an answer of the adapter's HTTP endpoints.
type response struct {
	Status int
	Body   []byte
	JSON   map[string]any
}

// text returns the string at a dotted path of the JSON answer ("errors.title").
func (r response) text(path string) string {
	var v any = r.JSON
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[k]
	}
	s, _ := v.(string)
	return s
}

// send posts a signed body to path.
func (s *stack) send(path, contentType string, body []byte, extra http.Header) response {
	s.t.Helper()
	h := sign(body, s.clock.Now(), s.secret)
	for k, vs := range extra {
		h[k] = vs
	}
	return s.raw(path, contentType, body, h)
}

// raw posts body to path with exactly the headers h.
func (s *stack) raw(path, contentType string, body []byte, h http.Header) response {
	s.t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header = h.Clone()
	req.Header.Set("Content-Type", contentType)
	start := time.Now()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	if d := time.Since(start); d > 3*time.Second {
		s.t.Errorf("%s answered after %v; Slack gives up after 3 s", path, d)
	}
	b, _ := io.ReadAll(res.Body)
	r := response{Status: res.StatusCode, Body: b}
	_ = json.Unmarshal(b, &r.JSON)
	return r
}

const formType = "application/x-www-form-urlencoded"

// commandForm is the form Slack posts for /ticket TEXT by user in channel.
func (s *stack) commandForm(user, channel, text string) url.Values {
	n := s.seq.Add(1)
	return url.Values{
		"token":        {"legacy-verification-token"},
		"team_id":      {s.team},
		"team_domain":  {"fake"},
		"channel_id":   {channel},
		"channel_name": {"general"},
		"user_id":      {user},
		"user_name":    {userName(user)},
		"command":      {"/ticket"},
		"text":         {text},
		"api_app_id":   {"A1"},
		"response_url": {s.fake.srv.URL + "/response/cmd-" + strconv.FormatInt(n, 10)},
		"trigger_id":   {triggerID(n)},
	}
}

// command runs /ticket text as user in channel over HTTP.
func (s *stack) command(user, channel, text string) response {
	s.t.Helper()
	return s.send("/slack/commands", formType, []byte(s.commandForm(user, channel, text).Encode()), nil)
}

func userName(id string) string {
	switch id {
	case admin:
		return "ada"
	case staff:
		return "sam"
	case reporter:
		return "rita"
	case stranger:
		return "stan"
	}
	return strings.ToLower(id)
}

// eventBody is an event_callback around inner.
func (s *stack) eventBody(eventID string, inner map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{
		"token": "legacy", "team_id": s.team, "api_app_id": "A1", "type": "event_callback",
		"event_id": eventID, "event_time": time.Now().Unix(), "event": inner,
	})
	return b
}

// event delivers inner as event eventID over HTTP; retry > 0 marks a redelivery.
func (s *stack) event(eventID string, inner map[string]any, retry int) response {
	s.t.Helper()
	h := http.Header{}
	if retry > 0 {
		h.Set("X-Slack-Retry-Num", strconv.Itoa(retry))
		h.Set("X-Slack-Retry-Reason", "http_timeout")
	}
	return s.send("/slack/events", "application/json", s.eventBody(eventID, inner), h)
}

// triggerID is a trigger_id no other run used: Slack makes a new one for every command and
// interaction, and the adapter de-duplicates by it (in Redis, which is shared between runs).
func triggerID(n int64) string { return fmt.Sprintf("%d.%s", n, randomHex(8)) }

// newEventID is an event id no other run used (Redis is shared between runs).
func newEventID() string { return "Ev" + strings.ToUpper(randomHex(6)) }

// interact posts an interaction payload over HTTP.
func (s *stack) interact(payload map[string]any) response {
	s.t.Helper()
	b, _ := json.Marshal(payload)
	return s.send("/slack/interactivity", formType, []byte(url.Values{"payload": {string(b)}}.Encode()), nil)
}

// press is the block_actions payload of user pressing action (a button, or a menu choosing
// value) on the message at ts in channel.
func (s *stack) press(user, channel, ts, actionID, value string, menu bool) map[string]any {
	n := s.seq.Add(1)
	act := map[string]any{"action_id": actionID, "block_id": "b1", "type": "button", "value": value,
		"action_ts": "1700000100.000001", "text": map[string]any{"type": "plain_text", "text": "x"}}
	if menu {
		act = map[string]any{"action_id": actionID, "block_id": "b1", "type": "static_select", "action_ts": "1700000100.000001",
			"selected_option": map[string]any{"value": value, "text": map[string]any{"type": "plain_text", "text": value}}}
	}
	return map[string]any{
		"type":         "block_actions",
		"team":         map[string]any{"id": s.team, "domain": "fake"},
		"user":         map[string]any{"id": user, "username": userName(user), "name": userName(user), "team_id": s.team},
		"api_app_id":   "A1",
		"trigger_id":   triggerID(n),
		"container":    map[string]any{"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": false},
		"channel":      map[string]any{"id": channel, "name": "x"},
		"message":      map[string]any{"type": "message", "ts": ts, "text": "card"},
		"response_url": s.fake.srv.URL + "/response/act-" + strconv.FormatInt(n, 10),
		"actions":      []any{act},
	}
}

// submission is the view_submission payload of the ticket form.
func (s *stack) submission(user, channel, title, description, priority string) map[string]any {
	prio := map[string]any{"type": "static_select"}
	if priority != "" {
		prio["selected_option"] = map[string]any{"value": priority, "text": map[string]any{"type": "plain_text", "text": priority}}
	}
	return map[string]any{
		"type":       "view_submission",
		"team":       map[string]any{"id": s.team, "domain": "fake"},
		"user":       map[string]any{"id": user, "username": userName(user), "name": userName(user), "team_id": s.team},
		"api_app_id": "A1",
		"trigger_id": triggerID(s.seq.Add(1)),
		"view": map[string]any{
			"id": "V1", "team_id": s.team, "type": "modal", "callback_id": "tb:open", "private_metadata": channel,
			"state": map[string]any{"values": map[string]any{
				"title":       map[string]any{"title": map[string]any{"type": "plain_text_input", "value": title}},
				"description": map[string]any{"description": map[string]any{"type": "plain_text_input", "value": description}},
				"priority":    map[string]any{"priority": prio},
			}},
		},
	}
}

// ticket returns ticket number n of the stack's workspace.
func (s *stack) ticket(n int64) core.Ticket {
	s.t.Helper()
	t, err := s.store.TicketByNumber(context.Background(), s.ws, n)
	if err != nil {
		s.t.Fatalf("ticket #%d: %v", n, err)
	}
	return t
}

// waitTicket polls until ticket n satisfies ok.
func (s *stack) waitTicket(n int64, what string, ok func(core.Ticket) bool) core.Ticket {
	s.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		t, err := s.store.TicketByNumber(context.Background(), s.ws, n)
		if err == nil && ok(t) {
			return t
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("ticket #%d never got %s (last: %+v, %v)", n, what, t, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// withCard opens a ticket as reporter (after setup, when setup is true) and waits for its
// card; it returns the ticket with its thread.
func (s *stack) withCard(title string) core.Ticket {
	s.t.Helper()
	r := s.command(reporter, origin, title)
	if r.Status != http.StatusOK || !strings.Contains(r.text("text"), "opened") {
		s.t.Fatalf("open: %d %s", r.Status, r.Body)
	}
	n := int64(0)
	if _, err := fmt.Sscanf(r.text("text"), "Ticket #%d", &n); err != nil {
		s.t.Fatalf("no ticket number in %q", r.text("text"))
	}
	return s.waitTicket(n, "a thread", func(t core.Ticket) bool { return !t.Thread.IsZero() })
}

// setup makes helpdesk the helpdesk channel.
func (s *stack) setup() {
	s.t.Helper()
	r := s.command(admin, helpdesk, "setup <#"+helpdesk+"|helpdesk>")
	if !strings.HasPrefix(r.text("text"), "Done") {
		s.t.Fatalf("setup: %d %s", r.Status, r.Body)
	}
}

// golden compares got (JSON) with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(got), &v); err != nil {
		t.Fatalf("golden %s: not JSON: %v\n%s", name, err, got)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden %s: %v (run go test -update)", name, err)
	}
	if !bytes.Equal(want, buf.Bytes()) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it)\n--- got:\n%s\n--- want:\n%s", name, buf.String(), want)
	}
}

// Modes of a faultStore.
const (
	storeUp     int32 = iota
	storeDown         // ticket lookups fail as unavailable, like a database out of reach
	storePanics       // ticket lookups panic, like a bug on a payload nobody foresaw
)

// faultStore is the stack's store as the service sees it: ticket lookups (Ticket,
// TicketByThread) fail or panic on demand; everything else passes through.
type faultStore struct {
	core.Store
	mode atomic.Int32
	hits atomic.Int64 // lookups that failed or panicked
}

func (f *faultStore) set(mode int32) { f.mode.Store(mode) }

func (f *faultStore) fault() error {
	switch f.mode.Load() {
	case storeDown:
		f.hits.Add(1)
		return core.Errorf(core.EUnavailable, "the database is not reachable (faultStore)")
	case storePanics:
		f.hits.Add(1)
		panic("faultStore: a lookup panicked")
	}
	return nil
}

func (f *faultStore) Ticket(ctx context.Context, id int64) (core.Ticket, error) {
	if err := f.fault(); err != nil {
		return core.Ticket{}, err
	}
	return f.Store.Ticket(ctx, id)
}

func (f *faultStore) TicketByThread(ctx context.Context, ws core.Workspace, channelID, threadID string) (core.Ticket, error) {
	if err := f.fault(); err != nil {
		return core.Ticket{}, err
	}
	return f.Store.TicketByThread(ctx, ws, channelID, threadID)
}

// waitHits polls until the faultStore failed at least n lookups.
func (f *faultStore) waitHits(t *testing.T, n int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for f.hits.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("the store was asked %d times, want %d", f.hits.Load(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitLog polls until the stack's log contains every one of parts, and returns it.
func (s *stack) waitLog(parts ...string) string {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		log := s.log.String()
		all := true
		for _, p := range parts {
			all = all && strings.Contains(log, p)
		}
		if all {
			return log
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the log never said %q", parts)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
