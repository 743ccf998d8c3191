package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"time"

	"github.com/ticketbot/ticketbot/adapters/web"
	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/memstate"
)

// API benchmark shape: GET /api/v1/tickets?limit=50 on a workspace of apiTickets tickets,
// apiRequests requests from apiWorkers keep-alive clients, in apiRounds rounds alternating with
// the baseline.
const (
	apiTickets  = 100_000
	apiRequests = 2000
	apiWorkers  = 4
	apiRounds   = 4
)

// runAPI measures the REST API's ticket list through the real handler over HTTP (token check,
// rate limit, query, JSON) beside a bare handler that writes the same JSON bytes from memory,
// so the difference is what ticketbot adds on top of HTTP itself.
func runAPI(ctx context.Context, e *env) error {
	url, err := e.freshDatabase(ctx)
	if err != nil {
		return err
	}
	st, err := e.openStore(ctx, url)
	if err != nil {
		return err
	}
	ws := core.Workspace{Platform: core.PlatformSlack, ExternalID: "TBENCHAPI"}
	if err := seedTickets(ctx, e, url, ws, apiTickets); err != nil {
		return err
	}
	state := memstate.New(nil)
	svc := core.NewService(core.ServiceConfig{Store: st, State: state, Limiter: state, Log: e.log})
	accounts, err := core.NewAccounts(core.AccountsConfig{Store: st, Sessions: st, Log: e.log})
	if err != nil {
		return err
	}
	srv, err := web.New(web.Config{Service: svc, Accounts: accounts, Throttle: core.NewThrottle(state, e.log), Log: e.log,
		APILimit: core.Limit{Rate: 1_000_000, Period: time.Second, Burst: 1_000_000}})
	if err != nil {
		return err
	}
	_, token, err := accounts.CreateToken(ctx, core.System(), core.NewToken{Name: "bench"})
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	srv.Routes(mux)
	api := httptest.NewServer(mux)
	defer api.Close()

	client := &http.Client{Transport: &http.Transport{MaxIdleConns: apiWorkers * 2, MaxIdleConnsPerHost: apiWorkers * 2}}
	defer client.CloseIdleConnections()
	get := func(ctx context.Context, base string) ([]byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/tickets?limit=50", nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("status %d: %.200s", resp.StatusCode, body)
		}
		return body, err
	}
	page, err := get(ctx, api.URL)
	if err != nil {
		return fmt.Errorf("api_list: %w", err)
	}
	if n := bytes.Count(page, []byte(`"number":`)); n != 50 {
		return fmt.Errorf("api_list: the first page holds %d tickets, want 50", n)
	}
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write(page)
	}))
	defer bare.Close()

	// Warm both up (connections, caches, buffer pool), then measure them in alternating rounds
	// so that both see the same load on the machine.
	for _, base := range []string{api.URL, bare.URL} {
		if _, err := measure(ctx, 200, apiWorkers, func(ctx context.Context, _ int) error { _, err := get(ctx, base); return err }); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
	}
	var live, base latencies
	for range apiRounds {
		for _, m := range []struct {
			url string
			lat *latencies
		}{{api.URL, &live}, {bare.URL, &base}} {
			if err := m.lat.run(ctx, apiRequests/apiRounds, apiWorkers, func(ctx context.Context) error {
				b, err := get(ctx, m.url)
				if err == nil && len(b) != len(page) {
					err = fmt.Errorf("body of %d bytes, want %d", len(b), len(page))
				}
				return err
			}); err != nil {
				return fmt.Errorf("api_list (%s): %w", m.url, err)
			}
		}
	}
	report("api_list_p50_ms", ms(live.percentile(50)), "ms")
	report("api_list_p99_ms", ms(live.percentile(99)), "ms")
	report("api_list_rps", live.rps(), "req/s")
	report("api_list_baseline_p50_ms", ms(base.percentile(50)), "ms")
	report("api_list_baseline_p99_ms", ms(base.percentile(99)), "ms")
	report("api_list_baseline_rps", base.rps(), "req/s")
	return nil
}

// latencies gathers the request times and wall time of several measured rounds.
type latencies struct {
	mu      sync.Mutex
	each    []time.Duration
	elapsed time.Duration
}

// run makes n requests with op from workers goroutines and records them.
func (l *latencies) run(ctx context.Context, n, workers int, op func(ctx context.Context) error) error {
	r, err := measure(ctx, n, workers, func(ctx context.Context, _ int) error {
		t0 := time.Now()
		err := op(ctx)
		d := time.Since(t0)
		l.mu.Lock()
		l.each = append(l.each, d)
		l.mu.Unlock()
		return err
	})
	l.elapsed += r.elapsed
	return err
}

func (l *latencies) percentile(p int) time.Duration {
	s := slices.Clone(l.each)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

func (l *latencies) rps() float64 { return float64(len(l.each)) / l.elapsed.Seconds() }
