package gormstore

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// Pool sizes one process's MySQL connection pools (SQLite always uses one connection). A
// replica holds at most MaxOpen + BatchOpen connections, which is what to count against the
// server's max_connections.
type Pool struct {
	// MaxOpen caps the main pool, used by every query and transaction.
	MaxOpen int
	// MaxIdle is how many of the main pool's connections stay open while idle (at most MaxOpen).
	MaxIdle int
	// BatchOpen caps the pool that sends CreateTicket's statements as one multi-statement batch.
	BatchOpen int
	// MaxActive caps the statements and transactions under way at once over both pools (a
	// core.Gate in front of them): more wait there, each as long as its deadline allows, and
	// are then told the database is busy, having changed nothing. A 2-core MariaDB serves a
	// few dozen at once no faster than 16, and slower once they contend for locks and the
	// buffer pool [16, at most MaxOpen+BatchOpen; SQLite: 1].
	MaxActive int
}

// gate builds the Gate the pool's MaxActive describes.
func (p Pool) gate(mysql bool) *core.Gate {
	c := core.GateConfig{Slots: p.MaxActive}
	if !mysql {
		// One connection; a writer may hold it for SQLite's busy_timeout (10 s).
		c.Slots, c.MaxWait = 1, 30*time.Second
	} else if c.Slots <= 0 {
		c.Slots = min(16, p.MaxOpen+p.BatchOpen)
	}
	return core.NewGate(c)
}

// DefaultPool is 24 + 8 = 32 connections per replica: four replicas fit in MySQL's default
// max_connections of 151 and leave room for `ticketbot migrate`, an admin and monitoring.
func DefaultPool() Pool { return Pool{MaxOpen: 24, MaxIdle: 8, BatchOpen: 8} }

// validate reports a pool that database/sql would silently reinterpret (0 means unlimited).
func (p Pool) validate() error {
	if p.MaxOpen < 1 || p.BatchOpen < 1 || p.MaxIdle < 0 || p.MaxIdle > p.MaxOpen || p.MaxActive < 0 {
		return core.Errorf(core.EInvalid, "pool sizes must be at least 1 (idle between 0 and the maximum), got %+v", p)
	}
	return nil
}

// OpenWithPool is Open with the MySQL pools sized by p. Errors: as Open, and invalid (a pool
// size below 1, or more idle than open connections).
func OpenWithPool(ctx context.Context, rawURL string, log *slog.Logger, p Pool) (*Store, error) {
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("gormstore.Open: %w", err)
	}
	return open(ctx, rawURL, log, p)
}

// PoolStats returns the statistics of the main pool and of the batch pool (zero on SQLite).
func (s *Store) PoolStats() (main, batch sql.DBStats) {
	main = s.sqlDB.Stats()
	if s.batch != nil {
		batch = s.batch.Stats()
	}
	return main, batch
}
