package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ticketbot/ticketbot/adapters/discord"
	"github.com/ticketbot/ticketbot/adapters/discord/discordtest"
)

// The Discord suite fires signed `/ticket open` interactions (type 2, unique ids, a distinct
// user each so the per-user open limit never trips) at POST /discord/interactions of the
// real adapter (MariaDB + Redis behind it, the outbox delivering to a fake Discord REST API)
// and at a baseline handler that only verifies the Ed25519 signature and does one raw
// INSERT with database/sql:
//
//	discord_open_p99_ms / discord_baseline_p99_ms: p99 latency at a fixed 200 requests/s for 10 s;
//	discord_open_max_rps / discord_baseline_max_rps: the highest rate sustained with ≥ 99 %
//	success and p99 ≤ 250 ms, found by stepping the rate up by half each step and bisecting
//	the last interval (about a minute of load each). Between steps the outbox is given time
//	to drain, so each step starts from the same state.
const (
	dcFixedRate     = 200
	dcFixedDuration = 10 * time.Second
	dcStepDuration  = 4 * time.Second
	dcSearchBudget  = 72 * time.Second
	dcMaxP99        = 250 * time.Millisecond
	dcMinSuccess    = 0.99
	dcFirstStep     = 100
	dcCeiling       = 20000
	dcMaxSettle     = 20 * time.Second
)

func runDiscord(ctx context.Context, e *env) error {
	url, err := e.freshDatabase(ctx)
	if err != nil {
		return err
	}
	signer := discordtest.NewSigner()
	realURL, settle, closeReal, err := dcRealServer(ctx, e, url, signer)
	if err != nil {
		return err
	}
	defer closeReal()
	baseURL, closeBase, err := dcBaselineServer(ctx, e, url, signer)
	if err != nil {
		return err
	}
	defer closeBase()

	guild, channel := discordtest.ID(), discordtest.ID()
	openTarget := func(target string) vegeta.Targeter {
		return func(t *vegeta.Target) error {
			u := discordtest.User{ID: discordtest.ID(), Name: "bench user"}
			body := discordtest.Command(guild, channel, u, "ticket", "open",
				discordtest.Opt{Name: "title", Type: 3, Value: "The printer is on fire"},
				discordtest.Opt{Name: "description", Type: 3, Value: "It started after the update; the paper tray smokes."}).JSON()
			t.Method, t.URL, t.Body, t.Header = http.MethodPost, target+"/discord/interactions", body, signer.Headers(body, time.Now())
			return nil
		}
	}
	openOK := func(r *vegeta.Result) bool {
		return r.Code == http.StatusOK && bytes.Contains(r.Body, []byte("opened"))
	}
	baseOK := func(r *vegeta.Result) bool { return r.Code == http.StatusOK }

	// Warm both up (connection pools, prepared plans) before measuring.
	_ = dcAttack(ctx, openTarget(realURL), openOK, 100, 2*time.Second)
	_ = dcAttack(ctx, openTarget(baseURL), baseOK, 100, 2*time.Second)
	settle(ctx)

	fixed := dcAttack(ctx, openTarget(realURL), openOK, dcFixedRate, dcFixedDuration)
	if fixed.ok == 0 {
		return fmt.Errorf("discord: no /ticket open succeeded at %d/s: %s", dcFixedRate, fixed.firstErr)
	}
	baseFixed := dcAttack(ctx, openTarget(baseURL), baseOK, dcFixedRate, dcFixedDuration)
	report("discord_open_p99_ms", ms(fixed.p99), "ms")
	report("discord_baseline_p99_ms", ms(baseFixed.p99), "ms")
	e.log.Info("discord fixed rate", "open_success", fixed.success(), "baseline_success", baseFixed.success())

	settle(ctx)
	maxOpen := dcMaxRate(ctx, e.log, openTarget(realURL), openOK, settle)
	report("discord_open_max_rps", maxOpen, "req/s")
	maxBase := dcMaxRate(ctx, e.log, openTarget(baseURL), baseOK, func(context.Context) {})
	report("discord_baseline_max_rps", maxBase, "req/s")
	return nil
}

// dcRun is the outcome of one constant-rate attack.
type dcRun struct {
	rate     int
	sent, ok int
	p99      time.Duration
	firstErr string
}

func (r dcRun) success() float64 {
	if r.sent == 0 {
		return 0
	}
	return float64(r.ok) / float64(r.sent)
}

func (r dcRun) sustained() bool { return r.success() >= dcMinSuccess && r.p99 <= dcMaxP99 }

// dcAttack fires tr at rate per second for d and measures success (by ok) and p99 latency
// over every request sent.
func dcAttack(ctx context.Context, tr vegeta.Targeter, ok func(*vegeta.Result) bool, rate int, d time.Duration) dcRun {
	atk := vegeta.NewAttacker(vegeta.Timeout(5*time.Second), vegeta.Workers(64), vegeta.MaxWorkers(1024),
		vegeta.Connections(1024), vegeta.MaxConnections(1024), vegeta.MaxBody(4096), vegeta.KeepAlive(true))
	run := dcRun{rate: rate}
	var lat []time.Duration
	results := atk.Attack(tr, vegeta.Rate{Freq: rate, Per: time.Second}, d, "discord")
	for {
		select {
		case <-ctx.Done():
			atk.Stop()
			for range results {
			}
			return run
		case r, more := <-results:
			if !more {
				slices.Sort(lat)
				if len(lat) > 0 {
					run.p99 = lat[min(len(lat)-1, len(lat)*99/100)]
				}
				return run
			}
			run.sent++
			lat = append(lat, r.Latency)
			if ok(r) {
				run.ok++
			} else if run.firstErr == "" {
				run.firstErr = fmt.Sprintf("%d %s %s", r.Code, r.Error, truncateBody(r.Body))
			}
		}
	}
}

