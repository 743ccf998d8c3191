package core

import (
	"context"
	"sync"
	"time"
)

// Run delivers events until ctx ends, and once an hour purges delivered events older than
// the retention. Deliveries under way when ctx ends are finished, unless Cut.
//
// Unlike Pass, Run does not wait for a whole batch before claiming the next: it holds up to
// Batch events, feeds them to the Workers as they free up, and claims again (after marking
// the deliveries done so far, in one write) once half the batch is free or a worker would
// go idle. A slow delivery thus holds up its own ticket only, and a claim's three round
// trips are shared by about Batch/2 events. Order per ticket and platform holds as in Pass:
// a claim takes only an event whose earlier events are all marked delivered, and the marks
// are written before each claim.
func (d *Dispatcher) Run(ctx context.Context) {
	r := &runner{d: d, held: newHeldEvents(nil), work: make(chan Event, d.cfg.Batch), done: make(chan finished, d.cfg.Batch)}
	hbCtx, stopHeartbeat := context.WithCancel(context.WithoutCancel(ctx))
	var hb, workers sync.WaitGroup
	hb.Go(func() { d.heartbeat(hbCtx, r.held) })
	for range d.cfg.Workers {
		workers.Go(func() {
			for ev := range r.work {
				r.done <- finished{id: ev.ID, delivered: d.deliver(ctx, ev)}
			}
		})
	}
	r.loop(ctx)
	// Shutdown: what was claimed is delivered (deliver outlives ctx unless Cut) and marked.
	close(r.work)
	for r.inflight > 0 {
		r.finish(<-r.done)
	}
	workers.Wait()
	r.mark(ctx)
	if len(r.marks) > 0 {
		d.cfg.Log.Error("outbox: could not mark delivered events; they will be delivered again", "events", len(r.marks))
	}
	stopHeartbeat()
	hb.Wait()
}

// finished is the outcome of one delivery in Run.
type finished struct {
	id        int64
	delivered bool
}

// runner is Run's state; only Run's goroutine touches it (workers talk through work and done).
type runner struct {
	d        *Dispatcher
	held     *heldEvents // claimed and not yet marked: their leases are renewed
	work     chan Event  // claimed, waiting for a worker; never more than Batch
	done     chan finished
	inflight int     // claimed and not yet finished
	marks    []int64 // delivered, not yet marked
}

func (r *runner) loop(ctx context.Context) {
	d := r.d
	t := time.NewTicker(d.cfg.Poll)
	defer t.Stop()
	var purged time.Time
	for {
		if now := d.cfg.Clock.Now(); now.Sub(purged) >= time.Hour {
			purged = now
			if _, err := d.Purge(ctx); err != nil {
				d.cfg.Log.Warn("outbox: purge of delivered events failed", "err", err)
			}
		}
		r.collect()
		if ctx.Err() != nil || d.isCut() {
			return
		}
		if free := d.cfg.Batch - r.inflight; free >= max(1, d.cfg.Batch/2) || r.inflight < d.cfg.Workers {
			r.claim(ctx, free)
		}
		select {
		case <-ctx.Done():
		case <-d.cut:
		case f := <-r.done:
			r.finish(f)
		case <-t.C:
		case <-d.kick:
		}
	}
}

// collect takes every finished delivery without waiting.
func (r *runner) collect() {
	for {
		select {
		case f := <-r.done:
			r.finish(f)
		default:
			return
		}
	}
}

func (r *runner) finish(f finished) {
	r.inflight--
	if f.delivered {
		r.marks = append(r.marks, f.id)
		return
	}
	r.held.drop(f.id) // released (or backed off) by deliver
}

// claim marks what was delivered, then claims up to free events and queues them.
func (r *runner) claim(ctx context.Context, free int) {
	d := r.d
	if r.mark(ctx); len(r.marks) > 0 {
		return // the database refused the marks: claim again once it takes them
	}
	platforms := d.platforms()
	if len(platforms) == 0 || free <= 0 {
		return
	}
	evs, err := d.cfg.Outbox.ClaimEvents(ctx, d.cfg.Owner, d.cfg.Clock.Now(), d.cfg.Lease, free, platforms...)
	if err != nil {
		if ctx.Err() == nil {
			d.cfg.Log.Warn("outbox: claim failed", "err", err)
		}
		return
	}
	r.held.add(evs)
	r.inflight += len(evs)
	for _, ev := range evs {
		r.work <- ev // room for Batch, and inflight ≤ Batch
	}
}

// mark records the deliveries collected so far in one write, with a deadline of its own (a
// shutdown must still mark them). On failure they stay held (their leases renewed) and are
// tried again before the next claim.
func (r *runner) mark(ctx context.Context) {
	if len(r.marks) == 0 {
		return
	}
	d := r.d
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	n, err := d.cfg.Outbox.MarkDeliveredMany(mctx, r.marks, d.cfg.Owner, d.cfg.Clock.Now())
	if err != nil {
		d.cfg.Log.Warn("outbox: could not mark delivered events; trying again", "events", len(r.marks), "err", err)
		return
	}
	if n < int64(len(r.marks)) {
		d.cfg.Log.Error("outbox: some delivered events were no longer leased; they may be delivered again", "events", len(r.marks), "marked", n)
	}
	for _, id := range r.marks {
		r.held.drop(id)
	}
	r.marks = r.marks[:0]
}
