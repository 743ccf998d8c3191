package core

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// FailOpen passes the round trips for many keys on, to a backend that has them or key by key.
var (
	_ ManySetter  = (*FailOpen)(nil)
	_ ManyDeleter = (*FailOpen)(nil)
	_ ManyLimiter = (*FailOpen)(nil)
)

// FailOpenConfig tunes a FailOpen; zero fields take the defaults in brackets.
type FailOpenConfig struct {
	State   StateStore
	Limiter Limiter
	Log     *slog.Logger
	Clock   Clock
	// Timeout is each call's own deadline, however long the caller would wait: a state store
	// that accepts connections but never answers costs a request at most this [200ms].
	Timeout time.Duration
	// Failures is how many failures in a row open the breaker [2].
	Failures int
	// OpenFor is how long an open breaker skips the backend before one probe is let
	// through; every failed probe doubles it, up to MaxOpen [5s, 30s].
	OpenFor, MaxOpen time.Duration
}

// FailOpen wraps a shared StateStore and Limiter (Redis) so that the service keeps working
// while they are unreachable: de-duplication answers "not seen" (the database's unique keys
// still stop double writes), cache reads miss, cache writes are dropped, and the limiter
// allows. Each call has its own short deadline, and a circuit breaker stops calling the
// backend after a few failures in a row (timeouts or refusals): while it is open, calls get
// their fail-open answers at once; after OpenFor one call probes the backend, and its
// success closes the breaker. It logs one warning when the backend goes away and one line
// when it is back.
type FailOpen struct {
	cfg FailOpenConfig

	mu        sync.Mutex
	failures  int           // failures in a row while closed
	openUntil time.Time     // zero while closed
	openFor   time.Duration // the current open period
	probing   bool          // a probe is under way
	down      bool          // the outage has been logged
}

// NewFailOpen wraps state and lim with the default tuning; log receives the outage warnings.
func NewFailOpen(state StateStore, lim Limiter, log *slog.Logger) *FailOpen {
	return NewFailOpenConfig(FailOpenConfig{State: state, Limiter: lim, Log: log})
}

// NewFailOpenConfig builds a FailOpen from c.
func NewFailOpenConfig(c FailOpenConfig) *FailOpen {
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Clock == nil {
		c.Clock = SystemClock{}
	}
	if c.Timeout <= 0 {
		c.Timeout = 200 * time.Millisecond
	}
	if c.Failures <= 0 {
		c.Failures = 2
	}
	if c.OpenFor <= 0 {
		c.OpenFor = 5 * time.Second
	}
	if c.MaxOpen < c.OpenFor {
		c.MaxOpen = max(30*time.Second, c.OpenFor)
	}
	return &FailOpen{cfg: c, openFor: c.OpenFor}
}

// admit reports whether a call may go to the backend now, and whether it is the probe of an
// open breaker.
func (f *FailOpen) admit() (ok, probe bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.openUntil.IsZero() {
		return true, false
	}
	if f.probing || f.cfg.Clock.Now().Before(f.openUntil) {
		return false, false
	}
	f.probing = true
	return true, true
}

// call runs fn against the backend under the call budget and records the outcome; it
// returns false (and fn is not run, or its error is an outage) when the caller must give
// its fail-open answer.
func (f *FailOpen) call(ctx context.Context, op string, fn func(ctx context.Context) error) bool {
	ok, probe := f.admit()
	if !ok {
		return false
	}
	cctx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
	err := fn(cctx)
	cancel()
	switch {
	case err == nil || IsCode(err, ENotFound) || IsCode(err, EInvalid):
		f.succeeded(probe)
		return true
	case ctx.Err() != nil:
		// The caller gave up: that says nothing about the backend.
		f.abandoned(probe)
		return false
	default:
		f.failed(op, probe, err)
		return false
	}
}

func (f *FailOpen) succeeded(probe bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if probe {
		f.probing = false
	}
	f.failures, f.openUntil, f.openFor = 0, time.Time{}, f.cfg.OpenFor
	if f.down {
		f.down = false
		f.cfg.Log.Info("shared state reachable again")
	}
}

func (f *FailOpen) abandoned(probe bool) {
	if probe {
		f.mu.Lock()
		f.probing = false
		f.mu.Unlock()
	}
}