// dcMaxRate raises the rate by half from dcFirstStep until a step is not sustained (twice in
// a row), then bisects twice between the last good and the first bad rate; load time is
// bounded by dcSearchBudget. settle runs before every step.
func dcMaxRate(ctx context.Context, log *slog.Logger, tr vegeta.Targeter, ok func(*vegeta.Result) bool, settle func(context.Context)) float64 {
	budget := dcSearchBudget
	attempt := func(rate int) bool {
		settle(ctx)
		budget -= dcStepDuration
		r := dcAttack(ctx, tr, ok, rate, dcStepDuration)
		log.Info("discord rate step", "rate", rate, "sent", r.sent, "success", r.success(), "p99", r.p99, "first_failure", r.firstErr)
		return r.sustained()
	}
	// A step counts as failed only when it fails twice: the machine may be shared, and one
	// noisy second should not end the search.
	step := func(rate int) bool { return attempt(rate) || (budget >= dcStepDuration && attempt(rate)) }
	good, bad := 0, 0
	for rate := dcFirstStep; rate <= dcCeiling && budget >= dcStepDuration && ctx.Err() == nil; rate = rate * 3 / 2 {
		if !step(rate) {
			bad = rate
			break
		}
		good = rate
	}
	for range 2 {
		if bad == 0 || bad-good < 20 || budget < dcStepDuration || ctx.Err() != nil {
			break
		}
		mid := (good + bad) / 2
		if step(mid) {
			good = mid
		} else {
			bad = mid
		}
	}
	return float64(good)
}

func truncateBody(b []byte) string {
	if len(b) > 200 {
		b = b[:200]
	}
	return string(b)
}

// dcRealServer builds the production stack on a fresh MariaDB database and Redis: gormstore,
// redisstate (fail-open), the service, the outbox dispatcher with the Discord adapter as its
// Notifier (talking to a fake REST API), the bot, and the adapter's HTTP route.
// Its settle function waits (at most dcMaxSettle) until the outbox is empty.
func dcRealServer(ctx context.Context, e *env, url string, signer discordtest.Signer) (string, func(context.Context), func(), error) {
	sk, err := e.newStack(ctx, url)
	if err != nil {
		return "", nil, nil, err
	}
	st, svc, disp, b := sk.store, sk.svc, sk.disp, sk.bot
	api := discordtest.NewAPI("bench-token")
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	a, err := discord.New(runCtx, discord.Config{
		Bot: b, Service: svc, BotToken: "bench-token", AppID: discordtest.AppID, PublicKey: signer.PublicKey,
		APIURL: api.URL(), HTTPClient: api.Client(), Log: e.log,
	})
	if err != nil {
		cancel()
		return "", nil, nil, err
	}
	if err := disp.Register(a); err != nil {
		cancel()
		return "", nil, nil, err
	}
	mux := http.NewServeMux()
	a.Routes(mux)
	srv := httptest.NewServer(mux)
	var wg sync.WaitGroup
	wg.Go(func() { disp.Run(runCtx) })
	wg.Go(func() { _ = a.Run(runCtx) })
	settle := func(ctx context.Context) {
		deadline := time.Now().Add(dcMaxSettle)
		for time.Now().Before(deadline) && ctx.Err() == nil {
			if n, err := st.PendingEvents(ctx); err != nil || n == 0 {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return srv.URL, settle, func() {
		srv.Close()
		cancel()
		wg.Wait()
		api.Close()
	}, nil
}

// dcBaselineServer is the least a Discord interactions endpoint can do: check the timestamp
// and the Ed25519 signature, INSERT one row with database/sql, answer a message.
func dcBaselineServer(ctx context.Context, e *env, url string, signer discordtest.Signer) (string, func(), error) {
	db, err := e.openRaw(url)
	if err != nil {
		return "", nil, err
	}
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(32)
	if _, err := db.ExecContext(ctx, `CREATE TABLE bench_discord_baseline (
		id BIGINT AUTO_INCREMENT PRIMARY KEY, body TEXT NOT NULL, created_at DATETIME(6) NOT NULL)`); err != nil {
		db.Close()
		return "", nil, err
	}
	pub, _ := hex.DecodeString(signer.PublicKey)
	srv := httptest.NewServer(dcBaseline(db, ed25519.PublicKey(pub)))
	return srv.URL, func() { srv.Close(); db.Close() }, nil
}

func dcBaseline(db *sql.DB, pub ed25519.PublicKey) http.Handler {
	reply := []byte(`{"type":4,"data":{"content":"Ticket opened.","flags":64,"allowed_mentions":{"parse":[]}}}`)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		ts := r.Header.Get("X-Signature-Timestamp")
		sec, err := strconv.ParseInt(ts, 10, 64)
		sig, serr := hex.DecodeString(r.Header.Get("X-Signature-Ed25519"))
		if err != nil || serr != nil || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute ||
			!ed25519.Verify(pub, append([]byte(ts), body...), sig) {
			http.Error(w, "invalid request signature", http.StatusUnauthorized)
			return
		}
		if _, err := db.ExecContext(r.Context(), "INSERT INTO bench_discord_baseline (body, created_at) VALUES (?, ?)",
			body, time.Now().UTC()); err != nil {
			http.Error(w, "insert failed", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(reply)
	})
}
