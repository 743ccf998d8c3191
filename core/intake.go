package core

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// IntakeRequest is a request a platform was told was received (a slash command acknowledged
// as "queued"), kept in the database from before its acknowledgement until its work is done,
// so that a restart, a kill -9 or another replica delays it but never loses it.
type IntakeRequest struct {
	ID int64
	// Key names the request: the platform's id of it with its workspace
	// ("slack:T1:cmd:TRIGGER"). A retry or replay of the request has the same Key, and only
	// one request with a Key is ever stored.
	Key string
	// Platform is whose handler does the work.
	Platform Platform
	// Payload is what the platform's handler needs to do the work, in its own encoding.
	Payload []byte
	// Attempts counts the times the work was started (the acceptor's own attempt included).
	Attempts  int
	CreatedAt time.Time
	// DoneAt is when the work was finished (nil: still to do).
	DoneAt *time.Time
}

// IntakeStore keeps acknowledged requests until their work is done. A claim is a lease, as
// in the Outbox: only its owner may finish the request, and an expired lease lets another
// process claim it again. Like every store method, these may return unavailable when the
// database is unreachable.
type IntakeStore interface {
	// AddIntake stores r in one statement (with other requests arriving meanwhile), leased
	// to owner until until when owner is set (its acceptor does the work at once; the
	// attempt is counted) or due at once otherwise, and returns it with created=true — with
	// its ID when leased to owner (who finishes it by ID; a queued request's ID may be left
	// 0, the workers read it back). When a request with r.Key is stored already, nothing is
	// written and that one is returned with created=false.
	// Errors: invalid (no key or platform), unavailable, internal.
	AddIntake(ctx context.Context, r IntakeRequest, owner string, until time.Time) (stored IntakeRequest, created bool, err error)
	// ClaimIntake leases up to limit unfinished requests that are due at now and not leased
	// (or whose lease ran out), oldest first, to owner until now+lease, and counts the
	// attempt. With platforms, only requests of those platforms are claimed. Two owners
	// never hold the same request at once. Errors: unavailable, internal.
	ClaimIntake(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int, platforms ...Platform) ([]IntakeRequest, error)
	// FinishIntake records that owner finished request id. Errors: conflict (not leased by
	// owner, or finished already), unavailable, internal.
	FinishIntake(ctx context.Context, id int64, owner string, at time.Time) error
	// RetryIntake releases owner's lease on request id and makes it due again at next.
	// Errors: conflict (not leased by owner), unavailable, internal.
	RetryIntake(ctx context.Context, id int64, owner string, next time.Time, reason string) error
	// PendingIntake counts unfinished requests. Errors: unavailable, internal.
	PendingIntake(ctx context.Context) (int64, error)
	// PurgeIntake deletes up to limit requests finished before before and returns how many.
	// Errors: unavailable, internal.
	PurgeIntake(ctx context.Context, before time.Time, limit int) (int64, error)
}

// IntakeHandler does the work of its platform's stored requests.
type IntakeHandler interface {
	Platform() Platform
	// ProcessIntake does r's work and delivers its answer to whoever sent it. An error that
	// is Retryable makes the request be tried again later (nothing is answered yet); any
	// other outcome finishes it. When last is set the request will not be tried again: the
	// handler answers whatever became of it ("could not open your ticket: …") and returns nil.
	ProcessIntake(ctx context.Context, r IntakeRequest, last bool) error
}

// Retryable reports whether err is a failure that passes by itself: a dependency was
// unavailable or busy, or the work ran out of time.
func Retryable(err error) bool {
	return IsCode(err, EUnavailable) || errors.Is(err, context.DeadlineExceeded)
}

// IntakeConfig tunes an Intake; zero fields take the defaults in brackets.
type IntakeConfig struct {
	Store IntakeStore
	Clock Clock
	Log   *slog.Logger
	// Owner names this process in leases; it must differ between processes [random].
	Owner string
	// Lease is how long a request being worked on is held: how long a killed process's
	// requests wait for another one [1m]. The work on one request is bounded by Timeout.
	Lease time.Duration
	// Timeout bounds the work on one request [15s, at most half the Lease].
	Timeout time.Duration
	// Workers work on stored requests in parallel [4]. Each holds at most one of the
	// database gate's slots at a time, so they leave the rest to acknowledgements.
	Workers int
	// BurstWorkers is how many Workers work while requests keep being queued (one within the
	// last quarter second): during a burst the acknowledgements get the CPU and the database
	// first, and the backlog is done once it passes [1].
	BurstWorkers int
	// MaxInline is how many requests may be worked on at once by their acceptors, before
	// the acknowledgement; more are acknowledged as queued at once [4].
	MaxInline int
	// Poll is how often stored requests are looked for when nothing kicks the Intake [1s].
	Poll time.Duration
	// BackoffBase and BackoffMax bound the delay before a request that failed for a passing
	// reason is tried again [1s, 1m].
	BackoffBase, BackoffMax time.Duration
	// GiveUp is how old a request may grow while it keeps failing for a passing reason; its
	// attempt after that is its last, which answers the failure [25m: Slack's response_url
	// takes answers for 30 minutes].
	GiveUp time.Duration
	// Retention is how long finished requests are kept (they stop replays) [1 day].
	Retention time.Duration
	// Busy, when set, reports whether the database is saturated (its gate's slots all
	// taken, or callers waiting): requests are then acknowledged as queued at once.
	Busy func() bool
}

