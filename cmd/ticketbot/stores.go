package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/ticketbot/ticketbot/config"
	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/gormstore"
	"github.com/ticketbot/ticketbot/core/memstate"
	"github.com/ticketbot/ticketbot/core/redisstate"
)

// openStore opens the database and applies the migrations.
func openStore(ctx context.Context, cfg config.Config, log *slog.Logger) (*gormstore.Store, error) {
	st, err := openDatabase(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return st, nil
}

// sharedState is the StateStore, Limiter and PubSub of this process.
type sharedState struct {
	state core.StateStore
	lim   core.Limiter
	// pubsub carries live updates between replicas (Redis), or within this one.
	pubsub core.PubSub
	close  func() error
}

// openState connects to Redis (wrapped to fail open while it is away) or, without
// TICKETBOT_REDIS_URL, uses in-process state.
func openState(ctx context.Context, cfg config.Config, log *slog.Logger) (sharedState, error) {
	if cfg.RedisURL == "" {
		log.Info("TICKETBOT_REDIS_URL is empty: using in-process state; run one replica only")
		m := memstate.New(nil)
		return sharedState{state: m, lim: m, pubsub: memstate.NewPubSub(), close: m.Close}, nil
	}
	r, err := redisstate.Open(cfg.RedisURL.Reveal())
	if err != nil {
		return sharedState{}, fmt.Errorf("TICKETBOT_REDIS_URL: %w", err)
	}
	// A Redis that answers but refuses us (wrong password, no such database, not Redis at
	// all) will never work: stop. One that does not answer yet may: start and fail open.
	if err := r.Check(ctx); core.IsCode(err, core.EInvalid) {
		r.Close()
		return sharedState{}, fmt.Errorf("TICKETBOT_REDIS_URL: %s", core.ErrorMessage(err))
	} else if err != nil {
		log.Warn("Redis does not answer yet; starting anyway and failing open until it does", "err", err)
	}
	fo := core.NewFailOpenConfig(core.FailOpenConfig{State: r, Limiter: r, Log: log,
		Timeout: cfg.RedisTimeout, OpenFor: cfg.RedisBreaker, MaxOpen: 6 * cfg.RedisBreaker})
	return sharedState{state: fo, lim: fo, pubsub: r, close: r.Close}, nil
}

// withStore loads the configuration, opens and migrates the database, runs fn on it and
// closes it: the shape of every CLI command that is not serve.
func withStore(ctx context.Context, load loader, fn func(st *gormstore.Store, log *slog.Logger) error) error {
	cfg, log, err := load()
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(st, log)
}

// withAccounts runs fn on the accounts service (see withStore): the user and token commands.
func withAccounts(ctx context.Context, load loader, fn func(a *core.Accounts) error) error {
	return withStore(ctx, load, func(st *gormstore.Store, log *slog.Logger) error {
		a, err := newAccounts(st, log)
		if err != nil {
			return err
		}
		return fn(a)
	})
}

// newAccounts is the accounts service on st.
func newAccounts(st *gormstore.Store, log *slog.Logger) (*core.Accounts, error) {
	return core.NewAccounts(core.AccountsConfig{Store: st, Sessions: st, Log: log})
}
