package memstate_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
	"github.com/ticketbot/ticketbot/core/memstate"
)

func TestStateSuiteFakeClock(t *testing.T) {
	clock := coretest.NewFakeClock(time.Time{})
	coretest.RunStateSuite(t, func(t *testing.T) (core.StateStore, core.Limiter) {
		s := memstate.New(clock)
		return s, s
	}, clock)
}

func TestStateSuiteSystemClock(t *testing.T) {
	coretest.RunStateSuite(t, func(t *testing.T) (core.StateStore, core.Limiter) {
		s := memstate.New(nil)
		return s, s
	}, nil)
}

func TestGetReturnsACopy(t *testing.T) {
	s := memstate.New(nil)
	in := []byte("abc")
	if err := s.Set(t.Context(), "k", in, time.Minute); err != nil {
		t.Fatal(err)
	}
	in[0] = 'X'
	out, err := s.Get(t.Context(), "k")
	if err != nil {
		t.Fatal(err)
	}
	out[1] = 'Y'
	again, _ := s.Get(t.Context(), "k")
	if string(again) != "abc" {
		t.Fatalf("stored value changed through a caller's slice: %q", again)
	}
}

func TestExpiredEntriesAreSweptOnWrites(t *testing.T) {
	clock := coretest.NewFakeClock(time.Time{})
	s := memstate.New(clock)
	ctx := t.Context()
	lim := core.Limit{Rate: 10, Period: time.Second, Burst: 1}
	for i := range 10_000 {
		key := fmt.Sprintf("k%d", i)
		if err := s.Set(ctx, key, []byte("v"), time.Second); err != nil {
			t.Fatal(err)
		}
		if _, err := s.MarkSeen(ctx, "seen:"+key, time.Second); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Allow(ctx, "rate:"+key, lim); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Millisecond) // each entry lives for 1000 writes' worth of time
	}
	// About 3000 entries are live at any moment; without sweeping 30,000 would be held.
	if n := s.Len(); n > 8_000 {
		t.Fatalf("store holds %d entries after 30,000 short-lived writes, want about 3,000 live ones bounded by 2x", n)
	}
}

func TestSweepNeverDropsLiveEntries(t *testing.T) {
	clock := coretest.NewFakeClock(time.Time{})
	s := memstate.New(clock)
	ctx := t.Context()
	if err := s.Set(ctx, "keep", []byte("v"), 0); err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		if err := s.Set(ctx, fmt.Sprintf("k%d", i), []byte("v"), time.Millisecond); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Millisecond)
	}
	if v, err := s.Get(ctx, "keep"); err != nil || string(v) != "v" {
		t.Fatalf("Get(keep) = %q, %v after sweeps; want the value", v, err)
	}
	if n := s.Len(); n > 2*64+1 {
		t.Fatalf("store holds %d entries, want at most %d", n, 2*64+1)
	}
}

func TestPubSubSuite(t *testing.T) {
	coretest.RunPubSubSuite(t, func(t *testing.T) (core.PubSub, core.PubSub) {
		ps := memstate.NewPubSub()
		return ps, ps
	})
}

// TestStateSuiteThroughFailOpen runs the suite through core.FailOpen over a healthy store:
// what FailOpen passes on (SetMany and DeleteMany in one call each among them, and AllowMany
// key by key, as this store has no AllowMany of its own) must behave as the store itself does.
func TestStateSuiteThroughFailOpen(t *testing.T) {
	clock := coretest.NewFakeClock(time.Time{})
	coretest.RunStateSuite(t, func(t *testing.T) (core.StateStore, core.Limiter) {
		s := memstate.New(clock)
		f := core.NewFailOpenConfig(core.FailOpenConfig{State: s, Limiter: s, Clock: clock})
		return f, f
	}, clock)
}
