package core

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// DispatcherConfig tunes the outbox Dispatcher; zero fields take the defaults in brackets.
type DispatcherConfig struct {
	Outbox Outbox
	Clock  Clock
	Log    *slog.Logger
	// Owner names this dispatcher in leases; it must differ between processes [random].
	Owner string
	// Lease is how long a claimed batch is held before another dispatcher may take it. While
	// the batch is being delivered a heartbeat renews the leases of the events still held
	// every Lease/3, so a short lease costs nothing while this process lives, and a process
	// that dies (kill -9) holds its events for at most this long [20s].
	Lease time.Duration
	// Poll is how often the outbox is read when nothing kicks the dispatcher [1s].
	Poll time.Duration
	// Batch is how many events one claim takes [64], at most one per ticket (its oldest
	// undelivered). A batch is marked delivered when all its deliveries are done, so a
	// larger batch makes a busy ticket's next event wait longer. A backlog is drained at the
	// pace of a batch's claim and read (a few statements each, whatever its size) as much as
	// of its posts: from 16 to 64, cards posted from a backlog went from 1,433/s to 1,997/s
	// (tbbench -suite outbox, beside a baseline of ~4,000/s); 128 and 256 gave no more.
	Batch int
	// Workers deliver events of different tickets in parallel [4].
	Workers int
	// BackoffBase and BackoffMax bound the exponential retry delay [1s, 5m].
	BackoffBase, BackoffMax time.Duration
	// Timeout bounds one delivery [15s].
	Timeout time.Duration
	// Retention is how long delivered events are kept before Run purges them [7 days].
	Retention time.Duration
}

// DispatcherStats counts deliveries since start.
type DispatcherStats struct {
	Delivered, Failed, Dropped int64
}

// Dispatcher delivers outbox events to the Notifier of each event's platform: at least once,
// in order per ticket, with exponential backoff (at least any Retry-After a platform asked
// for). An event stays in the outbox until it is delivered, so an outage or a restart delays
// notifications but never loses them.
type Dispatcher struct {
	cfg       DispatcherConfig
	mu        sync.RWMutex
	notifiers map[Platform]Notifier
	kick      chan struct{}
	cut       chan struct{} // closed by Cut
	cutOnce   sync.Once
	delivered atomic.Int64
	failed    atomic.Int64
	dropped   atomic.Int64
}

// NewDispatcher builds a Dispatcher; register Notifiers before Run.
func NewDispatcher(c DispatcherConfig) *Dispatcher {
	if c.Clock == nil {
		c.Clock = SystemClock{}
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Owner == "" {
		c.Owner = fmt.Sprintf("dispatcher-%016x", rand.Uint64())
	}
	defaultDuration(&c.Lease, 20*time.Second)
	defaultDuration(&c.Poll, time.Second)
	defaultDuration(&c.BackoffBase, time.Second)
	defaultDuration(&c.BackoffMax, 5*time.Minute)
	defaultDuration(&c.Timeout, 15*time.Second)
	defaultDuration(&c.Retention, 7*24*time.Hour)
	if c.Batch <= 0 {
		c.Batch = 64
	}
	if c.Workers <= 0 {
		c.Workers = 4
	}
	return &Dispatcher{cfg: c, notifiers: map[Platform]Notifier{}, kick: make(chan struct{}, 1), cut: make(chan struct{})}
}

// Register adds n as the Notifier of its platform. Errors: conflict (platform taken).
func (d *Dispatcher) Register(n Notifier) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.notifiers[n.Platform()]; ok {
		return Errorf(EConflict, "a notifier for %s is already registered", n.Platform())
	}
	d.notifiers[n.Platform()] = n
	return nil
}