// IntakeStats counts an Intake's traffic since it was made.
type IntakeStats struct {
	Accepted, Inline, Queued, Finished, Retried, GivenUp int64
}

// Intake is the durable entrance of acknowledged requests. An adapter stores each request
// (Accept, one INSERT) before it answers the platform: while the Intake is idle the adapter
// does the work at once and answers with its outcome; while a backlog waits (stored requests
// not yet done, the database gate saturated, MaxInline acceptors at work) it answers "queued"
// at once and the Intake's workers (Run) do the work later, through the platform's
// IntakeHandler, under a lease that survives SIGTERM and kill -9. The work itself must be
// idempotent under the request's Key (a ticket keeps its request id), since a process killed
// after the work but before Finish leaves the request to be done again.
type Intake struct {
	cfg      IntakeConfig
	mu       sync.RWMutex
	handlers map[Platform]IntakeHandler
	kick     chan struct{}
	freed    chan struct{}
	inline   atomic.Int64 // acceptors at work
	working  atomic.Int64 // workers at work
	fresh    atomic.Int64 // queued since the last claim that left nothing waiting
	late     atomic.Int64 // acceptors at work past their acknowledgement
	queuedAt atomic.Int64 // when a request was last queued (Unix ns)
	stats    struct{ accepted, inline, queued, finished, retried, givenUp atomic.Int64 }
}

// NewIntake builds an Intake; register handlers before Run.
func NewIntake(c IntakeConfig) *Intake {
	if c.Clock == nil {
		c.Clock = SystemClock{}
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Owner == "" {
		c.Owner = fmt.Sprintf("intake-%016x", rand.Uint64())
	}
	defaultDuration(&c.Lease, time.Minute)
	defaultDuration(&c.Timeout, 15*time.Second)
	c.Timeout = min(c.Timeout, c.Lease/2)
	defaultDuration(&c.Poll, time.Second)
	defaultDuration(&c.BackoffBase, time.Second)
	defaultDuration(&c.BackoffMax, time.Minute)
	defaultDuration(&c.GiveUp, 25*time.Minute)
	defaultDuration(&c.Retention, 24*time.Hour)
	if c.Workers <= 0 {
		c.Workers = 4
	}
	if c.BurstWorkers <= 0 {
		c.BurstWorkers = 1
	}
	if c.MaxInline <= 0 {
		c.MaxInline = 4
	}
	return &Intake{cfg: c, handlers: map[Platform]IntakeHandler{}, kick: make(chan struct{}, 1), freed: make(chan struct{}, 1)}
}

// Register adds h as the handler of its platform's requests. Errors: conflict (taken).
func (in *Intake) Register(h IntakeHandler) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if _, ok := in.handlers[h.Platform()]; ok {
		return Errorf(EConflict, "an intake handler for %s is already registered", h.Platform())
	}
	in.handlers[h.Platform()] = h
	return nil
}

// Timeout is how long the work on one request may take (its acceptor's included).
func (in *Intake) Timeout() time.Duration { return in.cfg.Timeout }

// Stats returns the Intake's counts since it was made.
func (in *Intake) Stats() IntakeStats {
	s := &in.stats
	return IntakeStats{Accepted: s.accepted.Load(), Inline: s.inline.Load(), Queued: s.queued.Load(),
		Finished: s.finished.Load(), Retried: s.retried.Load(), GivenUp: s.givenUp.Load()}
}

// Accepted is what Accept did with a request.
type Accepted struct {
	// Request is the stored request (the earlier one, for a replay).
	Request IntakeRequest
	// Created is false for a replay of a request stored before: nothing was stored.
	Created bool
	// Inline: the request is leased to its acceptor, which does the work now (within the
	// Intake's Timeout) and then calls Done once. Otherwise a worker does it.
	Inline bool
	in     *Intake
	late   *atomic.Bool
}

