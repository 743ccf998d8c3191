package redisstate_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
	"github.com/ticketbot/ticketbot/core/redisstate"
)

func TestStateSuiteMiniredis(t *testing.T) {
	mr := miniredis.RunT(t)
	clock := coretest.NewFakeClock(time.Time{})
	mr.SetTime(clock.Now()) // TIME (the limiter's clock) and TTLs follow the fake clock
	mr.ClockTTL(true)
	clock.OnAdvance(mr.SetTime)
	coretest.RunStateSuite(t, func(t *testing.T) (core.StateStore, core.Limiter) {
		s := redisstate.New(redis.NewClient(&redis.Options{Addr: mr.Addr()}))
		t.Cleanup(func() { _ = s.Close() })
		return s, s
	}, clock)
}

func TestStateSuiteRedis(t *testing.T) {
	runSuiteOn(t, coretest.RedisURL(t))
}

// runSuiteOn runs the state suite in real time on stores opened from rawURL.
func runSuiteOn(t *testing.T, rawURL string) {
	coretest.RunStateSuite(t, func(t *testing.T) (core.StateStore, core.Limiter) {
		s, err := redisstate.Open(rawURL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s, s
	}, nil)
}

func TestOpenRejectsABadURLWithoutLeakingThePassword(t *testing.T) {
	for _, raw := range []string{
		"http://127.0.0.1:6379",
		"redis://:s3cret@127.0.0.1:6379/notanumber",
		"redis://:s3cret@127.0.0.1:port/0",
		"redis://127.0.0.1:6379/0?dial_timeout=soon",
	} {
		_, err := redisstate.Open(raw)
		if !core.IsCode(err, core.EInvalid) {
			t.Errorf("Open(%q) error = %v, want code %s", raw, err, core.EInvalid)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Open(%q) error shows the password: %v", raw, err)
		}
	}
}

func TestOpenDoesNotConnect(t *testing.T) {
	s, err := redisstate.Open("redis://:pw@" + closedAddr(t) + "/3")
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func TestUnreachableServerIsUnavailableWithTheOp(t *testing.T) {
	s := redisstate.New(redis.NewClient(&redis.Options{
		Addr: closedAddr(t), DialTimeout: 200 * time.Millisecond, DialerRetries: 1, MaxRetries: -1,
	}))
	t.Cleanup(func() { _ = s.Close() })
	ctx := t.Context()
	calls := map[string]func() error{
		"redisstate.Get":      func() error { _, err := s.Get(ctx, "tb:k"); return err },
		"redisstate.Set":      func() error { return s.Set(ctx, "tb:k", []byte("v"), time.Minute) },
		"redisstate.Delete":   func() error { return s.Delete(ctx, "tb:k") },
		"redisstate.MarkSeen": func() error { _, err := s.MarkSeen(ctx, "tb:k", time.Minute); return err },
		"redisstate.Ping":     func() error { return s.Ping(ctx) },
		"redisstate.Allow": func() error {
			_, err := s.Allow(ctx, "tb:k", core.Limit{Rate: 1, Period: time.Second, Burst: 1})
			return err
		},
	}
	for op, call := range calls {
		err := call()
		if !core.IsCode(err, core.EUnavailable) || !strings.Contains(err.Error(), op) {
			t.Errorf("%s error = %v, want code %s naming the op", op, err, core.EUnavailable)
		}
	}
}

func TestServerReplyErrorIsInternal(t *testing.T) {
	mr := miniredis.RunT(t)
	mr.Lpush("tb:list", "x")
	s := redisstate.New(redis.NewClient(&redis.Options{Addr: mr.Addr()}))
	t.Cleanup(func() { _ = s.Close() })
	if _, err := s.Get(t.Context(), "tb:list"); !core.IsCode(err, core.EInternal) {
		t.Fatalf("Get of a list error = %v, want code %s", err, core.EInternal)
	}
}

func TestNegativeTTLNeverExpires(t *testing.T) {
	mr := miniredis.RunT(t)
	s := redisstate.New(redis.NewClient(&redis.Options{Addr: mr.Addr()}))
	t.Cleanup(func() { _ = s.Close() })
	ctx := t.Context()
	if err := s.Set(ctx, "tb:a", []byte("v"), -1); err != nil {
		t.Fatalf("Set with ttl -1: %v", err)
	}
	if seen, err := s.MarkSeen(ctx, "tb:b", -time.Second); err != nil || seen {
		t.Fatalf("MarkSeen with a negative ttl = %v, %v; want false, nil", seen, err)
	}
	for _, k := range []string{"tb:a", "tb:b"} {
		if ttl := mr.TTL(k); ttl != 0 {
			t.Errorf("TTL(%s) = %v, want none", k, ttl)
		}
	}
}

// closedAddr returns a local address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// The same suite on a real three-master Redis Cluster, through redis+cluster:// and
// go-redis's ClusterClient: a command whose keys span slots would fail here with CROSSSLOT.
func TestStateSuiteRedisCluster(t *testing.T) {
	runSuiteOn(t, coretest.RedisClusterURL(t))
}

func TestPubSubSuiteMiniredis(t *testing.T) {
	mr := miniredis.RunT(t)
	coretest.RunPubSubSuite(t, func(t *testing.T) (core.PubSub, core.PubSub) {
		return pubsubClient(t, "redis://"+mr.Addr()), pubsubClient(t, "redis://"+mr.Addr())
	})
}

func TestPubSubSuiteRedis(t *testing.T) {
	url := coretest.RedisURL(t)
	coretest.RunPubSubSuite(t, func(t *testing.T) (core.PubSub, core.PubSub) {
		return pubsubClient(t, url), pubsubClient(t, url)
	})
}

// A replica subscribed through one node of a Redis Cluster hears what another publishes
// through any node.
func TestPubSubSuiteRedisCluster(t *testing.T) {
	url := coretest.RedisClusterURL(t)
	coretest.RunPubSubSuite(t, func(t *testing.T) (core.PubSub, core.PubSub) {
		return pubsubClient(t, url), pubsubClient(t, url)
	})
}

// pubsubClient is one replica's Store on rawURL.
func pubsubClient(t *testing.T, rawURL string) core.PubSub {
	s, err := redisstate.Open(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// When the connection breaks, go-redis subscribes again; the subscription says so (a nil
// message) and Live tells every listener to re-read (a resync), then changes flow again.
func TestPubSubReconnectSaysMessagesMayBeLost(t *testing.T) {
	mr := miniredis.RunT(t)
	ps := pubsubClient(t, "redis://"+mr.Addr())
	live := core.NewLive(core.LiveConfig{PubSub: ps, Topic: "tb:test:reconnect"})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go live.Run(ctx)
	<-live.Ready()
	ch, stop := live.Listen(core.Actor{User: core.UserRef{ID: "web:sam"}, Role: core.RoleStaff}, 0)
	defer stop()
	mr.Close()
	if err := mr.Restart(); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-ch:
		if ev.TicketID != 0 {
			t.Fatalf("after the reconnection: %+v, want a resync", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no resync within 10s of the reconnection")
	}
	ws := core.Workspace{Platform: core.PlatformSlack, ExternalID: "T1"}
	deadline := time.After(10 * time.Second)
	for {
		live.Publish(core.LiveEvent{TicketID: 9, Workspace: ws})
		select {
		case ev := <-ch:
			if ev.TicketID == 9 {
				return
			}
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			t.Fatal("no change arrived after the reconnection")
		}
	}
}