// Kick wakes the dispatcher now (after a commit) instead of at the next poll.
func (d *Dispatcher) Kick() {
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

// Stats returns delivery counts since start.
func (d *Dispatcher) Stats() DispatcherStats {
	return DispatcherStats{Delivered: d.delivered.Load(), Failed: d.failed.Load(), Dropped: d.dropped.Load()}
}

// Cut ends every delivery under way and every later pass: the shutdown deadline has come.
// A cut delivery's event is released at once, without a backoff, for the next process.
func (d *Dispatcher) Cut() { d.cutOnce.Do(func() { close(d.cut) }) }

func (d *Dispatcher) isCut() bool {
	select {
	case <-d.cut:
		return true
	default:
		return false
	}
}

// Run delivers events until ctx ends, and once an hour purges delivered events older than
// the retention. Its workers are shared by the batches it claims, and the batches after the
// one delivered are claimed and read meanwhile, a claim and a read at once (claimAhead), so
// neither the claims nor a batch's slowest delivery leave the workers idle. Each batch is marked in one write when its own deliveries
// are done, and then the outbox is read again at once: a ticket's next event, not claimable
// while its predecessor was unmarked, goes out without waiting for the poll. Deliveries under
// way when ctx ends are finished, unless Cut.
func (d *Dispatcher) Run(ctx context.Context) {
	batches := make(chan *claimed) // unbuffered: one batch claimed ahead of the one fed
	go d.claimAhead(ctx, batches)
	work := make(chan job)
	workers := d.startWorkers(ctx, d.cfg.Workers, work)
	var finishing sync.WaitGroup
	for b := range batches {
		b.feed(work)
		finishing.Go(func() {
			b.finish(ctx, d)
			d.Kick()
		})
	}
	close(work)
	workers.Wait()
	finishing.Wait()
}

// claimAhead claims batches and sends them on batches until ctx ends, then closes it: after
// each poll or kick, batch after batch while they come full. Claiming and reading are two
// stages: while one batch's tickets are read (batchNotifiers), the next is claimed, so a
// backlog goes out at the pace of the slower of the two, not of both one after the other;
// after a batch that is not full, the next claim waits for it to be handed on, as one claim
// then read would. A
// batch claimed is always read and sent (and so delivered), also when ctx ends meanwhile.
// Once an hour it purges.
func (d *Dispatcher) claimAhead(ctx context.Context, batches chan<- *claimed) {
	raw := make(chan *claimed)
	go func() {
		defer close(batches)
		for b := range raw {
			d.read(ctx, b)
			batches <- b
			close(b.handed)
		}
	}()
	defer close(raw)
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
		for ctx.Err() == nil {
			b, err := d.claimEvents(ctx)
			if err != nil {
				d.cfg.Log.Warn("outbox: claim failed", "err", err)
			}
			if b == nil {
				break
			}
			raw <- b
			if len(b.evs) < d.cfg.Batch {
				// No backlog: nothing to claim ahead of this batch. The next claim waits for
				// it to reach the workers, so the events that come meanwhile make one batch,
				// not many small ones (each a claim, a read and a mark of its own).
				<-b.handed
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-d.kick:
		}
	}
}

// Purge deletes delivered events older than the retention, in batches, and returns how many
// it deleted. Errors: those of Outbox.PurgeDelivered.
func (d *Dispatcher) Purge(ctx context.Context) (int64, error) {
	const batch = 1000
	before := d.cfg.Clock.Now().Add(-d.cfg.Retention)
	var total int64
	for ctx.Err() == nil {
		n, err := d.cfg.Outbox.PurgeDelivered(ctx, before, batch)
		total += n
		if err != nil || n < batch {
			return total, err
		}
	}
	return total, nil
}

// Flush delivers every event that is due now, pass after pass, until none is left or ctx
// ends; it is how shutdown drains the outbox. Events that fail stay for the next start.
func (d *Dispatcher) Flush(ctx context.Context) error {
	for ctx.Err() == nil {
		n, err := d.Pass(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
	}
	return ctx.Err()
}

// Pass claims one batch of due events and delivers them; it returns how many it claimed.
// Errors: those of Outbox.ClaimEvents.
func (d *Dispatcher) Pass(ctx context.Context) (int, error) {
	b, err := d.claim(ctx)
	if err != nil || b == nil {
		return 0, err
	}
	work := make(chan job)
	workers := d.startWorkers(ctx, min(d.cfg.Workers, len(b.evs)), work)
	b.feed(work)
	close(work)
	workers.Wait()
	b.finish(ctx, d)
	return len(b.evs), nil
}

// markDelivered records a pass's deliveries in one write, with a deadline of its own: a
// pass that used up its time must still mark them, or they would be delivered again.
func (d *Dispatcher) markDelivered(ctx context.Context, ids []int64) {
	if len(ids) == 0 {
		return
	}
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	n, err := d.cfg.Outbox.MarkDeliveredMany(mctx, ids, d.cfg.Owner, d.cfg.Clock.Now())
	switch {
	case err != nil:
		d.cfg.Log.Error("outbox: could not mark delivered events; they will be delivered again", "events", len(ids), "err", err)
	case n < int64(len(ids)):
		d.cfg.Log.Error("outbox: some delivered events were no longer leased; they may be delivered again", "events", len(ids), "marked", n)
	}
}

// heartbeat renews the leases of the events of a batch not yet delivered, every Lease/3,
// until ctx ends.
func (d *Dispatcher) heartbeat(ctx context.Context, held *heldEvents) {
	t := time.NewTicker(d.cfg.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		ids := held.list()
		if len(ids) == 0 {
			continue
		}
		rctx, cancel := context.WithTimeout(ctx, d.cfg.Lease/3)
		_, err := d.cfg.Outbox.RenewLeases(rctx, d.cfg.Owner, ids, d.cfg.Clock.Now().Add(d.cfg.Lease))
		cancel()
		if err != nil && ctx.Err() == nil {
			d.cfg.Log.Warn("outbox: could not renew leases; another dispatcher may deliver these events too", "events", len(ids), "err", err)
		}
	}
}

// heldEvents are the ids of a batch's events not yet delivered; safe for concurrent use.
type heldEvents struct {
	mu  sync.Mutex
	ids map[int64]struct{}
}

func newHeldEvents(evs []Event) *heldEvents {
	h := &heldEvents{ids: make(map[int64]struct{}, len(evs))}
	for _, ev := range evs {
		h.ids[ev.ID] = struct{}{}
	}
	return h
}

func (h *heldEvents) drop(id int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.ids, id)
}

func (h *heldEvents) list() []int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]int64, 0, len(h.ids))
	for id := range h.ids {
		out = append(out, id)
	}
	return out
}

