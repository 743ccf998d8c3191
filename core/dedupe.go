package core

import (
	"context"
	"log/slog"
	"time"
)

// Dedupe remembers which platform deliveries (event ids, trigger ids, interaction ids) were
// seen, so a platform's retry of one is not processed twice. It is a first line only: the
// database's unique keys still stop double writes while the state store is down.
type Dedupe struct {
	state StateStore
	log   *slog.Logger
}

// NewDedupe builds a Dedupe on state (fail-open wrapped when remote).
func NewDedupe(state StateStore, log *slog.Logger) *Dedupe {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Dedupe{state: state, log: log}
}

// First reports whether key (e.g. "slack:event:Ev123") is seen for the first time in the
// last ttl. While the state store is down it answers true.
func (d *Dedupe) First(ctx context.Context, key string, ttl time.Duration) bool {
	seen, err := d.state.MarkSeen(ctx, "tb:dedupe:"+key, ttl)
	if err != nil {
		d.log.Warn("de-duplication unavailable", "err", err)
		return true
	}
	return !seen
}

// Forget undoes First for key, so a platform's retry of a delivery that failed for a passing
// reason (the database was down) is processed. It gets a moment of its own, since the
// caller's context may be what ran out. Errors: unavailable.
func (d *Dedupe) Forget(ctx context.Context, key string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	return d.state.Delete(ctx, "tb:dedupe:"+key)
}

// Throttle is the shared rate limiter behind every per-user and per-channel allowance.
type Throttle struct {
	lim Limiter
	log *slog.Logger
}

// NewThrottle builds a Throttle on lim (fail-open wrapped when remote).
func NewThrottle(lim Limiter, log *slog.Logger) *Throttle {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Throttle{lim: lim, log: log}
}

// Allow takes one event from key's allowance under l; it allows when the limiter is down.
func (t *Throttle) Allow(ctx context.Context, key string, l Limit) Decision {
	d, err := t.lim.Allow(ctx, "tb:rl:"+key, l)
	if err != nil {
		t.log.Warn("rate limiter unavailable; allowing", "err", err)
		return Decision{Allowed: true}
	}
	return d
}

// AllowMany takes one event from each of keys' allowances under l, in order, in one round
// trip where the limiter can (ManyLimiter); it allows them all when the limiter is down.
func (t *Throttle) AllowMany(ctx context.Context, keys []string, l Limit) []Decision {
	full := make([]string, len(keys))
	for i, k := range keys {
		full[i] = "tb:rl:" + k
	}
	ds, err := allowMany(ctx, t.lim, full, l)
	if err != nil {
		t.log.Warn("rate limiter unavailable; allowing", "err", err)
		ds = make([]Decision, len(keys))
		for i := range ds {
			ds[i] = Decision{Allowed: true}
		}
	}
	return ds
}

// allowMany is lim.AllowMany, or Allow of each key where lim is no ManyLimiter.
func allowMany(ctx context.Context, lim Limiter, keys []string, l Limit) ([]Decision, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	if ml, ok := lim.(ManyLimiter); ok {
		return ml.AllowMany(ctx, keys, l)
	}
	out := make([]Decision, len(keys))
	for i, k := range keys {
		d, err := lim.Allow(ctx, k, l)
		if err != nil {
			return nil, err
		}
		out[i] = d
	}
	return out, nil
}

// Cache is short-lived shared state that adapters keep to spare platform calls (role
// lookups, member lists): a namespaced view of the StateStore. Nothing in it is
// authoritative; a miss costs a platform call, never a wrong answer for long.
type Cache struct {
	state StateStore
	ns    string
}

// NewCache builds a Cache whose keys live under "tb:NAMESPACE:".
func NewCache(state StateStore, namespace string) *Cache {
	return &Cache{state: state, ns: "tb:" + namespace + ":"}
}

// Get returns key's value. Errors: not_found (missing, expired, or the store is down).
func (c *Cache) Get(ctx context.Context, key string) ([]byte, error) {
	return c.state.Get(ctx, c.ns+key)
}

// Set keeps value under key for ttl; a store that is down drops it. Errors: unavailable.
func (c *Cache) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	return c.state.Set(ctx, c.ns+key, value, ttl)
}

// SetMany keeps each value under its key for ttl, in one round trip where the store can
// (ManySetter); a store that is down drops them. Errors: unavailable.
func (c *Cache) SetMany(ctx context.Context, kvs []KeyValue, ttl time.Duration) error {
	if len(kvs) == 0 {
		return nil
	}
	full := make([]KeyValue, len(kvs))
	for i, kv := range kvs {
		full[i] = KeyValue{Key: c.ns + kv.Key, Value: kv.Value}
	}
	return setMany(ctx, c.state, full, ttl)
}

// setMany is st.SetMany, or Set of each key where st is no ManySetter.
func setMany(ctx context.Context, st StateStore, kvs []KeyValue, ttl time.Duration) error {
	if ms, ok := st.(ManySetter); ok {
		return ms.SetMany(ctx, kvs, ttl)
	}
	for _, kv := range kvs {
		if err := st.Set(ctx, kv.Key, kv.Value, ttl); err != nil {
			return err
		}
	}
	return nil
}

// deleteMany is st.DeleteMany, or Delete of each key where st is no ManyDeleter.
func deleteMany(ctx context.Context, st StateStore, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	if md, ok := st.(ManyDeleter); ok {
		return md.DeleteMany(ctx, keys)
	}
	for _, k := range keys {
		if err := st.Delete(ctx, k); err != nil {
			return err
		}
	}
	return nil
}

// Delete drops key. Errors: unavailable.
func (c *Cache) Delete(ctx context.Context, key string) error { return c.state.Delete(ctx, c.ns+key) }
