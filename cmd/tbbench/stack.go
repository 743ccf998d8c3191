package main

import (
	"context"
	"fmt"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/gormstore"
	"github.com/ticketbot/ticketbot/core/redisstate"
)

// stack is the production core as `ticketbot serve` builds it, on a fresh database and the
// benchmark Redis: gormstore, redisstate behind FailOpen, the service, the outbox
// dispatcher (not yet running; suites register their notifier and run it) and the bot with
// its drafts in the database.
type stack struct {
	store *gormstore.Store
	redis *redisstate.Store
	svc   *core.Service
	disp  *core.Dispatcher
	// intake stores slash commands before they are acknowledged (not yet running; the slack
	// suite runs it).
	intake *core.Intake
	bot    *bot.Bot
}

// openStore opens and migrates the database at dbURL; it is closed when the run ends.
func (e *env) openStore(ctx context.Context, dbURL string) (*gormstore.Store, error) {
	st, err := gormstore.Open(ctx, dbURL, e.log)
	if err != nil {
		return nil, err
	}
	e.cleanup = append(e.cleanup, func() { _ = st.Close() })
	if err := st.Migrate(ctx); err != nil {
		return nil, err
	}
	return st, nil
}

// newStack builds a stack on dbURL; everything is closed when the run ends.
func (e *env) newStack(ctx context.Context, dbURL string) (*stack, error) {
	st, err := e.openStore(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	rs, err := redisstate.Open(e.redisURL)
	if err != nil {
		return nil, err
	}
	e.cleanup = append(e.cleanup, func() { _ = rs.Close() })
	if err := rs.Ping(ctx); err != nil {
		return nil, fmt.Errorf("redis at %s: %w", e.redisURL, err)
	}
	shared := core.NewFailOpen(rs, rs, e.log)
	disp := core.NewDispatcher(core.DispatcherConfig{Outbox: st, Log: e.log})
	svc := core.NewService(core.ServiceConfig{Store: st, State: shared, Limiter: shared, Log: e.log, Committed: disp.Kick})
	b, err := bot.New(bot.Config{Service: svc, State: shared, Drafts: core.NewDrafts(core.DraftsConfig{Store: st, TTL: bot.DraftTTL}), Log: e.log})
	if err != nil {
		return nil, err
	}
	intake := core.NewIntake(core.IntakeConfig{Store: st, Log: e.log, Busy: st.Saturated})
	return &stack{store: st, redis: rs, svc: svc, disp: disp, intake: intake, bot: b}, nil
}
