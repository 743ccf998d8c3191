package memstate

import (
	"context"
	"sync"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// The round trips for many keys the core uses where a store has them.
var _ core.ManySetter = (*Store)(nil)
var _ core.ManyDeleter = (*Store)(nil)

// minSweepEvery is the fewest writes between two sweeps, so small stores do not sweep on
// every write.
const minSweepEvery = 64

// entry is one stored value; a zero exp never expires.
type entry struct {
	val []byte
	exp time.Time
}

func (e entry) expired(now time.Time) bool { return !e.exp.IsZero() && !now.Before(e.exp) }

// Store is an in-process core.StateStore and core.Limiter. Expired entries are dropped when
// read and by a sweep that runs after as many writes as the store held at the previous sweep,
// so memory stays within about twice the live entries at an amortised O(1) per write and no
// goroutine is needed. It is safe for concurrent use.
type Store struct {
	clock core.Clock

	mu         sync.Mutex
	items      map[string]entry
	tats       map[string]time.Time // limiter: key → theoretical arrival time
	writes     int                  // writes since the last sweep
	sweepEvery int
}

var (
	_ core.StateStore = (*Store)(nil)
	_ core.Limiter    = (*Store)(nil)
)

// New returns an empty Store on clock; a nil clock means core.SystemClock{}.
func New(clock core.Clock) *Store {
	if clock == nil {
		clock = core.SystemClock{}
	}
	return &Store{
		clock:      clock,
		items:      make(map[string]entry),
		tats:       make(map[string]time.Time),
		sweepEvery: minSweepEvery,
	}
}

// Get returns a copy of key's value. Errors: not_found.
func (s *Store) Get(_ context.Context, key string) ([]byte, error) {
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.items[key]
	if ok && e.expired(now) {
		delete(s.items, key)
		ok = false
	}
	if !ok {
		return nil, &core.Error{Code: core.ENotFound, Op: "memstate.Get", Message: "key not found"}
	}
	return clone(e.val), nil
}

// Set stores a copy of value under key for ttl; a ttl of zero or less never expires.
func (s *Store) Set(_ context.Context, key string, value []byte, ttl time.Duration) error {
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.items[key] = entry{val: clone(value), exp: expiry(now, ttl)}
	s.wrote(now)
	return nil
}

// SetMany stores a copy of each value under its key for ttl, under one lock (as Redis's
// pipeline stores them in one round trip).
func (s *Store) SetMany(_ context.Context, kvs []core.KeyValue, ttl time.Duration) error {
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, kv := range kvs {
		s.items[kv.Key] = entry{val: clone(kv.Value), exp: expiry(now, ttl)}
		s.wrote(now)
	}
	return nil
}

// DeleteMany removes each of keys under one lock; a missing key is not an error.
func (s *Store) DeleteMany(_ context.Context, keys []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		delete(s.items, k)
	}
	return nil
}

// Delete removes key; a missing key is not an error.
func (s *Store) Delete(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.items, key)
	return nil
}

// MarkSeen records key for ttl unless it is already recorded (SET NX) and reports whether it
// was. A ttl of zero or less never expires.
func (s *Store) MarkSeen(_ context.Context, key string, ttl time.Duration) (bool, error) {
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.items[key]; ok && !e.expired(now) {
		return true, nil
	}
	s.items[key] = entry{val: []byte("1"), exp: expiry(now, ttl)}
	s.wrote(now)
	return false, nil
}

// Ping always succeeds: the store lives in this process.
func (s *Store) Ping(context.Context) error { return nil }

// Close releases nothing and exists so callers can close either backend alike.
func (s *Store) Close() error { return nil }

// Len reports how many entries (values, marks and limiter states) the store holds, expired
// ones not yet swept included; for metrics and tests.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.items) + len(s.tats)
}

// wrote counts a write and sweeps when enough writes have happened. Called with mu held.
func (s *Store) wrote(now time.Time) {
	s.writes++
	if s.writes < s.sweepEvery {
		return
	}
	for k, e := range s.items {
		if e.expired(now) {
			delete(s.items, k)
		}
	}
	for k, tat := range s.tats {
		if !tat.After(now) {
			delete(s.tats, k)
		}
	}
	s.writes = 0
	s.sweepEvery = max(minSweepEvery, len(s.items)+len(s.tats))
}

func expiry(now time.Time, ttl time.Duration) time.Time {
	if ttl <= 0 {
		return time.Time{}
	}
	return now.Add(ttl)
}

func clone(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return append([]byte(nil), b...)
}
