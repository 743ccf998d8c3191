package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/config"
	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/gormstore"
)

func newServeCmd(load loader) *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Migrate the schema and run the HTTP server, the adapters and the outbox (the default)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, log, err := load()
			if err != nil {
				return err
			}
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
	h.ready(a.mux)
	log.Info("ready")

	// Adapters and the dispatcher get their own context, cancelled only after the HTTP server
	// has drained, so work acknowledged to a platform is never cut off.
	runCtx, stopRun := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() { a.disp.Run(runCtx) })
	wg.Go(func() { a.sla.run(runCtx) })
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

// app is everything serve runs once start-up is done.
type app struct {
	mux      *http.ServeMux
	disp     *core.Dispatcher
	sla      *slaLoop
	adapters []adapter
	close    func()
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

	disp := core.NewDispatcher(core.DispatcherConfig{Outbox: st, Log: log, Lease: cfg.OutboxLease})
	m.watchOutbox(st, disp)
	m.watchPools(st.PoolStats)
	svc := core.NewService(core.ServiceConfig{
		Store: st, State: shared.state, Limiter: shared.lim, Log: log,
		Committed: disp.Kick, Opened: m.ticketOpened,
	})
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
	adapters, err := buildAdapters(ctx, cfg, log, deps{svc: svc, bot: b, store: st, state: shared.state, throttle: throttle, dispatcher: disp, metrics: m})
	if err != nil {
		closeAll()
		return nil, err
	}
	for _, a := range adapters {
		a.Routes(mux)
	}
	return &app{mux: mux, disp: disp, sla: newSLALoop(st, log, disp.Kick), adapters: adapters, close: closeAll}, nil
}
