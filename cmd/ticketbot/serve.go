package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/config"
	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/gormstore"
)

func newServeCmd(load loader, env map[string]string) *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Migrate the schema and run the HTTP server, the adapters and the outbox (the default)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, log, err := load()
			if err != nil {
				return err
			}
			applyMemoryLimit(cfg, env, log, debug.SetMemoryLimit)
			ln, err := net.Listen("tcp", cfg.Addr)
			if err != nil {
				return fmt.Errorf("TICKETBOT_ADDR: %w", err)
			}
			return serve(cmd.Context(), cfg, log, ln)
		},
	}
}

// adapter is what serve needs of a platform or web adapter.
type adapter interface {
	// Routes registers the adapter's HTTP endpoints.
	Routes(mux *http.ServeMux)
	// Run holds the adapter's own connections (Socket Mode, gateway) until ctx ends, then
	// finishes its in-flight work and returns.
	Run(ctx context.Context) error
}

// startHooks let tests hold start-up at a step; serve uses the zero value.
type startHooks struct {
	// migrate replaces st.Migrate.
	migrate func(ctx context.Context, st *gormstore.Store) error
	// clock replaces the system clock of the store and the service (tests move it; link codes
	// expiring).
	clock core.Clock
	// timerInterval replaces the workflow scheduler's round interval.
	timerInterval time.Duration
}

// serve runs until ctx ends (SIGINT/SIGTERM), then stops taking requests, finishes the
// in-flight ones, drains the outbox and returns nil.
func serve(ctx context.Context, cfg config.Config, log *slog.Logger, ln net.Listener) error {
	return serveWith(ctx, cfg, log, ln, startHooks{})
}

func serveWith(ctx context.Context, cfg config.Config, log *slog.Logger, ln net.Listener, hooks startHooks) error {
	log.Info("starting ticketbot", append([]any{"version", version}, cfg.Summary()...)...)
	m := newMetrics()
	// The listener answers from the first moment: /healthz 200, /readyz 503 with what start-up
	// is doing, so a liveness probe does not kill a replica that is running a long migration.
	h := newStartingHandler("migrating")
	srv := &http.Server{
		Handler:           m.instrument(h, log),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String(), "url", cfg.PublicURL, "dashboard", cfg.PublicURL+"/login")

	a, err := startApp(ctx, cfg, log, m, h, hooks)
	if err != nil {
		_ = srv.Close()
		<-serveErr
		if ctx.Err() != nil && errors.Is(err, context.Canceled) {
			// SIGINT/SIGTERM during start-up: nothing was acknowledged yet, so this is a clean stop.
			log.Info("stopped before start-up finished")
			return nil
		}
		return err
	}
	defer a.close()
	// Event streams never go idle: Shutdown ends them when it begins instead of waiting.
	srv.RegisterOnShutdown(a.closeStreams)
	h.ready(a.mux)
	log.Info("ready")

	// Adapters and the dispatcher get their own context, cancelled only after the HTTP server
	// has drained, so work acknowledged to a platform is never cut off.
	runCtx, stopRun := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() { a.disp.Run(runCtx) })
	wg.Go(func() { a.intake.Run(runCtx) })
	wg.Go(func() { a.live.Run(runCtx) })
	wg.Go(func() { a.timers.Run(runCtx) })
	for _, ad := range a.adapters {
		wg.Go(func() {
			if err := ad.Run(runCtx); err != nil {
				log.Error("adapter stopped", "err", err)
			}
		})
	}

	select {
	case <-ctx.Done():
		log.Info("shutting down: finishing in-flight requests")
	case err := <-serveErr:
		stopRun()
		wg.Wait()
		return fmt.Errorf("http server: %w", err)
	}
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	// The shutdown timeout bounds everything: when it runs out, deliveries still under way
	// (a platform that hangs) are cut and their events released for the next process.
	stopCut := context.AfterFunc(shutCtx, a.disp.Cut)
	defer stopCut()
	if err := srv.Shutdown(shutCtx); err != nil {
		log.Warn("http shutdown incomplete", "err", err)
	}
	if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Warn("http server", "err", err)
	}
	stopRun()
	wg.Wait()
	if err := a.disp.Flush(shutCtx); err != nil {
		log.Warn("outbox not fully drained; the rest is delivered after the next start", "err", err)
	}
	log.Info("stopped")
	return nil
}

