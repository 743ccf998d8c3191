package redisstate_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
	"github.com/ticketbot/ticketbot/core/redisstate"
)

func TestFailOpenSurvivesAnOutage(t *testing.T) {
	t.Run("miniredis", func(t *testing.T) {
		mr := miniredis.RunT(t)
		testOutage(t, &redis.Options{Addr: mr.Addr()})
	})
	t.Run("real redis", func(t *testing.T) {
		opts, err := redis.ParseURL(coretest.RedisURL(t))
		if err != nil {
			t.Fatal(err)
		}
		testOutage(t, opts)
	})
}

// testOutage runs the server of opts behind a TCP proxy, cuts it mid-run and restores it.
func testOutage(t *testing.T, opts *redis.Options) {
	proxy := coretest.NewTCPProxy(t, opts.Addr)
	opts.Addr = proxy.Addr()
	opts.DialTimeout = 200 * time.Millisecond
	opts.ReadTimeout = 200 * time.Millisecond
	opts.WriteTimeout = 200 * time.Millisecond
	opts.DialerRetries = 1
	opts.MaxRetries = -1
	store := redisstate.New(redis.NewClient(opts))
	t.Cleanup(func() { _ = store.Close() })
	logs := &recorder{}
	// A short breaker, so the test sees the recovery soon after Restore.
	fo := core.NewFailOpenConfig(core.FailOpenConfig{State: store, Limiter: store, Log: slog.New(logs),
		OpenFor: 50 * time.Millisecond, MaxOpen: 100 * time.Millisecond})

	ctx := t.Context()
	prefix := "tb:test:outage:" + time.Now().Format("150405.000000000") + ":"
	valueKey, seenKey, rateKey := prefix+"value", prefix+"seen", prefix+"rate"
	limit := core.Limit{Rate: 1, Period: time.Minute, Burst: 1}

	// Before: everything works and the limiter holds.
	if err := fo.Set(ctx, valueKey, []byte("v"), time.Minute); err != nil {
		t.Fatalf("Set: %v", err)
	}
	if seen, err := fo.MarkSeen(ctx, seenKey, time.Minute); err != nil || seen {
		t.Fatalf("MarkSeen before the outage = %v, %v; want false, nil", seen, err)
	}
	if d, _ := fo.Allow(ctx, rateKey, limit); !d.Allowed {
		t.Fatal("first Allow before the outage denied")
	}
	if d, _ := fo.Allow(ctx, rateKey, limit); d.Allowed {
		t.Fatal("second Allow before the outage allowed; the limiter is not working")
	}

	proxy.Cut()
	for range 3 {
		if seen, err := fo.MarkSeen(ctx, seenKey, time.Minute); err != nil || seen {
			t.Fatalf("MarkSeen during the outage = %v, %v; want false, nil", seen, err)
		}
		if d, err := fo.Allow(ctx, rateKey, limit); err != nil || !d.Allowed {
			t.Fatalf("Allow during the outage = %+v, %v; want allowed", d, err)
		}
		if v, err := fo.Get(ctx, valueKey); !core.IsCode(err, core.ENotFound) {
			t.Fatalf("Get during the outage = %q, %v; want not_found", v, err)
		}
		if err := fo.Set(ctx, prefix+"dropped", []byte("x"), time.Minute); err != nil {
			t.Fatalf("Set during the outage: %v, want nil", err)
		}
		if err := fo.Delete(ctx, valueKey); err != nil {
			t.Fatalf("Delete during the outage: %v, want nil", err)
		}
	}
	if err := fo.Ping(ctx); !core.IsCode(err, core.EUnavailable) {
		t.Fatalf("Ping during the outage = %v, want code %s", err, core.EUnavailable)
	}
	if !fo.Degraded() {
		t.Fatal("Degraded() = false during the outage")
	}
	if n := logs.count(slog.LevelWarn); n != 1 {
		t.Fatalf("%d warnings logged during the outage, want exactly 1", n)
	}

	// After: the client reconnects by itself; state kept by the server is back.
	proxy.Restore()
	deadline := time.Now().Add(5 * time.Second)
	for {
		v, err := fo.Get(ctx, valueKey)
		if err == nil && string(v) == "v" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Get after the outage still = %q, %v", v, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if fo.Degraded() {
		t.Fatal("Degraded() = true after a successful call")
	}
	if seen, err := fo.MarkSeen(ctx, seenKey, time.Minute); err != nil || !seen {
		t.Fatalf("MarkSeen after the outage = %v, %v; want true (marked before it)", seen, err)
	}
	if d, _ := fo.Allow(ctx, rateKey, limit); d.Allowed {
		t.Fatal("Allow after the outage allowed; the limiter state should have survived")
	}
	if err := fo.Ping(ctx); err != nil {
		t.Fatalf("Ping after the outage: %v", err)
	}
	if n := logs.count(slog.LevelWarn); n != 1 {
		t.Fatalf("%d warnings logged in all, want exactly 1", n)
	}
	if n := logs.count(slog.LevelInfo); n != 1 {
		t.Fatalf("%d recovery lines logged, want exactly 1", n)
	}
	for _, k := range []string{valueKey, seenKey} {
		_ = store.Delete(context.WithoutCancel(ctx), k)
	}
}

// recorder is a slog.Handler that keeps every record.
type recorder struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }

func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recs = append(r.recs, rec.Clone())
	return nil
}

func (r *recorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *recorder) WithGroup(string) slog.Handler      { return r }

func (r *recorder) count(level slog.Level) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, rec := range r.recs {
		if rec.Level == level {
			n++
		}
	}
	return n
}