// RunningLate tells the Intake that the acceptor's work outlasted the acknowledgement (the
// platform was told "queued"): until it is Done, the database is taken to be slow and new
// requests are queued at once rather than each waiting out its acknowledgement's time.
func (a Accepted) RunningLate() {
	if a.late != nil && a.late.CompareAndSwap(false, true) {
		a.in.late.Add(1)
	}
}

// Done ends the acceptor's inline work: a Retryable err leaves the request to the workers
// (after a backoff), anything else finishes it. It gets a moment of its own, since the
// caller's context may be what ran out.
func (a Accepted) Done(ctx context.Context, err error) {
	if a.in == nil || !a.Inline {
		return
	}
	if a.late.Load() {
		defer a.in.late.Add(-1)
	}
	a.in.done(ctx, a.Request, err)
}

// Accept stores r (one INSERT) — leased to the caller when the Intake is idle, so that it
// does the work at once, or queued for the workers while a backlog waits.
// Errors: those of IntakeStore.AddIntake; nothing was stored then.
func (in *Intake) Accept(ctx context.Context, r IntakeRequest) (Accepted, error) {
	inline := false
	if !in.Backlogged() {
		if in.inline.Add(1) <= int64(in.cfg.MaxInline) {
			inline = true
		} else {
			in.inline.Add(-1) // MaxInline acceptors at work already
		}
	}
	owner, until := "", time.Time{}
	if inline {
		owner, until = in.cfg.Owner, in.cfg.Clock.Now().Add(in.cfg.Lease)
	}
	stored, created, err := in.cfg.Store.AddIntake(ctx, r, owner, until)
	if err != nil || !created {
		if inline {
			in.inline.Add(-1)
		}
		return Accepted{Request: stored, Created: false}, err
	}
	in.stats.accepted.Add(1)
	if inline {
		in.stats.inline.Add(1)
		return Accepted{Request: stored, Created: true, Inline: true, in: in, late: new(atomic.Bool)}, nil
	}
	in.stats.queued.Add(1)
	in.fresh.Add(1)
	in.queuedAt.Store(in.cfg.Clock.Now().UnixNano())
	in.Kick()
	return Accepted{Request: stored, Created: true}, nil
}

// Backlogged reports whether requests wait for the workers (or are being worked on), or the
// database is saturated: Accept then queues new requests instead of leaving them inline.
func (in *Intake) Backlogged() bool {
	return in.working.Load() > 0 || in.fresh.Load() > 0 || in.late.Load() > 0 || (in.cfg.Busy != nil && in.cfg.Busy())
}

// done records the outcome of an acceptor's work on r (Accepted.Done).
func (in *Intake) done(ctx context.Context, r IntakeRequest, err error) {
	defer in.inline.Add(-1)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	in.settle(ctx, r, err)
	if Retryable(err) {
		in.fresh.Add(1)
	}
}

// settle records the outcome of the work on r: finished, or due again after a backoff.
func (in *Intake) settle(ctx context.Context, r IntakeRequest, err error) {
	now := in.cfg.Clock.Now()
	if Retryable(err) {
		in.stats.retried.Add(1)
		next := now.Add(in.backoff(r.Attempts))
		if rerr := in.cfg.Store.RetryIntake(ctx, r.ID, in.cfg.Owner, next, err.Error()); rerr != nil {
			in.cfg.Log.Warn("intake: could not release a request; it is taken up again when its lease ends", "id", r.ID, "err", rerr)
		}
		return
	}
	if err != nil {
		in.cfg.Log.Warn("intake: a request's work failed for good; its answer said so", "id", r.ID, "err", err)
	}
	in.stats.finished.Add(1)
	if ferr := in.cfg.Store.FinishIntake(ctx, r.ID, in.cfg.Owner, now); ferr != nil {
		in.cfg.Log.Warn("intake: could not mark a request finished; it may be done again (idempotently)", "id", r.ID, "err", ferr)
	}
}

// backoff is the delay before attempt+1: exponential with jitter, within the bounds.
func (in *Intake) backoff(attempts int) time.Duration {
	d := in.cfg.BackoffBase << min(max(attempts-1, 0), 16)
	d = min(d, in.cfg.BackoffMax)
	return d/2 + rand.N(d/2+1)
}

// Kick wakes the workers now instead of at the next poll.
func (in *Intake) Kick() {
	select {
	case in.kick <- struct{}{}:
	default:
	}
}
