package redisstate_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/redisstate"
)

// flushLimit is one event a minute: a key's second event in a row is denied.
var flushLimit = core.Limit{Rate: 1, Period: time.Minute, Burst: 1}

// flushedStore is a Store on a miniredis that has loaded redis_rate's script (an Allow) and
// then forgotten it (SCRIPT FLUSH), and its client.
func flushedStore(t *testing.T) (*redisstate.Store, *redis.Client) {
	t.Helper()
	mr := miniredis.RunT(t)
	client := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	s := redisstate.New(client)
	t.Cleanup(func() { _ = s.Close() })
	if _, err := s.Allow(t.Context(), "warm", flushLimit); err != nil {
		t.Fatal(err)
	}
	if err := client.ScriptFlush(t.Context()).Err(); err != nil {
		t.Fatal(err)
	}
	return s, client
}

// TestAllowManyAfterTheScriptCacheWasFlushed: AllowMany sends redis_rate's script by its
// SHA; when Redis has forgotten the script (SCRIPT FLUSH, a restart), the calls are asked
// again (the first through Allow, which loads it), and the decisions are still one event per
// key named.
func TestAllowManyAfterTheScriptCacheWasFlushed(t *testing.T) {
	s, _ := flushedStore(t)
	ctx := t.Context()
	ds, err := s.AllowMany(ctx, []string{"x", "x", "y"}, flushLimit)
	if err != nil {
		t.Fatalf("AllowMany after SCRIPT FLUSH: %v", err)
	}
	if len(ds) != 3 || !ds[0].Allowed || ds[1].Allowed || !ds[2].Allowed || ds[1].RetryAfter <= 0 {
		t.Fatalf("decisions %+v, want x allowed, x denied with a retry-after, y allowed", ds)
	}
}

// TestAllowManyAfterTheScriptCacheWasFlushedInOneMorePipeline: of the calls Redis answered
// NOSCRIPT, only the first is asked again alone (loading the script); the others go in one
// pipeline.
func TestAllowManyAfterTheScriptCacheWasFlushedInOneMorePipeline(t *testing.T) {
	s, client := flushedStore(t)
	ctx := t.Context()
	keys := []string{"k1", "k2", "k3", "k4", "k5", "k6"}
	sent := &sentCommands{}
	client.AddHook(sent)
	ds, err := s.AllowMany(ctx, keys, flushLimit)
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range ds {
		if !d.Allowed {
			t.Errorf("key %s denied on its first event", keys[i])
		}
	}
	// 6 EVALSHA (NOSCRIPT), Allow's EVALSHA and EVAL, then 5 EVALSHA: 13, not 6 + 2×6.
	if n := sent.n.Load(); n > 13 {
		t.Errorf("%d script calls sent after the flush, want at most 13 (one call alone, the rest in one pipeline)", n)
	}
}

// sentCommands counts the script calls (EVAL, EVALSHA) a client sends, alone or in
// pipelines (a redis.Hook); a new connection's handshake is not counted.
type sentCommands struct{ n atomic.Int64 }

func (h *sentCommands) count(c redis.Cmder) {
	if strings.HasPrefix(c.Name(), "eval") {
		h.n.Add(1)
	}
}

func (h *sentCommands) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *sentCommands) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.count(cmd)
		return next(ctx, cmd)
	}
}

func (h *sentCommands) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, c := range cmds {
			h.count(c)
		}
		return next(ctx, cmds)
	}
}
