package webhook_test

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/adapters/webhook"
	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
	"github.com/ticketbot/ticketbot/core/gormstore"
	"github.com/ticketbot/ticketbot/core/gormstore/gormstoretest"
	"github.com/ticketbot/ticketbot/core/memstate"
)

var ws = core.Workspace{Platform: core.PlatformSlack, ExternalID: "T1"}

func admin() core.Actor {
	return core.Actor{User: core.UserRef{ID: "UADM", Name: "ada"}, Role: core.RoleAdmin}
}

// verify checks an X-Ticketbot-Signature the way a receiver would, written here from the
// documented format without the package's Sign: t=UNIX,v1=HEX(HMAC-SHA256(secret, "t.body")).
func verify(secret, header string, body []byte, now time.Time) bool {
	var t, v1 string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			t = v
		case "v1":
			v1 = v
		}
	}
	sec, err := strconv.ParseInt(t, 10, 64)
	if err != nil || now.Sub(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	io.WriteString(mac, t+"."+string(body))
	want := mac.Sum(nil)
	got, err := hex.DecodeString(v1)
	return err == nil && hmac.Equal(got, want)
}

type env struct {
	st    *gormstore.Store
	svc   *core.Service
	hooks *core.Webhooks
	disp  *core.Dispatcher
}

func newEnv(t *testing.T, guard webhook.Guard) *env {
	t.Helper()
	return newEnvOn(t, guard, "sqlite://"+t.TempDir()+"/t.db")
}

