package coretest

import (
	"bytes"
	"context"
	"crypto/rand"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// RunStateSuite checks that a core.StateStore and core.Limiter behave as the ports say.
// newStore is called once per subtest. With a clock, time-dependent cases advance it (the
// backend must follow it, e.g. memstate on the clock or miniredis via OnAdvance) and subtests
// run one after another; with nil, they sleep briefly in real time and run in parallel.
// Every subtest uses keys under a fresh random prefix, so runs sharing a server do not collide.
func RunStateSuite(t *testing.T, newStore func(t *testing.T) (core.StateStore, core.Limiter), clock *FakeClock) {
	s := stateSuite{newStore: newStore, clock: clock}
	cases := []struct {
		name string
		run  func(t *testing.T, st core.StateStore, lim core.Limiter, key func(string) string)
	}{
		{"set then get returns the value", s.setGet},
		{"set replaces the value", s.setReplaces},
		{"set many stores every key, the last of a name winning, and they expire", s.setMany},
		{"delete many removes every key named and no other", s.deleteMany},
		{"delete removes the key", s.deleteRemoves},
		{"delete of a missing key is not an error", s.deleteMissing},
		{"get of a missing key is not_found", s.getMissing},
		{"value expires after its ttl", s.valueExpires},
		{"zero ttl never expires", s.zeroTTL},
		{"mark seen answers false then true", s.markSeen},
		{"mark seen by concurrent callers answers false once", s.markSeenConcurrent},
		{"mark seen expires after its ttl", s.markSeenExpires},
		{"keys are isolated", s.keysIsolated},
		{"ping answers", s.ping},
		{"limiter allows the burst then denies with retry after", s.limiterBurst},
		{"limiter allows again after retry after", s.limiterRetryAfter},
		{"limiter keys have separate allowances", s.limiterSeparateKeys},
		{"limiter allowance refills after the period", s.limiterRefills},
		{"limiter with zero burst denies", s.limiterZeroBurst},
		{"limiter rejects an invalid limit as invalid", s.limiterInvalid},
		{"limiter AllowMany takes one event per key named, in order, sharing Allow's allowances", s.limiterMany},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if clock == nil {
				t.Parallel()
			}
			st, lim := newStore(t)
			prefix := "tb:test:" + rand.Text()[:12] + ":"
			c.run(t, st, lim, func(name string) string { return prefix + name })
		})
	}
}

type stateSuite struct {
	newStore func(t *testing.T) (core.StateStore, core.Limiter)
	clock    *FakeClock
}

// Durations are small so the real-time variant stays fast; gaps keep it clear of edges.
const (
	suiteTTL  = 300 * time.Millisecond
	suiteLong = time.Minute // for keys that must outlive a subtest but not litter a server
)

// suiteLimit spaces events 100 ms apart with bursts of 3.
var suiteLimit = core.Limit{Rate: 5, Period: 500 * time.Millisecond, Burst: 3}

func (s stateSuite) wait(d time.Duration) {
	if s.clock != nil {
		s.clock.Advance(d)
		return
	}
	time.Sleep(d)
}

func (s stateSuite) setGet(t *testing.T, st core.StateStore, _ core.Limiter, key func(string) string) {
	ctx := t.Context()
	stateSet(t, st, key("a"), []byte("hello"), suiteLong)
	stateWantValue(t, st, key("a"), "hello")
	stateSet(t, st, key("empty"), []byte{}, suiteLong)
	stateWantValue(t, st, key("empty"), "")
	_ = st.Delete(ctx, key("a"))
	_ = st.Delete(ctx, key("empty"))
}

func (s stateSuite) setMany(t *testing.T, st core.StateStore, _ core.Limiter, key func(string) string) {
	ms, ok := st.(core.ManySetter)
	if !ok {
		t.Skip("the store sets keys one by one (no SetMany)")
	}
	ctx := t.Context()
	kvs := []core.KeyValue{{Key: key("a"), Value: []byte("one")}, {Key: key("b"), Value: []byte{}}, {Key: key("a"), Value: []byte("two")}}
	if err := ms.SetMany(ctx, kvs, suiteTTL); err != nil {
		t.Fatalf("SetMany: %v", err)
	}
	stateWantValue(t, st, key("a"), "two")
	stateWantValue(t, st, key("b"), "")
	if err := ms.SetMany(ctx, nil, suiteTTL); err != nil {
		t.Fatalf("SetMany of nothing: %v", err)
	}
	s.wait(suiteTTL + 150*time.Millisecond)
	for _, k := range []string{"a", "b"} {
		if _, err := st.Get(ctx, key(k)); !core.IsCode(err, core.ENotFound) {
			t.Errorf("Get %s after its ttl: err = %v, want not_found", k, err)
		}
	}
}

