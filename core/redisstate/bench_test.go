package redisstate_test

import (
	"crypto/rand"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
	"github.com/ticketbot/ticketbot/core/redisstate"
)

// BenchmarkLimiterAllow measures one GCRA decision on real Redis (a script round trip).
func BenchmarkLimiterAllow(b *testing.B) {
	s := openRedis(b)
	key := "tb:bench:rate:" + rand.Text()
	l := core.Limit{Rate: 1 << 30, Period: time.Second, Burst: 1 << 20}
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Allow(ctx, key, l); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRedisPing measures a bare round trip to real Redis, the floor for every call.
func BenchmarkRedisPing(b *testing.B) {
	s := openRedis(b)
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Ping(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func openRedis(b *testing.B) *redisstate.Store {
	b.Helper()
	s, err := redisstate.Open(coretest.RedisURL(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s
}