func newEnvOn(t *testing.T, guard webhook.Guard, dbURL string) *env {
	t.Helper()
	ctx := context.Background()
	st, err := gormstore.Open(ctx, dbURL, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	key := make([]byte, core.SecretKeySize)
	_, _ = rand.Read(key)
	sealer, err := core.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	mem := memstate.New(nil)
	t.Cleanup(func() { mem.Close() })
	disp := core.NewDispatcher(core.DispatcherConfig{Outbox: st, Poll: 10 * time.Millisecond,
		BackoffBase: 20 * time.Millisecond, BackoffMax: 100 * time.Millisecond, Lease: 3 * time.Second})
	hooks, err := core.NewWebhooks(core.WebhooksConfig{Store: st, Sealer: sealer, CheckURL: guard.CheckURL, Committed: disp.Kick})
	if err != nil {
		t.Fatal(err)
	}
	n, err := webhook.New(webhook.Config{Webhooks: hooks, Tickets: st, Guard: guard, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := disp.Register(n); err != nil {
		t.Fatal(err)
	}
	// The chat side's events are taken by a notifier that drops them, so PendingEvents counts
	// webhook events only.
	if err := disp.Register(dropAll{}); err != nil {
		t.Fatal(err)
	}
	svc := core.NewService(core.ServiceConfig{Store: st, State: mem, Limiter: mem, Committed: disp.Kick})
	return &env{st: st, svc: svc, hooks: hooks, disp: disp}
}

type dropAll struct{}

func (dropAll) Platform() core.Platform                  { return core.PlatformSlack }
func (dropAll) Notify(context.Context, core.Event) error { return nil }

func (e *env) run(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { e.disp.Run(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait() })
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	coretest.Eventually(t, 10*time.Second, what, cond)
}

type received struct {
	kind string
	body map[string]any
}

// TestDeliveriesSignedInOrderAndSurviveOutage: while the receiver answers 503 the events are
// retried; once it is back every event arrives once, in order, signed with the secret that was
// shown at registration, and the log holds the failed attempts and their next attempt.
func TestDeliveriesSignedInOrderAndSurviveOutage(t *testing.T) {
	for name, dbURL := range map[string]func(t *testing.T) string{
		"sqlite":  func(t *testing.T) string { return "sqlite://" + t.TempDir() + "/t.db" },
		"mariadb": func(t *testing.T) string { return gormstoretest.MySQLURL(t) }, // the MySQL create batch writes the webhook twin itself
	} {
		t.Run(name, func(t *testing.T) { testDeliveries(t, dbURL(t)) })
	}
}

func testDeliveries(t *testing.T, dbURL string) {
	e := newEnvOn(t, webhook.Guard{AllowPrivate: true}, dbURL)
	var (
		mu     sync.Mutex
		got    []received
		failed atomic.Int64
		down   atomic.Bool
		secret string
		badSig atomic.Int64
	)
	down.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if down.Load() {
			failed.Add(1)
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if !verify(secret, r.Header.Get("X-Ticketbot-Signature"), body, time.Now()) {
			badSig.Add(1)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var m map[string]any
		_ = json.Unmarshal(body, &m)
		got = append(got, received{kind: r.Header.Get("X-Ticketbot-Event"), body: m})
	}))
	defer srv.Close()
	ctx := context.Background()
	url := srv.URL + "/hook"
	ep, sec, err := e.hooks.Create(ctx, admin(), core.WebhookInput{URL: &url})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	secret = sec
	mu.Unlock()
	if !strings.HasPrefix(sec, "whsec_") || strings.Contains(string(ep.Secret), sec) {
		t.Fatalf("secret %q must be shown once and stored sealed (%q)", sec, ep.Secret)
	}
	e.run(t)
	staff := core.Actor{User: core.UserRef{ID: "U1", Name: "sam"}, Role: core.RoleStaff, Workspace: ws}
	tk, err := e.svc.OpenTicket(ctx, staff, core.OpenInput{Workspace: ws, Title: "printer on fire"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SetPriority(ctx, staff, tk.ID, core.PriorityUrgent); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.AddMessage(ctx, staff, tk.ID, core.MessageInput{ExternalID: "m1", Content: "on it", Source: "api"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "three refused attempts", func() bool { return failed.Load() >= 3 })
	log, err := e.hooks.Deliveries(ctx, admin(), ep.ID, 10)
	if err != nil || len(log) == 0 || log[0].StatusCode != 503 || log[0].NextAttempt == nil {
		t.Fatalf("log during the outage = %+v, %v; want 503 attempts with a next attempt", log, err)
	}
	down.Store(false)
	waitFor(t, "three deliveries", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) >= 3 })
	waitFor(t, "an empty outbox", func() bool { n, _ := e.st.PendingEvents(ctx); return n == 0 })
	mu.Lock()
	defer mu.Unlock()
	if badSig.Load() != 0 {
		t.Fatalf("%d deliveries had a signature the receiver could not verify", badSig.Load())
	}
	want := []string{"ticket.opened", "ticket.changed", "message.added"}
	if len(got) != len(want) {
		t.Fatalf("got %d deliveries, want %d (once each)", len(got), len(want))
	}
	for i, w := range want {
		if got[i].kind != w || got[i].body["type"] != w || got[i].body["version"] != float64(1) {
			t.Fatalf("delivery %d = %s %v, want %s version 1", i, got[i].kind, got[i].body, w)
		}
	}
	if tkt, _ := got[2].body["ticket"].(map[string]any); tkt["title"] != "printer on fire" {
		t.Fatalf("message.added payload has ticket %v", got[2].body["ticket"])
	}
	if msg, _ := got[2].body["message"].(map[string]any); msg["content"] != "on it" {
		t.Fatalf("message.added payload has message %v", got[2].body["message"])
	}
}

// TestPermanent4xxStops: a 410 is answered once and not retried; the event leaves the outbox.
func TestPermanent4xxStops(t *testing.T) {
	e := newEnv(t, webhook.Guard{AllowPrivate: true})
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusGone)
	}))
	defer srv.Close()
	ctx := context.Background()
	url := srv.URL
	evs := []core.EventKind{core.EventTicketOpened}
	ep, _, err := e.hooks.Create(ctx, admin(), core.WebhookInput{URL: &url, Events: &evs})
	if err != nil {
		t.Fatal(err)
	}
	e.run(t)
	if _, err := e.svc.OpenTicket(ctx, core.Actor{User: core.UserRef{ID: "U1"}, Role: core.RoleStaff, Workspace: ws},
		core.OpenInput{Workspace: ws, Title: "x"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "an empty outbox", func() bool { n, _ := e.st.PendingEvents(ctx); return n == 0 && hits.Load() > 0 })
	log, err := e.hooks.Deliveries(ctx, admin(), ep.ID, 10)
	if err != nil || len(log) != 1 || !log[0].Permanent || log[0].StatusCode != 410 || log[0].NextAttempt != nil || hits.Load() != 1 {
		t.Fatalf("log = %+v (%v), hits %d; want one permanent 410 attempt", log, err, hits.Load())
	}
}

