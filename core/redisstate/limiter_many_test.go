package redisstate_test

import (
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/redisstate"
)

// TestAllowManyAfterTheScriptCacheWasFlushed: AllowMany sends redis_rate's script by its
// SHA; when Redis has forgotten the script (SCRIPT FLUSH, a restart), each call is asked
// again through Allow, which loads it, and the decisions are still one event per key named.
func TestAllowManyAfterTheScriptCacheWasFlushed(t *testing.T) {
	mr := miniredis.RunT(t)
	client := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	s := redisstate.New(client)
	t.Cleanup(func() { _ = s.Close() })
	ctx := t.Context()
	l := core.Limit{Rate: 1, Period: time.Minute, Burst: 1}
	if _, err := s.Allow(ctx, "warm", l); err != nil { // loads the script
		t.Fatal(err)
	}
	if err := client.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	ds, err := s.AllowMany(ctx, []string{"x", "x", "y"}, l)
	if err != nil {
		t.Fatalf("AllowMany after SCRIPT FLUSH: %v", err)
	}
	if len(ds) != 3 || !ds[0].Allowed || ds[1].Allowed || !ds[2].Allowed || ds[1].RetryAfter <= 0 {
		t.Fatalf("decisions %+v, want x allowed, x denied with a retry-after, y allowed", ds)
	}
}
