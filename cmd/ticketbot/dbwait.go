package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/ticketbot/ticketbot/config"
	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/gormstore"
)

// Backoff between attempts to reach the database at start-up.
const (
	dbRetryFirst = 250 * time.Millisecond
	dbRetryMax   = 5 * time.Second
)

// openDatabase opens the database, waiting up to cfg.DBWait while it is unreachable (a
// database that starts after ticketbot, as in a fresh compose stack), retrying with a
// doubling backoff and saying so in the log. Anything but unreachability fails at once.
func openDatabase(ctx context.Context, cfg config.Config, log *slog.Logger) (*gormstore.Store, error) {
	deadline := time.Now().Add(cfg.DBWait)
	wait := dbRetryFirst
	for attempt := 1; ; attempt++ {
		st, err := gormstore.OpenWithPool(ctx, cfg.DatabaseURL.Reveal(), log, // Open pings
			gormstore.Pool{MaxOpen: cfg.DBMaxOpen, MaxIdle: cfg.DBMaxIdle, BatchOpen: cfg.DBBatchOpen})
		if err == nil {
			if attempt > 1 {
				log.Info("database reachable", "attempts", attempt)
			}
			return st, nil
		}
		if !core.IsCode(err, core.EUnavailable) {
			return nil, fmt.Errorf("TICKETBOT_DATABASE_URL: %w", err)
		}
		left := time.Until(deadline)
		if left <= 0 {
			return nil, fmt.Errorf("TICKETBOT_DATABASE_URL: the database did not answer within TICKETBOT_DB_WAIT (%s): %s",
				cfg.DBWait, core.ErrorMessage(err))
		}
		wait = min(wait, left)
		log.Warn("database not reachable yet; retrying", "attempt", attempt, "retry_in", wait.String(),
			"gives_up_in", left.Round(time.Second).String(), "err", err)
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("TICKETBOT_DATABASE_URL: gave up waiting for the database: %w", ctx.Err())
		case <-time.After(wait):
		}
		wait = min(2*wait, dbRetryMax)
	}
}
