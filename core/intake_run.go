package core

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Run works on stored requests until ctx ends: it claims as many as Workers are free, due
// ones oldest first, whenever it is kicked, a worker frees up or Poll passes, and once an
// hour purges finished requests older than the Retention. When ctx ends it claims no more and
// waits for the work under way, which ctx does not cut (each is bounded by Timeout), so a
// change is never cut in half; what it did not claim waits in the database for the next start.
func (in *Intake) Run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	t := time.NewTicker(in.cfg.Poll)
	defer t.Stop()
	var purged time.Time
	for {
		if now := in.cfg.Clock.Now(); now.Sub(purged) >= time.Hour {
			purged = now
			if _, err := in.Purge(ctx); err != nil {
				in.cfg.Log.Warn("intake: purge of finished requests failed", "err", err)
			}
		}
		in.pass(ctx, &wg)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-in.kick:
		case <-in.freed:
		}
	}
}

// burstWindow is how recently a request must have been queued for a burst to be on.
const burstWindow = 250 * time.Millisecond

// workers is how many workers may work now: BurstWorkers during a burst, else Workers.
func (in *Intake) workers() int {
	if in.cfg.Clock.Now().UnixNano()-in.queuedAt.Load() < int64(burstWindow) {
		return min(in.cfg.Workers, in.cfg.BurstWorkers)
	}
	return in.cfg.Workers
}

// pass claims a request for each free worker and starts the work on them.
func (in *Intake) pass(ctx context.Context, wg *sync.WaitGroup) {
	n := in.workers()
	if n < in.cfg.Workers {
		time.AfterFunc(burstWindow, in.Kick) // the rest join once the burst is over
	}
	free := n - int(in.working.Load())
	platforms := in.platforms()
	if free <= 0 || len(platforms) == 0 || ctx.Err() != nil {
		return
	}
	rows, err := in.cfg.Store.ClaimIntake(ctx, in.cfg.Owner, in.cfg.Clock.Now(), in.cfg.Lease, free, platforms...)
	if err != nil {
		in.cfg.Log.Warn("intake: claim failed", "err", err)
		return
	}
	if len(rows) < free {
		in.fresh.Store(0) // nothing is left waiting: what was queued is being worked on
	}
	for _, r := range rows {
		in.working.Add(1)
		wg.Go(func() {
			defer func() {
				in.working.Add(-1)
				select {
				case in.freed <- struct{}{}:
				default:
				}
			}()
			in.process(ctx, r)
		})
	}
}

// process does r's work through its platform's handler and records the outcome.
func (in *Intake) process(ctx context.Context, r IntakeRequest) {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), in.cfg.Timeout)
	defer cancel()
	last := in.cfg.Clock.Now().Sub(r.CreatedAt) >= in.cfg.GiveUp
	err := in.call(wctx, r, last)
	if last && Retryable(err) {
		in.stats.givenUp.Add(1)
		in.cfg.Log.Warn("intake: a request's last attempt failed; it is given up", "id", r.ID, "err", err)
		err = nil
	}
	sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer scancel()
	in.settle(sctx, r, err)
}

// call runs the handler of r's platform, turning a panic into an error that finishes r (a
// payload nobody foresaw would otherwise be tried for ever).
func (in *Intake) call(ctx context.Context, r IntakeRequest, last bool) (err error) {
	in.mu.RLock()
	h, ok := in.handlers[r.Platform]
	in.mu.RUnlock()
	if !ok {
		return Errorf(EUnavailable, "no intake handler for %s", r.Platform)
	}
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("intake: the handler of request %d panicked: %v", r.ID, v)
		}
	}()
	return h.ProcessIntake(ctx, r, last)
}

// platforms lists the platforms with a handler.
func (in *Intake) platforms() []Platform {
	in.mu.RLock()
	defer in.mu.RUnlock()
	out := make([]Platform, 0, len(in.handlers))
	for p := range in.handlers {
		out = append(out, p)
	}
	return out
}

// Purge deletes finished requests older than the Retention, in batches, and returns how
// many it deleted. Errors: those of IntakeStore.PurgeIntake.
func (in *Intake) Purge(ctx context.Context) (int64, error) {
	const batch = 1000
	before := in.cfg.Clock.Now().Add(-in.cfg.Retention)
	var total int64
	for ctx.Err() == nil {
		n, err := in.cfg.Store.PurgeIntake(ctx, before, batch)
		total += n
		if err != nil || n < batch {
			return total, err
		}
	}
	return total, nil
}

// Pending counts the stored requests not yet finished. Errors: those of
// IntakeStore.PendingIntake.
func (in *Intake) Pending(ctx context.Context) (int64, error) { return in.cfg.Store.PendingIntake(ctx) }
