package core

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// claimed is one claimed batch of events under delivery: its leases are renewed until it is
// finished, and the events delivered are marked together then.
type claimed struct {
	evs       []Event
	held      *heldEvents
	notifiers map[Platform]Notifier
	pending   sync.WaitGroup // deliveries not done yet
	mu        sync.Mutex
	delivered []int64
	stopHB    context.CancelFunc
	hb        sync.WaitGroup
	handed    chan struct{} // closed once claimAhead has read b and handed it to Run
}

// job is one event of a claimed batch for a worker.
type job struct {
	b  *claimed
	ev Event
}

// startWorkers starts n workers delivering the jobs of work until it is closed; wait on the
// group returned for them to end.
func (d *Dispatcher) startWorkers(ctx context.Context, n int, work <-chan job) *sync.WaitGroup {
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for j := range work {
				j.b.deliver(ctx, d, j.ev)
			}
		})
	}
	return &wg
}

// claim claims a batch of due events (claimEvents) and reads what their notifiers need
// (read); it returns nil when nothing is due (or the dispatcher is stopping or has no
// notifier). Errors: those of Outbox.ClaimEvents.
func (d *Dispatcher) claim(ctx context.Context) (*claimed, error) {
	b, err := d.claimEvents(ctx)
	if b != nil {
		d.read(ctx, b)
	}
	return b, err
}

// read reads what the notifiers of b's events need (batchNotifiers).
func (d *Dispatcher) read(ctx context.Context, b *claimed) {
	b.notifiers = d.batchNotifiers(ctx, b.evs)
}

// claimEvents claims a batch of due events and starts renewing their leases; it returns nil
// when nothing is due (or the dispatcher is stopping or has no notifier). Errors: those of
// Outbox.ClaimEvents.
func (d *Dispatcher) claimEvents(ctx context.Context) (*claimed, error) {
	if ctx.Err() != nil || d.isCut() {
		return nil, nil
	}
	platforms := d.platforms()
	if len(platforms) == 0 {
		return nil, nil // nothing to deliver to: leave the events for a dispatcher that can
	}
	evs, err := d.cfg.Outbox.ClaimEvents(ctx, d.cfg.Owner, d.cfg.Clock.Now(), d.cfg.Lease, d.cfg.Batch, platforms...)
	if err != nil || len(evs) == 0 {
		return nil, err
	}
	b := &claimed{evs: evs, held: newHeldEvents(evs), handed: make(chan struct{})}
	hbCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	b.stopHB = stop
	b.hb.Go(func() { d.heartbeat(hbCtx, b.held) })
	return b, nil
}

// feed hands b's events to the workers reading work, and returns once every one is taken.
func (b *claimed) feed(work chan<- job) {
	b.pending.Add(len(b.evs))
	for _, ev := range b.evs {
		work <- job{b: b, ev: ev}
	}
}

// deliver delivers ev of b; one delivered is marked with the rest of b when b is finished,
// and held (its lease renewed) until then.
func (b *claimed) deliver(ctx context.Context, d *Dispatcher, ev Event) {
	defer b.pending.Done()
	if d.deliver(ctx, b.notifiers[ev.Target()], ev) {
		b.mu.Lock()
		b.delivered = append(b.delivered, ev.ID)
		b.mu.Unlock()
		return
	}
	b.held.drop(ev.ID)
}

// finish waits for b's deliveries, lets the batch's notifiers record what they left to
// record (BatchFinisher), marks the delivered events in one write and stops renewing b's
// leases. The delivered events of a platform whose Finish failed are released for a retry
// instead of marked.
func (b *claimed) finish(ctx context.Context, d *Dispatcher) {
	b.pending.Wait()
	b.mu.Lock()
	ids := b.delivered
	b.mu.Unlock()
	failed := map[Platform]bool{}
	for p, n := range b.notifiers {
		f, ok := n.(BatchFinisher)
		if !ok {
			continue
		}
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.cfg.Timeout)
		if err := safeFinish(fctx, f); err != nil {
			failed[p] = true
			d.cfg.Log.Warn("outbox: a batch's deliveries could not be recorded; they will be delivered again", "platform", p, "err", err)
		}
		cancel()
	}
	if len(failed) > 0 {
		ids = d.release(ctx, b.evs, ids, failed)
	}
	d.markDelivered(ctx, ids)
	b.stopHB()
	b.hb.Wait()
}

// release makes the delivered events ids of the failed platforms due again after a backoff,
// and returns the other ids.
func (d *Dispatcher) release(ctx context.Context, evs []Event, ids []int64, failed map[Platform]bool) []int64 {
	delivered := map[int64]bool{}
	for _, id := range ids {
		delivered[id] = true
	}
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	var keep []int64
	for _, ev := range evs {
		switch {
		case !delivered[ev.ID]:
		case !failed[ev.Target()]:
			keep = append(keep, ev.ID)
		default:
			d.failed.Add(1)
			d.delivered.Add(-1)
			next := d.cfg.Clock.Now().Add(d.backoff(ev.Attempts, 0))
			if err := d.cfg.Outbox.MarkFailed(mctx, ev.ID, d.cfg.Owner, next, "its delivery could not be recorded"); err != nil {
				d.cfg.Log.Error("outbox: could not release the event; it waits for its lease", "event", ev.ID, "err", err)
			}
		}
	}
	return keep
}

func safeFinish(ctx context.Context, f BatchFinisher) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("notifier's Finish panicked: %v", r)
		}
	}()
	return f.Finish(ctx)
}

// batchNotifiers returns the notifier of each platform of evs: for a BatchNotifier, the one
// its Batch returns for that platform's events (read within the delivery timeout, even when
// ctx is cancelled, since the deliveries run on too), or, when Batch fails, the notifier
// itself, which delivers them one by one.
func (d *Dispatcher) batchNotifiers(ctx context.Context, evs []Event) map[Platform]Notifier {
	byPlatform := map[Platform][]Event{}
	for _, ev := range evs {
		byPlatform[ev.Target()] = append(byPlatform[ev.Target()], ev)
	}
	out := make(map[Platform]Notifier, len(byPlatform))
	d.mu.RLock()
	for p := range byPlatform {
		out[p] = d.notifiers[p]
	}
	d.mu.RUnlock()
	for p, pevs := range byPlatform {
		bn, ok := out[p].(BatchNotifier)
		if !ok {
			continue
		}
		bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.cfg.Timeout)
		n, err := safeBatch(bctx, bn, pevs)
		cancel()
		if err != nil {
			d.cfg.Log.Warn("outbox: could not read a batch's events at once; delivering them one by one", "platform", p, "events", len(pevs), "err", err)
			continue
		}
		out[p] = n
	}
	return out
}

func safeBatch(ctx context.Context, bn BatchNotifier, evs []Event) (n Notifier, err error) {
	defer func() {
		if r := recover(); r != nil {
			n, err = nil, fmt.Errorf("notifier's Batch panicked: %v", r)
		}
	}()
	return bn.Batch(ctx, evs)
}
