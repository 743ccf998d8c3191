package core

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"
)

// FailOpen wraps a shared StateStore and Limiter (Redis) so that the service keeps working
// while they are unreachable: de-duplication answers "not seen" (the database's unique keys
// still stop double writes), cache reads miss, cache writes are dropped, and the limiter
// allows. It logs one warning when the backend goes away and one line when it is back;
// recovery needs nothing but the backend answering again.
type FailOpen struct {
	state StateStore
	lim   Limiter
	log   *slog.Logger
	down  atomic.Bool
}

// NewFailOpen wraps state and lim; log receives the outage warnings.
func NewFailOpen(state StateStore, lim Limiter, log *slog.Logger) *FailOpen {
	return &FailOpen{state: state, lim: lim, log: log}
}

func (f *FailOpen) failed(op string, err error) {
	if f.down.CompareAndSwap(false, true) {
		f.log.Warn("shared state unavailable; failing open (no de-duplication cache, no rate limits) until it returns",
			"op", op, "err", err)
	}
}

func (f *FailOpen) ok() {
	if f.down.CompareAndSwap(true, false) {
		f.log.Info("shared state reachable again")
	}
}

// Degraded reports whether the last call to the backend failed.
func (f *FailOpen) Degraded() bool { return f.down.Load() }

// Get returns the value of key; an outage reads as not_found.
func (f *FailOpen) Get(ctx context.Context, key string) ([]byte, error) {
	v, err := f.state.Get(ctx, key)
	if err != nil && !IsCode(err, ENotFound) {
		f.failed("get", err)
		return nil, Errorf(ENotFound, "not found")
	}
	f.ok()
	return v, err
}

// Set stores key; an outage drops the write.
func (f *FailOpen) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := f.state.Set(ctx, key, value, ttl); err != nil {
		f.failed("set", err)
		return nil
	}
	f.ok()
	return nil
}

// Delete removes key; an outage drops the delete, so callers keep cache TTLs short.
func (f *FailOpen) Delete(ctx context.Context, key string) error {
	if err := f.state.Delete(ctx, key); err != nil {
		f.failed("delete", err)
		return nil
	}
	f.ok()
	return nil
}

// MarkSeen records key; an outage answers "not seen".
func (f *FailOpen) MarkSeen(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	seen, err := f.state.MarkSeen(ctx, key, ttl)
	if err != nil {
		f.failed("mark_seen", err)
		return false, nil
	}
	f.ok()
	return seen, nil
}

// Ping passes through, so readiness reports the real state.
func (f *FailOpen) Ping(ctx context.Context) error { return f.state.Ping(ctx) }

// Allow asks the limiter; an outage allows.
func (f *FailOpen) Allow(ctx context.Context, key string, l Limit) (Decision, error) {
	d, err := f.lim.Allow(ctx, key, l)
	if IsCode(err, EInvalid) {
		return d, err // a bad Limit is a bug to report, not an outage
	}
	if err != nil {
		f.failed("allow", err)
		return Decision{Allowed: true}, nil
	}
	f.ok()
	return d, nil
}