// liveTopic is the deployment's live-update topic: replicas of one database share it, and two
// deployments on one Redis never hear each other. It is named by a hash of the deployment id,
// which keys the session hashes and must not be shown.
func liveTopic(ctx context.Context, st *gormstore.Store) (string, error) {
	id, err := st.DeploymentID(ctx)
	if err != nil {
		return "", fmt.Errorf("deployment id: %w", err)
	}
	sum := sha256.Sum256([]byte("ticketbot live topic\x00" + id))
	return core.LiveTopic + ":" + hex.EncodeToString(sum[:8]), nil
}

// app is everything serve runs once start-up is done.
type app struct {
	mux      *http.ServeMux
	disp     *core.Dispatcher
	intake   *core.Intake
	live     *core.Live
	timers   *core.Scheduler
	adapters []adapter
	// closeStreams ends the dashboard's event streams (at shutdown).
	closeStreams func()
	close        func()
}

// startApp opens and migrates the database (telling h each step), connects the shared state
// and builds the service, the bot, the adapters and their routes. On error it closes what it
// opened.
func startApp(ctx context.Context, cfg config.Config, log *slog.Logger, m *metrics, h *startingHandler, hooks startHooks) (*app, error) {
	migrate := hooks.migrate
	if migrate == nil {
		migrate = func(ctx context.Context, st *gormstore.Store) error { return st.Migrate(ctx) }
	}
	st, err := openDatabase(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	log.Info("migrating the database schema")
	if err := migrate(ctx, st); err != nil {
		st.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	h.setPhase("starting")
	announceAccounts(ctx, st, log)
	shared, err := openState(ctx, cfg, log)
	if err != nil {
		st.Close()
		return nil, err
	}
	closeAll := func() {
		_ = shared.close()
		_ = st.Close()
	}

	disp := core.NewDispatcher(core.DispatcherConfig{Outbox: st, Log: log, Lease: cfg.OutboxLease, Clock: hooks.clock})
	m.watchOutbox(st, disp)
	intake := core.NewIntake(core.IntakeConfig{Store: st, Log: log, Lease: cfg.IntakeLease, Clock: hooks.clock, Busy: st.Saturated})
	m.watchIntake(intake)
	m.watchPools(st.PoolStats)
	topic, err := liveTopic(ctx, st)
	if err != nil {
		closeAll()
		return nil, err
	}
	live := core.NewLive(core.LiveConfig{PubSub: shared.pubsub, Log: log, Topic: topic})
	m.watchLive(live)
	if hooks.clock != nil {
		st.SetClock(hooks.clock)
	}
	svc := core.NewService(core.ServiceConfig{
		Store: st, State: shared.state, Limiter: shared.lim, Log: log, Clock: hooks.clock,
		Committed: disp.Kick, Opened: m.ticketOpened, Live: live,
	})
	timers, err := core.NewScheduler(core.SchedulerConfig{Service: svc, Owner: replicaName(), Interval: hooks.timerInterval, Log: log})
	if err != nil {
		closeAll()
		return nil, err
	}
	throttle := core.NewThrottle(shared.lim, log)
	b, err := bot.New(bot.Config{Service: svc, State: shared.state, Drafts: core.NewDrafts(core.DraftsConfig{Store: st, TTL: bot.DraftTTL}), Dedupe: core.NewDedupe(shared.state, log), Throttle: throttle, Log: log, Limits: bot.Limits{
		Open:    core.Limit{Rate: cfg.OpenLimit, Period: cfg.OpenWindow, Burst: cfg.OpenLimit},
		Command: core.Limit{Rate: cfg.CommandLimit, Period: time.Minute, Burst: max(cfg.CommandLimit/3, 1)},
	}})
	if err != nil {
		closeAll()
		return nil, err
	}

	mux := http.NewServeMux()
	routeHealth(mux, svc.Ready)
	mux.Handle("GET /metrics", m.handler())
	names := core.NewNames(core.NamesConfig{Store: st, Cache: core.NewCache(shared.state, "names"), Log: log})
	adapters, err := buildAdapters(ctx, cfg, log, deps{svc: svc, bot: b, store: st, state: shared.state, throttle: throttle, dispatcher: disp, intake: intake, metrics: m, names: names, live: live})
	if err != nil {
		closeAll()
		return nil, err
	}
	closeStreams := func() {}
	for _, a := range adapters {
		a.Routes(mux)
		if w, ok := a.(webAdapter); ok {
			closeStreams = w.CloseStreams
		}
	}
	return &app{mux: mux, disp: disp, intake: intake, live: live, timers: timers, adapters: adapters, closeStreams: closeStreams, close: closeAll}, nil
}

// replicaName names this process in the scheduler's lease: host name and process id.
func replicaName() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "ticketbot"
	}
	return host + ":" + strconv.Itoa(os.Getpid()) + ":" + strconv.FormatInt(time.Now().UnixNano(), 36)
}
