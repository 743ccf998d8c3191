package discord_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/adapters/discord"
	"github.com/ticketbot/ticketbot/adapters/discord/discordtest"
	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
	"github.com/ticketbot/ticketbot/core/gormstore"
	"github.com/ticketbot/ticketbot/core/gormstore/gormstoretest"
	"github.com/ticketbot/ticketbot/core/memstate"
	"github.com/ticketbot/ticketbot/core/redisstate"
)

const botToken = "test-bot-token"

// wait is how long a test waits for the outbox to reach the fake Discord.
const wait = 10 * time.Second

// backend opens the stores one end-to-end run uses.
type backend struct {
	name string
	open func(t *testing.T, log *slog.Logger) (*gormstore.Store, core.StateStore, core.Limiter)
}

func backends() []backend {
	return []backend{
		{"sqlite+memstate", func(t *testing.T, log *slog.Logger) (*gormstore.Store, core.StateStore, core.Limiter) {
			st := openStore(t, "sqlite://"+t.TempDir()+"/t.db", log)
			mem := memstate.New(nil)
			return st, mem, mem
		}},
		{"mariadb+redis", func(t *testing.T, log *slog.Logger) (*gormstore.Store, core.StateStore, core.Limiter) {
			st := openStore(t, gormstoretest.MySQLURL(t), log)
			rs, err := redisstate.Open(coretest.RedisURL(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = rs.Close() })
			fo := core.NewFailOpen(rs, rs, log)
			return st, fo, fo
		}},
	}
}

