package core_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
)

// blackHole is a StateStore and Limiter that accepts every call and never answers (it
// waits for the caller's deadline), or, once answering, serves from nothing.
type blackHole struct {
	calls     atomic.Int64
	answering atomic.Bool
}

func (b *blackHole) wait(ctx context.Context) error {
	b.calls.Add(1)
	if b.answering.Load() {
		return nil
	}
	<-ctx.Done()
	return &core.Error{Code: core.EUnavailable, Op: "blackhole", Err: ctx.Err()}
}

func (b *blackHole) Get(ctx context.Context, _ string) ([]byte, error) {
	if err := b.wait(ctx); err != nil {
		return nil, err
	}
	return nil, core.Errorf(core.ENotFound, "not found")
}
func (b *blackHole) Set(ctx context.Context, _ string, _ []byte, _ time.Duration) error {
	return b.wait(ctx)
}
func (b *blackHole) Delete(ctx context.Context, _ string) error { return b.wait(ctx) }
func (b *blackHole) MarkSeen(ctx context.Context, _ string, _ time.Duration) (bool, error) {
	return false, b.wait(ctx)
}
func (b *blackHole) Ping(ctx context.Context) error { return b.wait(ctx) }
func (b *blackHole) Allow(ctx context.Context, _ string, _ core.Limit) (core.Decision, error) {
	return core.Decision{Allowed: false}, b.wait(ctx)
}

func TestFailOpenBreaker(t *testing.T) {
	ctx := t.Context()
	bh := &blackHole{}
	clock := coretest.NewFakeClock(time.Time{})
	fo := core.NewFailOpenConfig(core.FailOpenConfig{State: bh, Limiter: bh, Clock: clock,
		Timeout: 50 * time.Millisecond, Failures: 2, OpenFor: 5 * time.Second, MaxOpen: 30 * time.Second})

	t.Run("each call waits at most its own budget, not the caller's deadline", func(t *testing.T) {
		start := time.Now()
		if seen, err := fo.MarkSeen(ctx, "k", time.Minute); seen || err != nil {
			t.Fatalf("MarkSeen = %v, %v; want the fail-open answer", seen, err)
		}
		if took := time.Since(start); took > time.Second {
			t.Fatalf("a black-holed call took %v with a 50ms budget", took)
		}
	})
	t.Run("after the failures in a row the backend is skipped and answers come at once", func(t *testing.T) {
		_, _ = fo.Get(ctx, "k") // second failure: opens
		before := bh.calls.Load()
		start := time.Now()
		for range 20 {
			if d, err := fo.Allow(ctx, "k", core.Limit{Rate: 1, Period: time.Second, Burst: 1}); !d.Allowed || err != nil {
				t.Fatalf("Allow = %+v, %v while open; want allowed", d, err)
			}
			if _, err := fo.Get(ctx, "k"); !core.IsCode(err, core.ENotFound) {
				t.Fatalf("Get while open = %v; want not_found", err)
			}
		}
		if n := bh.calls.Load() - before; n != 0 {
			t.Fatalf("%d calls reached the backend while the breaker was open", n)
		}
		if took := time.Since(start); took > 20*time.Millisecond {
			t.Fatalf("40 calls took %v while the breaker was open", took)
		}
		if !fo.Degraded() {
			t.Fatal("Degraded() = false")
		}
	})
	t.Run("after OpenFor one probe goes through; its failure doubles the wait", func(t *testing.T) {
		clock.Advance(5 * time.Second)
		before := bh.calls.Load()
		_ = fo.Set(ctx, "k", nil, time.Minute) // the probe: fails
		_ = fo.Set(ctx, "k", nil, time.Minute) // skipped
		if n := bh.calls.Load() - before; n != 1 {
			t.Fatalf("%d calls reached the backend after OpenFor, want 1 probe", n)
		}
		clock.Advance(5 * time.Second) // the wait is 10 s now
		_ = fo.Set(ctx, "k", nil, time.Minute)
		if n := bh.calls.Load() - before; n != 1 {
			t.Fatalf("a call reached the backend 5 s after a failed probe (want a doubled wait)")
		}
	})
	t.Run("a probe that succeeds closes the breaker", func(t *testing.T) {
		bh.answering.Store(true)
		clock.Advance(5 * time.Second)
		_ = fo.Set(ctx, "k", nil, time.Minute)
		before := bh.calls.Load()
		_ = fo.Set(ctx, "k", nil, time.Minute)
		_ = fo.Delete(ctx, "k")
		if n := bh.calls.Load() - before; n != 2 {
			t.Fatalf("%d calls reached the backend after recovery, want 2", n)
		}
		if fo.Degraded() {
			t.Fatal("Degraded() = true after recovery")
		}
	})
	t.Run("a caller that gives up does not count as a failure", func(t *testing.T) {
		bh.answering.Store(false)
		for range 5 {
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			_, _ = fo.Get(cctx, "k")
		}
		bh.answering.Store(true)
		before := bh.calls.Load()
		_, _ = fo.Get(ctx, "k")
		if bh.calls.Load() == before {
			t.Fatal("the breaker opened on callers' own cancellations")
		}
	})
	t.Run("Ping names the state store and keeps to the budget", func(t *testing.T) {
		bh.answering.Store(false)
		err := fo.Ping(ctx)
		if !core.IsCode(err, core.EUnavailable) || core.Dependency(err) != core.DepStateStore {
			t.Fatalf("Ping = %v (dependency %q); want unavailable naming the state store", err, core.Dependency(err))
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Ping = %v; want its own deadline", err)
		}
	})
}

// TestFailOpenAllowManyAllowsEveryKeyInAnOutage: AllowMany through FailOpen, over a limiter
// that never answers, gives one allowed decision per key within the call budget (the
// Throttle's answer for a Redis that is down).
func TestFailOpenAllowManyAllowsEveryKeyInAnOutage(t *testing.T) {
	bh := &blackHole{}
	fo := core.NewFailOpenConfig(core.FailOpenConfig{State: bh, Limiter: bh, Timeout: 50 * time.Millisecond})
	keys := []string{"a", "b", "a"}
	start := time.Now()
	ds, err := fo.AllowMany(t.Context(), keys, core.Limit{Rate: 1, Period: time.Second, Burst: 1})
	if err != nil || len(ds) != len(keys) {
		t.Fatalf("AllowMany = %v, %v; want %d decisions", ds, err, len(keys))
	}
	for i, d := range ds {
		if !d.Allowed {
			t.Errorf("decision %d = %+v in an outage, want allowed", i, d)
		}
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("AllowMany took %v with a 50ms budget", took)
	}
	throttled := core.NewThrottle(fo, nil).AllowMany(t.Context(), keys, core.Limit{Rate: 1, Period: time.Second, Burst: 1})
	if len(throttled) != len(keys) || !throttled[0].Allowed {
		t.Errorf("Throttle.AllowMany in an outage = %+v, want every key allowed", throttled)
	}
}
