package browser_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/adapters/web"
	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
	"github.com/ticketbot/ticketbot/core/gormstore"
	"github.com/ticketbot/ticketbot/core/memstate"
)

// harness is the dashboard on a real SQLite store, served over HTTP, built through the
// packages' public APIs as cmd/ticketbot builds it.
type harness struct {
	store    *gormstore.Store
	svc      *core.Service
	accounts *core.Accounts
	ts       *httptest.Server
	names    *core.Names
}

func newHarness(t *testing.T, dbURL string) *harness {
	t.Helper()
	return newHarnessWith(t, dbURL, nil)
}

// newHarnessWith is newHarness with configure changing the web.Config; the server's URL is
// known (cfg.PublicURL) before configure runs.
func newHarnessWith(t *testing.T, dbURL string, configure func(*web.Config)) *harness {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	store, err := gormstore.Open(ctx, dbURL, nil)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = store.Close() })
	if err := store.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	clock := core.SystemClock{}
	state := memstate.New(clock)
	// Live updates travel as in a single replica without Redis; a test that sets cfg.Live to
	// nil gets a dashboard that polls.
	live := core.NewLive(core.LiveConfig{PubSub: memstate.NewPubSub(), Log: log})
	liveCtx, stopLive := context.WithCancel(ctx)
	t.Cleanup(stopLive)
	go live.Run(liveCtx)
	<-live.Ready()
	svc := core.NewService(core.ServiceConfig{Store: store, State: state, Limiter: state, Clock: clock, Log: log, Live: live})
	accounts, err := core.NewAccounts(core.AccountsConfig{Store: store, Sessions: store, Clock: clock, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(nil)
	names := core.NewNames(core.NamesConfig{Store: store, Cache: core.NewCache(state, "names"), Clock: clock, Log: log})
	nctx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	go names.Run(nctx)
	cfg := web.Config{Service: svc, Accounts: accounts, Throttle: core.NewThrottle(state, log), Log: log, Clock: clock,
		SessionTTL: time.Hour, PublicURL: "http://" + ts.Listener.Addr().String(), Names: names, Live: live,
		Views: core.NewViews(core.ViewsConfig{Store: store, Clock: clock})}
	if configure != nil {
		configure(&cfg)
	}
	srv, err := web.New(cfg)
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	mux := http.NewServeMux()
	srv.Routes(mux)
	ts.Config.Handler = mux
	ts.Start()
	t.Cleanup(ts.Close)
	t.Cleanup(srv.CloseStreams) // before ts.Close, which waits for the streams' connections
	return &harness{store: store, svc: svc, accounts: accounts, ts: ts, names: names}
}

// account creates a dashboard account.
func (h *harness) account(t *testing.T, name string, role core.Role, password string) {
	t.Helper()
	if _, err := h.accounts.Create(context.Background(), core.System(), core.NewAccount{Name: name, Role: role, Password: []byte(password)}); err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
}

// apiStatus sends a GET to the REST API with token and returns the status code.
func (h *harness) apiStatus(t *testing.T, path, token string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, h.ts.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// learn keeps names as if a chat adapter had told them, and waits until they are kept.
func (h *harness) learn(t *testing.T, names map[core.NameKey]string) {
	t.Helper()
	for k, n := range names {
		h.names.Learn(k, n, true)
	}
	coretest.Eventually(t, 5*time.Second, "names kept", h.names.Idle)
}
