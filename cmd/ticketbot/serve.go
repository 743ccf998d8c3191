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

// serve runs until ctx ends (SIGINT/SIGTERM), then stops taking requests, finishes the
// in-flight ones, drains the outbox and returns nil.
func serve(ctx context.Context, cfg config.Config, log *slog.Logger, ln net.Listener) error {
	log.Info("starting ticketbot", append([]any{"version", version}, cfg.Summary()...)...)
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	announceAccounts(ctx, st, log)
	shared, err := openState(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer shared.close()

	m := newMetrics()
	disp := core.NewDispatcher(core.DispatcherConfig{Outbox: st, Log: log})
	m.watchOutbox(st, disp)
	svc := core.NewService(core.ServiceConfig{
		Store: st, State: shared.state, Limiter: shared.lim, Log: log,
		Committed: disp.Kick, Opened: m.ticketOpened,
	})
	b, err := bot.New(bot.Config{Service: svc, Log: log, Limits: bot.Limits{
		Open:    core.Limit{Rate: cfg.OpenLimit, Period: cfg.OpenWindow, Burst: cfg.OpenLimit},
		Command: core.Limit{Rate: cfg.CommandLimit, Period: time.Minute, Burst: max(cfg.CommandLimit/3, 1)},
	}})
	if err != nil {
		return err
	}

	mux := http.NewServeMux()
	routeHealth(mux, svc.Ready)
	mux.Handle("GET /metrics", m.handler())
	adapters, err := buildAdapters(ctx, cfg, log, deps{svc: svc, bot: b, store: st, state: shared.state, dispatcher: disp, metrics: m})
	if err != nil {
		return err
	}
	for _, a := range adapters {
		a.Routes(mux)
	}

	srv := &http.Server{
		Handler:           m.instrument(mux, log),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String(), "url", cfg.PublicURL, "dashboard", cfg.PublicURL+"/login")

	// Adapters and the dispatcher get their own context, cancelled only after the HTTP server
	// has drained, so work acknowledged to a platform is never cut off.
	runCtx, stopRun := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() { disp.Run(runCtx) })
	for _, a := range adapters {
		wg.Go(func() {
			if err := a.Run(runCtx); err != nil {
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
	if err := srv.Shutdown(shutCtx); err != nil {
		log.Warn("http shutdown incomplete", "err", err)
	}
	if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Warn("http server", "err", err)
	}
	stopRun()
	wg.Wait()
	if err := disp.Flush(shutCtx); err != nil {
		log.Warn("outbox not fully drained; the rest is delivered after the next start", "err", err)
	}
	log.Info("stopped")
	return nil
}