func (s stateSuite) deleteMany(t *testing.T, st core.StateStore, _ core.Limiter, key func(string) string) {
	md, ok := st.(core.ManyDeleter)
	if !ok {
		t.Skip("the store deletes keys one by one (no DeleteMany)")
	}
	ctx := t.Context()
	for _, k := range []string{"a", "b", "keep"} {
		stateSet(t, st, key(k), []byte(k), suiteLong)
	}
	if err := md.DeleteMany(ctx, []string{key("a"), key("b"), key("missing"), key("a")}); err != nil {
		t.Fatalf("DeleteMany: %v", err)
	}
	for _, k := range []string{"a", "b"} {
		if _, err := st.Get(ctx, key(k)); !core.IsCode(err, core.ENotFound) {
			t.Errorf("Get %s after DeleteMany: err = %v, want not_found", k, err)
		}
	}
	stateWantValue(t, st, key("keep"), "keep")
	if err := md.DeleteMany(ctx, nil); err != nil {
		t.Fatalf("DeleteMany of nothing: %v", err)
	}
	_ = st.Delete(ctx, key("keep"))
}

func (s stateSuite) setReplaces(t *testing.T, st core.StateStore, _ core.Limiter, key func(string) string) {
	stateSet(t, st, key("a"), []byte("one"), suiteLong)
	stateSet(t, st, key("a"), []byte("two"), suiteLong)
	stateWantValue(t, st, key("a"), "two")
	_ = st.Delete(t.Context(), key("a"))
}

func (s stateSuite) deleteRemoves(t *testing.T, st core.StateStore, _ core.Limiter, key func(string) string) {
	stateSet(t, st, key("a"), []byte("x"), suiteLong)
	if err := st.Delete(t.Context(), key("a")); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	stateWantNotFound(t, st, key("a"))
}

func (s stateSuite) deleteMissing(t *testing.T, st core.StateStore, _ core.Limiter, key func(string) string) {
	if err := st.Delete(t.Context(), key("never-set")); err != nil {
		t.Fatalf("Delete of a missing key: %v, want nil", err)
	}
}

func (s stateSuite) getMissing(t *testing.T, st core.StateStore, _ core.Limiter, key func(string) string) {
	stateWantNotFound(t, st, key("never-set"))
}

func (s stateSuite) valueExpires(t *testing.T, st core.StateStore, _ core.Limiter, key func(string) string) {
	stateSet(t, st, key("a"), []byte("x"), suiteTTL)
	stateWantValue(t, st, key("a"), "x")
	s.wait(suiteTTL + 150*time.Millisecond)
	stateWantNotFound(t, st, key("a"))
}

func (s stateSuite) zeroTTL(t *testing.T, st core.StateStore, _ core.Limiter, key func(string) string) {
	stateSet(t, st, key("a"), []byte("x"), 0)
	t.Cleanup(func() { _ = st.Delete(context.WithoutCancel(t.Context()), key("a")) })
	s.wait(suiteTTL + 150*time.Millisecond)
	stateWantValue(t, st, key("a"), "x")
}

func (s stateSuite) markSeen(t *testing.T, st core.StateStore, _ core.Limiter, key func(string) string) {
	stateWantSeen(t, st, key("ev1"), suiteLong, false)
	stateWantSeen(t, st, key("ev1"), suiteLong, true)
	stateWantSeen(t, st, key("ev1"), suiteLong, true)
	stateWantSeen(t, st, key("ev2"), suiteLong, false)
}