// TestSendTestEvent: the test button's event reaches that endpoint only.
func TestSendTestEvent(t *testing.T) {
	e := newEnv(t, webhook.Guard{AllowPrivate: true})
	var got atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.Store(string(b))
	}))
	defer srv.Close()
	ctx := context.Background()
	url := srv.URL
	ep, _, err := e.hooks.Create(ctx, admin(), core.WebhookInput{URL: &url})
	if err != nil {
		t.Fatal(err)
	}
	e.run(t)
	if err := e.hooks.SendTest(ctx, admin(), ep.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the test event", func() bool { s, _ := got.Load().(string); return s != "" })
	if s := got.Load().(string); !strings.Contains(s, `"type":"webhook.test"`) || !strings.Contains(s, `"endpoint":`+strconv.FormatInt(ep.ID, 10)) {
		t.Fatalf("test payload %s", s)
	}
}

// fakeResolver answers every name with addrs (which may change, as in DNS rebinding).
type fakeResolver struct {
	mu    sync.Mutex
	addrs []netip.Addr
}

func (f *fakeResolver) set(a ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.addrs = nil
	for _, s := range a {
		f.addrs = append(f.addrs, netip.MustParseAddr(s))
	}
}

func (f *fakeResolver) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]netip.Addr(nil), f.addrs...), nil
}

func TestGuardRefusesPrivateAddresses(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		url   string
		addrs []string
	}{
		{"loopback", "https://hooks.example.com/x", []string{"127.0.0.1"}},
		{"private 10/8", "https://hooks.example.com/x", []string{"10.1.2.3"}},
		{"private 192.168", "https://hooks.example.com/x", []string{"192.168.0.10"}},
		{"one private among public", "https://hooks.example.com/x", []string{"93.184.216.34", "172.16.0.1"}},
		{"link-local metadata", "https://hooks.example.com/x", []string{"169.254.169.254"}},
		{"ipv6 loopback", "https://hooks.example.com/x", []string{"::1"}},
		{"ipv6 unique local", "https://hooks.example.com/x", []string{"fd00::1"}},
		{"ipv4-mapped private", "https://hooks.example.com/x", []string{"::ffff:10.0.0.1"}},
		{"carrier-grade nat", "https://hooks.example.com/x", []string{"100.64.1.1"}},
		{"unspecified", "https://hooks.example.com/x", []string{"0.0.0.0"}},
		{"literal loopback", "https://127.0.0.1/x", nil},
		{"localhost", "https://localhost:8443/x", nil},
		{"plain http", "http://hooks.example.com/x", []string{"93.184.216.34"}},
		{"credentials", "https://u:p@hooks.example.com/x", []string{"93.184.216.34"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &fakeResolver{}
			r.set(tc.addrs...)
			err := webhook.Guard{Resolver: r}.CheckURL(ctx, tc.url)
			var ce *core.Error
			if !core.IsCode(err, core.EInvalid) || !asErr(err, &ce) || ce.Field != "url" {
				t.Fatalf("CheckURL(%s → %v) = %v, want invalid url", tc.url, tc.addrs, err)
			}
		})
	}
	r := &fakeResolver{}
	r.set("93.184.216.34")
	if err := (webhook.Guard{Resolver: r}).CheckURL(ctx, "https://hooks.example.com/x"); err != nil {
		t.Fatalf("a public address is refused: %v", err)
	}
	r.set("10.0.0.1")
	if err := (webhook.Guard{Resolver: r, AllowPrivate: true}).CheckURL(ctx, "http://hooks.internal/x"); err != nil {
		t.Fatalf("TICKETBOT_WEBHOOK_ALLOW_PRIVATE=true still refuses: %v", err)
	}
}