func openStore(t *testing.T, url string, log *slog.Logger) *gormstore.Store {
	t.Helper()
	ctx := context.Background()
	st, err := gormstore.Open(ctx, url, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}

// logBuffer collects the stack's log.
type logBuffer = coretest.LogBuffer

type stackOptions struct {
	backend backend
	gateway bool
	// gatewayURL configures the fake gateway's URL instead of asking GET /gateway/bot.
	gatewayURL bool
	shardID    int
	shardCount int
	clock      core.Clock
	// storeClock, when set, is the store's clock from the start (SetClock must not race the
	// dispatcher, which reads the store from the moment the stack runs).
	storeClock core.Clock
	// beforeStart runs after the fakes exist and before the adapter starts.
	beforeStart func(api *discordtest.API, gw *discordtest.Gateway)
}

// stack is the whole of ticketbot around the Discord adapter: stores, service, outbox
// dispatcher, bot, the adapter behind an httptest server, and the fake Discord.
type stack struct {
	t       *testing.T
	guild   string
	support string // the support channel set up by the admin
	staffCh string // the staff channel (requesters cannot see it)
	api     *discordtest.API
	gw      *discordtest.Gateway
	signer  discordtest.Signer
	store   *gormstore.Store
	db      *faultyStore  // store as the service sees it, with switchable faults
	intakes *faultyIntake // store as the intake sees it
	svc     *core.Service
	adapter *discord.Adapter
	intake  *core.Intake
	bot     *bot.Bot
	srv     *httptest.Server
	logs    *logBuffer

	mu        sync.Mutex
	responses [][]byte // every HTTP interaction response body

	admin, staff, reporter, stranger discordtest.User
	staffRole                        string
}

func newStack(t *testing.T, o stackOptions) *stack {
	t.Helper()
	logs := &logBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs:\n%s", logs.String())
		}
	})
	store, state, lim := o.backend.open(t, log)
	if o.storeClock != nil {
		store.SetClock(o.storeClock)
	}
	s := &stack{
		t: t, guild: discordtest.ID(), support: discordtest.ID(), staffCh: discordtest.ID(), staffRole: discordtest.ID(),
		api: discordtest.StartAPI(t, botToken), signer: discordtest.NewSigner(), store: store, logs: logs,
		db: &faultyStore{Store: store},
	}
	s.admin = discordtest.User{ID: discordtest.ID(), Name: "Ada Admin", Permissions: discordtest.PermMember | discordtest.PermManageGuild}
	s.staff = discordtest.User{ID: discordtest.ID(), Name: "Sam Staff", Roles: []string{discordtest.ID(), s.staffRole}}
	s.reporter = discordtest.User{ID: discordtest.ID(), Name: "Rita Reporter"}
	s.stranger = discordtest.User{ID: discordtest.ID(), Name: "Stan Stranger", Roles: []string{discordtest.ID()}}

	s.api.AddGuild(discordtest.Guild{ID: s.guild, Name: "Test Guild"})
	s.api.AddChannel(discordtest.Channel{ID: s.support, GuildID: s.guild, Name: "support"})
	s.api.AddChannel(discordtest.Channel{ID: s.staffCh, GuildID: s.guild, Name: "staff",
		Overwrites: []discordtest.Overwrite{{ID: s.guild, Type: 0, Deny: 1 << 10}}})
	disp := core.NewDispatcher(core.DispatcherConfig{Outbox: store, Log: log, Poll: 20 * time.Millisecond,
		BackoffBase: 50 * time.Millisecond, BackoffMax: 2 * time.Second, Timeout: 5 * time.Second})
	s.svc = core.NewService(core.ServiceConfig{Store: s.db, State: state, Limiter: lim, Log: log, Committed: disp.Kick})
	b, err := bot.New(bot.Config{Service: s.svc, State: state, Throttle: core.NewThrottle(lim, log), Log: log,
		Drafts: core.NewDrafts(core.DraftsConfig{Store: store, TTL: bot.DraftTTL})})
	if err != nil {
		t.Fatal(err)
	}
	s.bot = b
	gwURL := ""
	if o.gateway {
		s.gw = discordtest.StartGateway(t, s.guild)
		s.api.SetGatewayURL(s.gw.URL())
		if o.gatewayURL {
			gwURL = s.gw.URL()
		}
	}
	if o.beforeStart != nil {
		o.beforeStart(s.api, s.gw)
	}
	s.intakes = &faultyIntake{IntakeStore: store}
	s.intake = core.NewIntake(core.IntakeConfig{Store: s.intakes, Log: log, Poll: 20 * time.Millisecond,
		BackoffBase: 50 * time.Millisecond, BackoffMax: time.Second, Busy: store.Saturated})
	ctx, cancel := context.WithCancel(context.Background())
	a, err := discord.New(ctx, discord.Config{
		Bot: b, Service: s.svc, BotToken: botToken, AppID: discordtest.AppID, PublicKey: s.signer.PublicKey,
		APIURL: s.api.URL(), GatewayURL: gwURL, Gateway: o.gateway, ShardID: o.shardID, ShardCount: o.shardCount,
		HTTPClient: s.api.Client(), Clock: o.clock, Log: log, MaxBody: 64 << 10, Intake: s.intake,
	})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	s.adapter = a
	if err := disp.Register(a); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	a.Routes(mux)
	s.srv = httptest.NewServer(mux)
	var wg sync.WaitGroup
	wg.Go(func() { disp.Run(ctx) })
	wg.Go(func() { s.intake.Run(ctx) })
	wg.Go(func() {
		if err := a.Run(ctx); err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	t.Cleanup(func() {
		s.srv.Close()
		cancel()
		wg.Wait()
	})
	return s
}

// reply is an interaction response as Discord reads it.
type reply struct {
	Type int `json:"type"`
	Data struct {
		Content         string            `json:"content"`
		Flags           int               `json:"flags"`
		Embeds          []json.RawMessage `json:"embeds"`
		Components      json.RawMessage   `json:"components"`
		CustomID        string            `json:"custom_id"`
		Title           string            `json:"title"`
		AllowedMentions *struct {
			Parse []string `json:"parse"`
			Users []string `json:"users"`
		} `json:"allowed_mentions"`
		Choices []struct {
			Name  string `json:"name"`
			Value any    `json:"value"` // a ticket number (float64) or a word (string)
		} `json:"choices"`
	} `json:"data"`
}

// post sends a raw body with headers and returns the status and body.
func (s *stack) post(body []byte, h http.Header) (int, []byte) {
	s.t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.srv.URL+"/discord/interactions", bytes.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// interact posts a signed interaction and decodes the 200 response.
func (s *stack) interact(it discordtest.Interaction) reply {
	s.t.Helper()
	body := it.JSON()
	status, b := s.post(body, s.signer.Headers(body, time.Now()))
	if status != http.StatusOK {
		s.t.Fatalf("POST /discord/interactions = %d %s", status, b)
	}
	s.mu.Lock()
	s.responses = append(s.responses, b)
	s.mu.Unlock()
	var r reply
	if err := json.Unmarshal(b, &r); err != nil {
		s.t.Fatalf("response %s: %v", b, err)
	}
	return r
}

func (s *stack) command(u discordtest.User, name, sub string, opts ...discordtest.Opt) reply {
	s.t.Helper()
	return s.interact(discordtest.Command(s.guild, s.support, u, name, sub, opts...))
}

func str(name, v string) discordtest.Opt { return discordtest.Opt{Name: name, Type: 3, Value: v} }
func num(n int64) discordtest.Opt        { return discordtest.Opt{Name: "number", Type: 4, Value: n} }

func (s *stack) ws() core.Workspace {
	return core.Workspace{Platform: core.PlatformDiscord, ExternalID: s.guild}
}

// ticket returns ticket n of the stack's guild.
func (s *stack) ticket(n int64) tkt {
	s.t.Helper()
	t, err := s.load(n)
	if err != nil {
		s.t.Fatalf("ticket #%d: %v", n, err)
	}
	return t
}

// tkt is a ticket with its private thread (its requester-side place) and staff thread.
type tkt struct {
	core.Ticket
	Thread, Notes core.Place
}

// load reads ticket n with its Discord places.
func (s *stack) load(n int64) (tkt, error) {
	t, ps, err := coretest.TicketPlaces(context.Background(), s.store, s.ws(), n)
	return tkt{Ticket: t, Thread: ps[core.PlaceRequesterThread], Notes: ps[core.PlaceStaffNotes]}, err
}

// waitTicket waits until ticket n satisfies cond.
func (s *stack) waitTicket(n int64, what string, cond func(tkt) bool) tkt {
	s.t.Helper()
	deadline := time.Now().Add(wait)
	for {
		t, err := s.load(n)
		if err == nil && cond(t) {
			return t
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("ticket #%d: %s did not happen within %v (ticket %+v, err %v)\ncalls:\n%s", n, what, wait, t, err, s.api.Dump())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitCard waits until ticket n's card is posted and recorded.
func (s *stack) waitCard(n int64) tkt {
	s.t.Helper()
	return s.waitTicket(n, "card posted", func(t tkt) bool { return t.Thread.CardID != "" })
}

// waitThread waits until thread id satisfies cond.
func (s *stack) waitThread(id, what string, cond func(discordtest.Thread) bool) discordtest.Thread {
	s.t.Helper()
	var th discordtest.Thread
	ok := s.api.WaitUntil(wait, func() bool {
		var found bool
		th, found = s.api.Thread(id)
		return found && cond(th)
	})
	if !ok {
		s.t.Fatalf("thread %s: %s did not happen within %v (thread %+v)\ncalls:\n%s", id, what, wait, th, s.api.Dump())
	}
	return th
}

// waitLog waits until the log holds all of parts.
func (s *stack) waitLog(parts ...string) {
	s.t.Helper()
	deadline := time.Now().Add(wait)
	for {
		l := s.logs.String()
		all := true
		for _, p := range parts {
			all = all && strings.Contains(l, p)
		}
		if all {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the log never said %q:\n%s", parts, l)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// cardEdits returns the edits of ticket t's card.
func (s *stack) cardEdits(t tkt) []discordtest.Call {
	return s.api.Find("PATCH", "channels/"+t.Thread.ThreadID+"/messages/"+t.Thread.CardID)
}

// waitCardEdit waits for an edit of t's card whose body contains want.
func (s *stack) waitCardEdit(t tkt, want string) {
	s.t.Helper()
	ok := s.api.WaitUntil(wait, func() bool {
		for _, c := range s.cardEdits(t) {
			if strings.Contains(string(c.Body), want) {
				return true
			}
		}
		return false
	})
	if !ok {
		s.t.Fatalf("no edit of ticket #%d's card contains %q\ncalls:\n%s", t.Number, want, s.api.Dump())
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// apiActor is a dashboard/API staff actor (bound to no workspace).
func apiActor() core.Actor {
	return core.Actor{User: core.UserRef{ID: "api-token", Name: "API"}, Role: core.RoleStaff}
}

// faultyStore is the stack's store with switchable faults: a database that is down, or slow,
// for one kind of call.
type faultyStore struct {
	core.Store
	addMessage   atomic.Pointer[storeFault]
	createTicket atomic.Pointer[storeFault]
}

// storeFault runs before the real call; an error it returns is the call's answer.
type storeFault func(ctx context.Context) error

func setFault(p *atomic.Pointer[storeFault], f storeFault) {
	if f == nil {
		p.Store(nil)
		return
	}
	p.Store(&f)
}

func runFault(ctx context.Context, p *atomic.Pointer[storeFault]) error {
	if f := p.Load(); f != nil {
		return (*f)(ctx)
	}
	return nil
}

func (f *faultyStore) AddMessage(ctx context.Context, m core.Message, copyTo []core.Place) (core.Message, bool, error) {
	if err := runFault(ctx, &f.addMessage); err != nil {
		return core.Message{}, false, err
	}
	return f.Store.AddMessage(ctx, m, copyTo)
}

// faultyIntake is the intake's store with a switchable fault on storing a request.
type faultyIntake struct {
	core.IntakeStore
	add atomic.Pointer[storeFault]
}

func (f *faultyIntake) AddIntake(ctx context.Context, r core.IntakeRequest, owner string, until time.Time) (core.IntakeRequest, bool, error) {
	if err := runFault(ctx, &f.add); err != nil {
		return core.IntakeRequest{}, false, err
	}
	return f.IntakeStore.AddIntake(ctx, r, owner, until)
}

func (f *faultyStore) CreateTicket(ctx context.Context, t *core.Ticket) error {
	if err := runFault(ctx, &f.createTicket); err != nil {
		return err
	}
	return f.Store.CreateTicket(ctx, t)
}

// databaseDown is a storeFault: the call fails as the store fails when the database is
// unreachable.
func databaseDown(context.Context) error {
	return &core.Error{Code: core.EUnavailable, Message: "the database is not reachable"}
}

// setup runs /ticket-admin setup as the admin with the stack's support channel and staff role.
func (s *stack) setup() {
	s.t.Helper()
	r := s.command(s.admin, "ticket-admin", "setup",
		discordtest.Opt{Name: "channel", Type: 7, Value: s.support}, discordtest.Opt{Name: "staff_role", Type: 8, Value: s.staffRole},
		discordtest.Opt{Name: "staff_channel", Type: 7, Value: s.staffCh})
	if !strings.HasPrefix(r.Data.Content, "Done") {
		s.t.Fatalf("setup: %q", r.Data.Content)
	}
}

// open opens ticket number n as u with title over HTTP and waits for its card.
func (s *stack) open(u discordtest.User, n int64, title string) tkt {
	s.t.Helper()
	r := s.command(u, "ticket", "open", str("title", title))
	if !strings.Contains(r.Data.Content, "Ticket #"+itoa(n)+" opened") {
		s.t.Fatalf("open: %q", r.Data.Content)
	}
	return s.waitCard(n)
}

// privateThreads returns the private threads the bot made (the tickets' requester sides).
func (s *stack) privateThreads() []discordtest.Thread {
	var out []discordtest.Thread
	for _, th := range s.api.Threads() {
		if th.Type == 12 {
			out = append(out, th)
		}
	}
	return out
}

// settle waits until the outbox holds nothing left to deliver and the adapter's background
// work is done, so that what has not happened by then will not.
func (s *stack) settle() {
	s.t.Helper()
	if !s.api.WaitUntil(wait, func() bool {
		n, err := s.store.PendingEvents(context.Background())
		m, ierr := s.store.PendingIntake(context.Background())
		return err == nil && ierr == nil && n == 0 && m == 0
	}) {
		s.t.Fatal("the outbox or the intake never drained")
	}
	s.adapter.WaitIdle()
}