func (s stateSuite) markSeenConcurrent(t *testing.T, st core.StateStore, _ core.Limiter, key func(string) string) {
	const n = 16
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		fresh int
	)
	for range n {
		wg.Go(func() {
			seen, err := st.MarkSeen(t.Context(), key("ev"), suiteLong)
			if err != nil {
				t.Errorf("MarkSeen: %v", err)
				return
			}
			if !seen {
				mu.Lock()
				fresh++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if fresh != 1 {
		t.Fatalf("%d of %d concurrent MarkSeen calls answered not seen, want exactly 1", fresh, n)
	}
}

func (s stateSuite) markSeenExpires(t *testing.T, st core.StateStore, _ core.Limiter, key func(string) string) {
	stateWantSeen(t, st, key("ev"), suiteTTL, false)
	stateWantSeen(t, st, key("ev"), suiteTTL, true)
	s.wait(suiteTTL + 150*time.Millisecond)
	stateWantSeen(t, st, key("ev"), suiteTTL, false)
}

func (s stateSuite) keysIsolated(t *testing.T, st core.StateStore, _ core.Limiter, key func(string) string) {
	ctx := t.Context()
	stateSet(t, st, key("a"), []byte("A"), suiteLong)
	stateSet(t, st, key("b"), []byte("B"), suiteLong)
	stateWantValue(t, st, key("a"), "A")
	stateWantValue(t, st, key("b"), "B")
	stateWantNotFound(t, st, key("a:b"))
	if err := st.Delete(ctx, key("a")); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	stateWantValue(t, st, key("b"), "B")
	stateWantSeen(t, st, key("c"), suiteLong, false)
	stateWantNotFound(t, st, key("a"))
	_ = st.Delete(ctx, key("b"))
}

func (s stateSuite) ping(t *testing.T, st core.StateStore, _ core.Limiter, _ func(string) string) {
	if err := st.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

func (s stateSuite) limiterBurst(t *testing.T, _ core.StateStore, lim core.Limiter, key func(string) string) {
	stateTakeBurst(t, lim, key("user"), suiteLimit)
	d := stateAllow(t, lim, key("user"), suiteLimit)
	if d.Allowed {
		t.Fatalf("event %d after a burst of %d was allowed", suiteLimit.Burst+1, suiteLimit.Burst)
	}
	s.wantRetryAfter(t, d)
}

func (s stateSuite) limiterRetryAfter(t *testing.T, _ core.StateStore, lim core.Limiter, key func(string) string) {
	stateTakeBurst(t, lim, key("user"), suiteLimit)
	d := stateAllow(t, lim, key("user"), suiteLimit)
	if d.Allowed {
		t.Fatal("event after the burst was allowed")
	}
	s.wait(d.RetryAfter + 10*time.Millisecond)
	if d := stateAllow(t, lim, key("user"), suiteLimit); !d.Allowed {
		t.Fatalf("event after waiting RetryAfter was denied (retry after %v)", d.RetryAfter)
	}
	if d := stateAllow(t, lim, key("user"), suiteLimit); d.Allowed {
		t.Fatal("second event after waiting one interval was allowed; a denied event must not count")
	}
}

func (s stateSuite) limiterSeparateKeys(t *testing.T, _ core.StateStore, lim core.Limiter, key func(string) string) {
	stateTakeBurst(t, lim, key("alice"), suiteLimit)
	if d := stateAllow(t, lim, key("alice"), suiteLimit); d.Allowed {
		t.Fatal("alice's event after her burst was allowed")
	}
	stateTakeBurst(t, lim, key("bob"), suiteLimit)
}

func (s stateSuite) limiterRefills(t *testing.T, _ core.StateStore, lim core.Limiter, key func(string) string) {
	stateTakeBurst(t, lim, key("user"), suiteLimit)
	if d := stateAllow(t, lim, key("user"), suiteLimit); d.Allowed {
		t.Fatal("event after the burst was allowed")
	}
	s.wait(suiteLimit.Period)
	stateTakeBurst(t, lim, key("user"), suiteLimit)
	if d := stateAllow(t, lim, key("user"), suiteLimit); d.Allowed {
		t.Fatal("event after the refilled burst was allowed")
	}
}

func (s stateSuite) limiterZeroBurst(t *testing.T, _ core.StateStore, lim core.Limiter, key func(string) string) {
	l := suiteLimit
	l.Burst = 0
	if d := stateAllow(t, lim, key("user"), l); d.Allowed || d.RetryAfter <= 0 {
		t.Fatalf("Allow with burst 0 = %+v, want denied with a RetryAfter", d)
	}
}

func (s stateSuite) limiterMany(t *testing.T, _ core.StateStore, lim core.Limiter, key func(string) string) {
	ml, ok := lim.(core.ManyLimiter)
	if !ok {
		t.Skip("the limiter asks key by key (no AllowMany)")
	}
	ctx := t.Context()
	a, b, c := key("a"), key("b"), key("c")
	keys := []string{b}
	for range suiteLimit.Burst + 1 {
		keys = append(keys, a)
	}
	stateTakeBurst(t, lim, c, suiteLimit) // c's allowance is used up through Allow
	keys = append(keys, c)
	ds, err := ml.AllowMany(ctx, keys, suiteLimit)
	if err != nil {
		t.Fatalf("AllowMany: %v", err)
	}
	if len(ds) != len(keys) {
		t.Fatalf("AllowMany of %d keys gave %d decisions", len(keys), len(ds))
	}
	for i, d := range ds {
		wantAllowed := i >= 1 && i <= suiteLimit.Burst || i == 0
		if d.Allowed != wantAllowed {
			t.Errorf("decision %d (%s) allowed = %v, want %v", i, keys[i], d.Allowed, wantAllowed)
		}
		if !d.Allowed {
			s.wantRetryAfter(t, d)
		}
	}
	if d := stateAllow(t, lim, a, suiteLimit); d.Allowed {
		t.Error("Allow of a after AllowMany took its burst was allowed")
	}
	if ds, err := ml.AllowMany(ctx, nil, suiteLimit); err != nil || len(ds) != 0 {
		t.Errorf("AllowMany of nothing = %v, %v", ds, err)
	}
	if _, err := ml.AllowMany(ctx, []string{a}, core.Limit{Rate: 0, Period: time.Second, Burst: 1}); !core.IsCode(err, core.EInvalid) {
		t.Errorf("AllowMany with an invalid limit: err = %v, want invalid", err)
	}
}

func (s stateSuite) limiterInvalid(t *testing.T, _ core.StateStore, lim core.Limiter, key func(string) string) {
	for _, l := range []core.Limit{
		{Rate: 0, Period: time.Second, Burst: 1},
		{Rate: 1, Period: 0, Burst: 1},
		{Rate: 1, Period: time.Second, Burst: -1},
	} {
		if _, err := lim.Allow(t.Context(), key("user"), l); !core.IsCode(err, core.EInvalid) {
			t.Errorf("Allow(%+v) error = %v, want code %s", l, err, core.EInvalid)
		}
	}
}

// wantRetryAfter checks a denial's RetryAfter: one emission interval with a fake clock, a
// little less in real time (the burst took some time), never more.
func (s stateSuite) wantRetryAfter(t *testing.T, d core.Decision) {
	t.Helper()
	interval := suiteLimit.Period / time.Duration(suiteLimit.Rate)
	lo := interval / 2
	if s.clock != nil {
		lo = interval - time.Millisecond
	}
	if d.RetryAfter < lo || d.RetryAfter > interval+time.Millisecond {
		t.Fatalf("RetryAfter = %v, want about %v (in [%v, %v])", d.RetryAfter, interval, lo, interval)
	}
}

func stateTakeBurst(t *testing.T, lim core.Limiter, key string, l core.Limit) {
	t.Helper()
	for i := range l.Burst {
		if d := stateAllow(t, lim, key, l); !d.Allowed {
			t.Fatalf("event %d of a burst of %d was denied (retry after %v)", i+1, l.Burst, d.RetryAfter)
		}
	}
}

func stateAllow(t *testing.T, lim core.Limiter, key string, l core.Limit) core.Decision {
	t.Helper()
	d, err := lim.Allow(t.Context(), key, l)
	if err != nil {
		t.Fatalf("Allow(%q): %v", key, err)
	}
	if d.Allowed && d.RetryAfter != 0 {
		t.Fatalf("Allow(%q) allowed with RetryAfter %v, want 0", key, d.RetryAfter)
	}
	return d
}

func stateSet(t *testing.T, st core.StateStore, key string, v []byte, ttl time.Duration) {
	t.Helper()
	if err := st.Set(t.Context(), key, v, ttl); err != nil {
		t.Fatalf("Set(%q): %v", key, err)
	}
}

func stateWantValue(t *testing.T, st core.StateStore, key, want string) {
	t.Helper()
	got, err := st.Get(t.Context(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v, want %q", key, err, want)
	}
	if !bytes.Equal(got, []byte(want)) {
		t.Fatalf("Get(%q) = %q, want %q", key, got, want)
	}
}

func stateWantNotFound(t *testing.T, st core.StateStore, key string) {
	t.Helper()
	got, err := st.Get(t.Context(), key)
	if !core.IsCode(err, core.ENotFound) {
		t.Fatalf("Get(%q) = %q, %v; want code %s", key, got, err, core.ENotFound)
	}
}

func stateWantSeen(t *testing.T, st core.StateStore, key string, ttl time.Duration, want bool) {
	t.Helper()
	seen, err := st.MarkSeen(t.Context(), key, ttl)
	if err != nil {
		t.Fatalf("MarkSeen(%q): %v", key, err)
	}
	if seen != want {
		t.Fatalf("MarkSeen(%q) = %v, want %v", key, seen, want)
	}
}
