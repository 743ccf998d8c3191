package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"time"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/gormstore"
)

// slaLease is the database lease that lets one replica at a time run the SLA checks.
const slaLease = "sla-alerts"

// slaLoop runs core.SLAChecker every interval while this replica holds slaLease. The
// checker is also safe without the lease (alerts are unique rows); the lease only saves the
// other replicas the work. It is built to be called from the workflow scheduler's tick
// instead, once that scheduler exists (see SLAChecker.Check).
type slaLoop struct {
	store    *gormstore.Store
	log      *slog.Logger
	kick     func()
	clock    core.Clock
	interval time.Duration
	owner    string
}

func newSLALoop(st *gormstore.Store, log *slog.Logger, kick func()) *slaLoop {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return &slaLoop{store: st, log: log, kick: kick, clock: core.SystemClock{}, interval: 30 * time.Second,
		owner: "sla-" + hex.EncodeToString(b)}
}

func (l *slaLoop) run(ctx context.Context) {
	t := time.NewTicker(l.interval)
	defer t.Stop()
	defer func() { _ = l.store.ReleaseLease(context.WithoutCancel(ctx), slaLease, l.owner) }()
	for {
		l.tick(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (l *slaLoop) tick(ctx context.Context) {
	now := l.clock.Now()
	held, err := l.store.AcquireLease(ctx, slaLease, l.owner, now, 3*l.interval)
	if err != nil || !held {
		if err != nil && ctx.Err() == nil {
			l.log.Warn("sla: could not take the scheduler lease", "err", err)
		}
		return
	}
	n, err := core.SLAChecker{Store: l.store}.Check(ctx, now)
	if err != nil && ctx.Err() == nil {
		l.log.Warn("sla: check failed; trying again at the next tick", "err", err)
	}
	if n > 0 {
		l.log.Info("sla: alerts queued", "alerts", n)
		l.kick()
	}
}