// platforms lists the platforms that have a notifier.
func (d *Dispatcher) platforms() []Platform {
	d.mu.RLock()
	defer d.mu.RUnlock()
	out := make([]Platform, 0, len(d.notifiers))
	for p := range d.notifiers {
		out = append(out, p)
	}
	return out
}

// deliver hands ev to its notifier and records a failure; it reports whether ev was
// delivered (or given up on as permanent), which the caller marks. It runs to the end even
// when ctx is cancelled (shutdown), bounded by the delivery timeout, unless the dispatcher is
// Cut: then the delivery is cancelled and its event released for the next process.
func (d *Dispatcher) deliver(ctx context.Context, n Notifier, ev Event) (delivered bool) {
	base := context.WithoutCancel(ctx)
	nctx, cancel := context.WithTimeout(base, d.cfg.Timeout)
	defer cancel()
	go func() {
		select {
		case <-d.cut:
			cancel()
		case <-nctx.Done():
		}
	}()
	log := d.cfg.Log.With("event", ev.ID, "kind", ev.Kind, "ticket", ev.TicketID, "attempt", ev.Attempts)
	err := safeNotify(nctx, n, ev)
	// Recording the outcome gets its own deadline: a delivery that used up its time must
	// still be marked, or it would be delivered again.
	mctx, mcancel := context.WithTimeout(base, 5*time.Second)
	defer mcancel()
	now := d.cfg.Clock.Now()
	switch {
	case err == nil:
		d.delivered.Add(1)
	case IsPermanent(err):
		d.dropped.Add(1)
		log.Warn("outbox: event cannot be delivered; giving up", "err", err)
	case d.isCut():
		// Shutdown cut it short: no fault of the platform's, so no backoff.
		log.Info("outbox: delivery cut by shutdown; the event is released for the next start", "err", err)
		if merr := d.cfg.Outbox.MarkFailed(mctx, ev.ID, d.cfg.Owner, now, "cut by shutdown: "+err.Error()); merr != nil {
			log.Error("outbox: could not release the event; it waits for its lease", "err", merr)
		}
		return false
	case IsPaced(err):
		// Waiting its turn (a channel's pace) is no failure: no backoff, no warning.
		next := now.Add(RetryAfterOf(err))
		log.Debug("outbox: delivery waits for its turn", "err", err, "next", next)
		if merr := d.cfg.Outbox.MarkFailed(mctx, ev.ID, d.cfg.Owner, next, "paced: "+err.Error()); merr != nil {
			log.Error("outbox: could not record the wait", "err", merr)
		}
		return false
	default:
		d.failed.Add(1)
		next := now.Add(d.backoff(ev.Attempts, RetryAfterOf(err)))
		log.Warn("outbox: delivery failed; will retry", "err", err, "next", next)
		if merr := d.cfg.Outbox.MarkFailed(mctx, ev.ID, d.cfg.Owner, next, err.Error()); merr != nil {
			log.Error("outbox: could not record failure", "err", merr)
		}
		return false
	}
	return true
}

func safeNotify(ctx context.Context, n Notifier, ev Event) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("notifier panicked: %v", r)
		}
	}()
	return n.Notify(ctx, ev)
}

// backoff is base·2^(attempt-1) with ±20% jitter, capped, and never less than retryAfter.
func (d *Dispatcher) backoff(attempt int, retryAfter time.Duration) time.Duration {
	b := d.cfg.BackoffBase
	for i := 1; i < attempt && b < d.cfg.BackoffMax; i++ {
		b *= 2
	}
	b = min(b, d.cfg.BackoffMax)
	b = time.Duration(float64(b) * (0.8 + 0.4*rand.Float64()))
	return max(b, retryAfter)
}