func (f *FailOpen) failed(op string, probe bool, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.cfg.Clock.Now()
	switch {
	case probe:
		f.probing = false
		f.openFor = min(2*f.openFor, f.cfg.MaxOpen)
		f.openUntil = now.Add(f.openFor)
	case f.openUntil.IsZero():
		f.failures++
		if f.failures >= f.cfg.Failures {
			f.openUntil = now.Add(f.openFor)
		}
	}
	if !f.down {
		f.down = true
		f.cfg.Log.Warn("shared state unavailable; failing open (no de-duplication cache, no rate limits) until it returns",
			"op", op, "err", err)
	}
}

// Degraded reports whether the backend is considered down (the last calls failed).
func (f *FailOpen) Degraded() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.down
}

// Get returns the value of key; an outage reads as not_found.
func (f *FailOpen) Get(ctx context.Context, key string) ([]byte, error) {
	var v []byte
	var err error
	if !f.call(ctx, "get", func(ctx context.Context) error { v, err = f.cfg.State.Get(ctx, key); return err }) {
		return nil, Errorf(ENotFound, "not found")
	}
	return v, err
}

// Set stores key; an outage drops the write.
func (f *FailOpen) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	f.call(ctx, "set", func(ctx context.Context) error { return f.cfg.State.Set(ctx, key, value, ttl) })
	return nil
}

// SetMany stores the keys (in one round trip where the backend can); an outage drops them.
func (f *FailOpen) SetMany(ctx context.Context, kvs []KeyValue, ttl time.Duration) error {
	f.call(ctx, "set_many", func(ctx context.Context) error { return setMany(ctx, f.cfg.State, kvs, ttl) })
	return nil
}

// DeleteMany removes the keys (in one round trip where the backend can); an outage drops
// the deletes, as Delete's.
func (f *FailOpen) DeleteMany(ctx context.Context, keys []string) error {
	f.call(ctx, "delete_many", func(ctx context.Context) error { return deleteMany(ctx, f.cfg.State, keys) })
	return nil
}

// Delete removes key; an outage drops the delete, so callers keep cache TTLs short.
func (f *FailOpen) Delete(ctx context.Context, key string) error {
	f.call(ctx, "delete", func(ctx context.Context) error { return f.cfg.State.Delete(ctx, key) })
	return nil
}

// MarkSeen records key; an outage answers "not seen".
func (f *FailOpen) MarkSeen(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	var seen bool
	if !f.call(ctx, "mark_seen", func(ctx context.Context) (err error) {
		seen, err = f.cfg.State.MarkSeen(ctx, key, ttl)
		return err
	}) {
		return false, nil
	}
	return seen, nil
}

// Ping asks the backend under the call budget, past the breaker, so readiness reports the
// real state. Errors: unavailable.
func (f *FailOpen) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
	defer cancel()
	if err := f.cfg.State.Ping(ctx); err != nil {
		return &Error{Code: EUnavailable, Op: "core.FailOpen.Ping", Dependency: DepStateStore, Message: "the state store (Redis) is not reachable", Err: err}
	}
	return nil
}

// AllowMany asks the limiter for each of keys (in one round trip where it can); an outage
// allows them all.
func (f *FailOpen) AllowMany(ctx context.Context, keys []string, l Limit) ([]Decision, error) {
	var ds []Decision
	var err error
	if !f.call(ctx, "allow_many", func(ctx context.Context) error { ds, err = allowMany(ctx, f.cfg.Limiter, keys, l); return err }) {
		ds = make([]Decision, len(keys))
		for i := range ds {
			ds[i] = Decision{Allowed: true}
		}
		return ds, nil
	}
	if IsCode(err, EInvalid) {
		return nil, err // a bad Limit is a bug to report, not an outage
	}
	return ds, nil
}

// Allow asks the limiter; an outage allows.
func (f *FailOpen) Allow(ctx context.Context, key string, l Limit) (Decision, error) {
	var d Decision
	var err error
	if !f.call(ctx, "allow", func(ctx context.Context) error { d, err = f.cfg.Limiter.Allow(ctx, key, l); return err }) {
		return Decision{Allowed: true}, nil
	}
	if IsCode(err, EInvalid) {
		return d, err // a bad Limit is a bug to report, not an outage
	}
	return d, nil
}