func asErr(err error, ce **core.Error) bool {
	e, ok := err.(*core.Error)
	*ce = e
	return ok
}

// TestRebindingRefusedAtDelivery: the name resolved to a public address when the endpoint was
// registered and to 127.0.0.1 (where a receiver listens) at delivery: nothing reaches it.
func TestRebindingRefusedAtDelivery(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	res := &fakeResolver{}
	res.set("93.184.216.34")
	e := newEnv(t, webhook.Guard{Resolver: res})
	ctx := context.Background()
	url := "https://rebind.example.com:" + srv.URL[strings.LastIndex(srv.URL, ":")+1:] + "/hook"
	ep, _, err := e.hooks.Create(ctx, admin(), core.WebhookInput{URL: &url})
	if err != nil {
		t.Fatal(err)
	}
	res.set("127.0.0.1")
	e.run(t)
	if _, err := e.svc.OpenTicket(ctx, core.Actor{User: core.UserRef{ID: "U1"}, Role: core.RoleStaff, Workspace: ws},
		core.OpenInput{Workspace: ws, Title: "x"}); err != nil {
		t.Fatal(err)
	}
	var log []core.WebhookDelivery
	waitFor(t, "a refused attempt", func() bool {
		log, _ = e.hooks.Deliveries(ctx, admin(), ep.ID, 10)
		return len(log) > 0
	})
	if hits.Load() != 0 || log[0].OK || !strings.Contains(log[0].Error, "127.0.0.1") {
		t.Fatalf("after rebinding: hits %d, log %+v; want no request and a refusal naming 127.0.0.1", hits.Load(), log)
	}
	// The dialer's own check refuses a private address even if a resolver let it through.
	if _, err := (webhook.Guard{Resolver: res}).DialContext(ctx, "tcp", srv.Listener.Addr().String()); err == nil {
		t.Fatal("DialContext reached a loopback address")
	}
}

// TestWebhooksAdminOnly: staff cannot manage endpoints and a workspace-bound admin sees only
// its workspace's.
func TestWebhooksAdminOnly(t *testing.T) {
	e := newEnv(t, webhook.Guard{AllowPrivate: true})
	ctx := context.Background()
	url := "http://127.0.0.1:1/x"
	if _, _, err := e.hooks.Create(ctx, core.Actor{User: core.UserRef{ID: "U1"}, Role: core.RoleStaff, Workspace: ws}, core.WebhookInput{URL: &url}); !core.IsCode(err, core.EForbidden) {
		t.Fatalf("staff Create = %v, want forbidden", err)
	}
	other := core.Workspace{Platform: core.PlatformSlack, ExternalID: "T2"}
	ep, _, err := e.hooks.Create(ctx, core.Actor{Role: core.RoleAdmin, Workspace: other}, core.WebhookInput{URL: &url})
	if err != nil || ep.Workspace != other {
		t.Fatalf("bound admin Create = %+v, %v", ep, err)
	}
	if _, err := e.hooks.Get(ctx, core.Actor{Role: core.RoleAdmin, Workspace: ws}, ep.ID); !core.IsCode(err, core.ENotFound) {
		t.Fatalf("another workspace's admin Get = %v, want not_found", err)
	}
	bad := []core.EventKind{"ticket.deleted"}
	if _, err := e.hooks.Update(ctx, admin(), ep.ID, core.WebhookInput{Events: &bad}); !core.IsCode(err, core.EInvalid) {
		t.Fatalf("unknown event = %v, want invalid", err)
	}
}

// TestSignMatchesPython: the vector was computed by the README's Python recipe
// (hmac.new(b"whsec_x", b"1700000000." + body, hashlib.sha256).hexdigest()).
func TestSignMatchesPython(t *testing.T) {
	got := webhook.Sign("whsec_x", time.Unix(1700000000, 0), []byte(`{"a":1}`))
	want := "t=1700000000,v1=b3438763ab46d9634b9844c8722818eaf523f803db1327484c6067462a5fd6d1"
	if got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}
