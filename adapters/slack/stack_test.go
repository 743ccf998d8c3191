package slack_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
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
	"github.com/ticketbot/ticketbot/adapters/slack/slacktest"
	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
	"github.com/ticketbot/ticketbot/core/gormstore"
	"github.com/ticketbot/ticketbot/core/gormstore/gormstoretest"
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
	botToken = "xoxb-test-bot-token-SECRET1"
	appToken = "xapp-test-app-token-SECRET2"
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
		{name: "mariadb+redis", store: func(t *testing.T) string { return gormstoretest.MySQLURL(t) }, state: redis},
	}
}

// stackOptions vary a stack.
type stackOptions struct {
	clock        core.Clock // the adapter's clock (signature window) [system]
	secret       string     // the signing secret [secret]
	socket       bool       // Socket Mode instead of HTTP
	noDispatcher bool       // leave the outbox alone (Notify is called by the test)
	limits       bot.Limits
	// configure changes the adapter's configuration (install_test.go: OAuth installs).
	configure func(c *slack.Config, st *gormstore.Store, state core.StateStore)
}

// stack is the whole of ticketbot around the Slack adapter: a real store and state store, the
// service, the outbox dispatcher, the bot, the adapter behind a running HTTP server, and a
// fake Slack.
type stack struct {
	t       *testing.T
	team    string
	ws      core.Workspace
	fake    *slacktest.Server
	client  slacktest.Client
	store   *gormstore.Store
	faults  *faultStore // the store as the service sees it, failing on demand
	svc     *core.Service
	bot     *bot.Bot
	adapter *slack.Adapter
	intake  *core.Intake
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
	// Two members a page, to exercise paging.
	s.fake = slacktest.Start(t, slacktest.Options{Team: team, BotToken: botToken, AppToken: appToken, MemberPageSize: 2})
	for _, u := range []slacktest.User{{ID: admin, Name: "ada", Admin: true}, {ID: staff, Name: "sam"}, {ID: reporter, Name: "rita"}, {ID: stranger, Name: "stan"}} {
		s.fake.AddUser(u)
	}
	s.fake.AddChannel(slacktest.Channel{ID: helpdesk, Name: "helpdesk", Private: true,
		Members: []string{admin, "UOTHER1", "UOTHER2", staff, slacktest.BotUserID}})

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
	s.svc = core.NewService(core.ServiceConfig{Store: s.faults, Links: store, State: state, Limiter: lim, Log: log,
		Committed: func() {
			if disp != nil {
				disp.Kick()
			}
		}})
	s.bot, err = bot.New(bot.Config{Service: s.svc, State: state, Throttle: core.NewThrottle(lim, log), Limits: o.limits, Log: log,
		Drafts: core.NewDrafts(core.DraftsConfig{Store: store, TTL: bot.DraftTTL})})
	if err != nil {
		t.Fatal(err)
	}
	s.intake = core.NewIntake(core.IntakeConfig{Store: store, Log: log, Poll: 20 * time.Millisecond,
		BackoffBase: 50 * time.Millisecond, BackoffMax: time.Second, Busy: store.Saturated})
	cfg := slack.Config{
		Bot: s.bot, Service: s.svc,
		BotToken: botToken, SigningSecret: s.secret,
		APIURL: s.fake.APIURL(), Clock: o.clock, Log: log, Intake: s.intake,
	}
	if o.socket {
		cfg.AppToken = appToken
	}
	if o.configure != nil {
		o.configure(&cfg, store, state)
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
	wg.Go(func() { s.intake.Run(ctx) })
	runErr := make(chan error, 1)
	wg.Go(func() { runErr <- s.adapter.Run(ctx) })
	mux := http.NewServeMux()
	s.adapter.Routes(mux)
	s.srv = httptest.NewServer(mux)
	s.client = slacktest.Client{BaseURL: s.srv.URL, Signer: slacktest.Signer{Secret: s.secret, Clock: s.clock.Now}}
	t.Cleanup(func() {
		s.srv.Close()
		cancel()
		wg.Wait()
		if err := <-runErr; err != nil {
			t.Errorf("adapter.Run: %v", err)
		}
		_ = store.Close()
		for _, leak := range []string{botToken, appToken, s.secret} {
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

// response is an answer of the adapter's HTTP endpoints.
type response = slacktest.Response

// send posts a signed body to path.
func (s *stack) send(path, contentType string, body []byte, extra http.Header) response {
	s.t.Helper()
	r, err := s.client.Post(context.Background(), path, contentType, body, extra)
	return s.check(path, r, err)
}

// raw posts body to path with exactly the headers h.
func (s *stack) raw(path, contentType string, body []byte, h http.Header) response {
	s.t.Helper()
	r, err := s.client.Raw(context.Background(), path, contentType, body, h)
	return s.check(path, r, err)
}

// check fails the test on a transport error or an answer slower than Slack waits for.
func (s *stack) check(path string, r response, err error) response {
	s.t.Helper()
	if err != nil {
		s.t.Fatal(err)
	}
	if r.Took > 3*time.Second {
		s.t.Errorf("%s answered after %v; Slack gives up after 3 s", path, r.Took)
	}
	return r
}

const formType = slacktest.FormType

// commandForm is the form Slack posts for /ticket TEXT by user in channel.
func (s *stack) commandForm(user, channel, text string) url.Values {
	n := s.seq.Add(1)
	return slacktest.Command{Team: s.team, Channel: channel, User: user, UserName: userName(user), Text: text,
		ResponseURL: s.fake.URL() + "/response/cmd-" + strconv.FormatInt(n, 10)}.Form()
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
	return slacktest.EventCallback(s.team, eventID, inner)
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

// interact posts an interaction payload over HTTP.
func (s *stack) interact(payload slacktest.Interaction) response {
	s.t.Helper()
	return s.send("/slack/interactivity", formType, payload.Form(), nil)
}

// press is the block_actions payload of user pressing action (a button, or a menu choosing
// value) on the message at ts in channel.
func (s *stack) press(user, channel, ts, actionID, value string, menu bool) slacktest.Interaction {
	n := s.seq.Add(1)
	act := slacktest.Button(actionID, value)
	if menu {
		act = slacktest.Selected(actionID, value)
	}
	return slacktest.BlockActions(s.team, slacktest.User{ID: user, Name: userName(user)}, channel, ts,
		s.fake.URL()+"/response/act-"+strconv.FormatInt(n, 10), act)
}

// submission is the view_submission payload of the ticket form.
func (s *stack) submission(user, channel, title, description, priority string) slacktest.Interaction {
	return slacktest.ViewSubmission(s.team, slacktest.User{ID: user, Name: userName(user)}, "tb:open", channel,
		map[string]map[string]any{
			"title":       {"title": slacktest.PlainInput(title)},
			"description": {"description": slacktest.PlainInput(description)},
			"priority":    {"priority": slacktest.SelectInput(priority)},
		})
}

// ticket returns ticket number n of the stack's workspace.
func (s *stack) ticket(n int64) tkt {
	s.t.Helper()
	t, err := s.load(n)
	if err != nil {
		s.t.Fatalf("ticket #%d: %v", n, err)
	}
	return t
}

// tkt is a ticket with its Slack places: the card's thread in the triage channel (Thread,
// the staff side) and the requester card's thread in the reporter's DM (DM).
type tkt struct {
	core.Ticket
	Thread, DM, Origin core.Place
}

// load reads ticket n with its places.
func (s *stack) load(n int64) (tkt, error) {
	t, ps, err := coretest.TicketPlaces(context.Background(), s.store, s.ws, n)
	out := tkt{Ticket: t, Thread: ps[core.PlaceTriage], DM: ps[core.PlaceRequesterDM], Origin: ps[core.PlaceRequestThread]}
	if out.Thread.ID == 0 && out.Origin.CardID == out.Origin.ThreadID {
		out.Thread = out.Origin // before setup the card heads the thread where it was asked for
	}
	return out, err
}

// waitTicket polls until ticket n satisfies ok.
func (s *stack) waitTicket(n int64, what string, ok func(tkt) bool) tkt {
	s.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		t, err := s.load(n)
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
func (s *stack) withCard(title string) tkt {
	s.t.Helper()
	r := s.command(reporter, origin, title)
	if r.Status != http.StatusOK || !strings.Contains(r.Text("text"), "opened") {
		s.t.Fatalf("open: %d %s", r.Status, r.Body)
	}
	n := int64(0)
	if _, err := fmt.Sscanf(r.Text("text"), "Ticket #%d", &n); err != nil {
		s.t.Fatalf("no ticket number in %q", r.Text("text"))
	}
	return s.waitTicket(n, "a thread", func(t tkt) bool { return t.Thread.ID != 0 })
}

// setup makes helpdesk the helpdesk channel.
func (s *stack) setup() {
	s.t.Helper()
	r := s.command(admin, helpdesk, "setup <#"+helpdesk+"|helpdesk>")
	if !strings.HasPrefix(r.Text("text"), "Done") {
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
// PlaceByThread) fail or panic on demand; everything else passes through.
type faultStore struct {
	core.Store
	mode atomic.Int32
	hits atomic.Int64 // lookups that failed or panicked
	adds atomic.Int64 // AddMessage calls
	// hold, when set, makes CreateTicket, UpdateTicket and RateTicket wait until it is closed: a database
	// too busy to answer within Slack's 3 s, reproduced without timing (overload_test.go).
	// Then, when heldErr is set, they fail with it and change nothing (the gate turned the
	// work away).
	hold    atomic.Pointer[chan struct{}]
	heldErr atomic.Pointer[error]
}

// held waits out hold and returns heldErr.
func (f *faultStore) held(ctx context.Context) error {
	h := f.hold.Load()
	if h == nil {
		return nil
	}
	select {
	case <-*h:
	case <-ctx.Done():
		return ctx.Err()
	}
	if err := f.heldErr.Load(); err != nil {
		return *err
	}
	return nil
}

func (f *faultStore) CreateTicket(ctx context.Context, t *core.Ticket) error {
	if err := f.held(ctx); err != nil {
		return err
	}
	return f.Store.CreateTicket(ctx, t)
}

func (f *faultStore) RateTicket(ctx context.Context, r core.Rating, c core.Change, fn func(t core.Ticket, old *core.Rating) error) (core.Rating, error) {
	if err := f.held(ctx); err != nil {
		return core.Rating{}, err
	}
	return f.Store.RateTicket(ctx, r, c, fn)
}

func (f *faultStore) UpdateTicket(ctx context.Context, id int64, fn func(t *core.Ticket) ([]core.Change, error)) (core.Ticket, error) {
	if err := f.held(ctx); err != nil {
		return core.Ticket{}, err
	}
	return f.Store.UpdateTicket(ctx, id, fn)
}

func (f *faultStore) AddMessage(ctx context.Context, m core.Message, copyTo []core.Place) (core.Message, bool, error) {
	f.adds.Add(1)
	return f.Store.AddMessage(ctx, m, copyTo)
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

func (f *faultStore) PlaceByThread(ctx context.Context, ws core.Workspace, channelID, threadID string) (core.Place, error) {
	if err := f.fault(); err != nil {
		return core.Place{}, err
	}
	return f.Store.PlaceByThread(ctx, ws, channelID, threadID)
}

// waitHits polls until the faultStore failed at least n lookups.
func (f *faultStore) waitHits(t *testing.T, n int64) {
	t.Helper()
	coretest.Eventually(t, 10*time.Second, fmt.Sprintf("%d store calls", n), func() bool { return f.hits.Load() >= n })
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

// settle waits until the outbox holds nothing left to deliver and the adapter's background
// work is done, so that what has not happened by then will not.
func (s *stack) settle() {
	s.t.Helper()
	if !s.fake.WaitUntil(15*time.Second, func() bool {
		n, err := s.store.PendingEvents(context.Background())
		m, ierr := s.store.PendingIntake(context.Background())
		return err == nil && ierr == nil && n == 0 && m == 0
	}) {
		s.t.Fatal("the outbox or the intake never drained")
	}
	s.adapter.WaitIdle()
}
