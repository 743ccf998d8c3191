package memstate

import (
	"context"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// Allow takes one event from key's allowance under l with the GCRA of
// github.com/go-redis/redis_rate (AllowN with n=1): events are spaced Period/Rate apart, up to
// Burst may come at once, and a denied event consumes nothing. When denied, RetryAfter is the
// time until one event will be allowed. Errors: invalid (Rate or Period not positive, Burst
// negative).
func (s *Store) Allow(_ context.Context, key string, l core.Limit) (core.Decision, error) {
	if err := validLimit("memstate.Allow", l); err != nil {
		return core.Decision{}, err
	}
	interval := l.Period / time.Duration(l.Rate)
	burstOffset := interval * time.Duration(l.Burst)

	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()

	tat, ok := s.tats[key]
	if !ok || tat.Before(now) {
		tat = now
	}
	newTAT := tat.Add(interval)
	allowAt := newTAT.Add(-burstOffset)
	if diff := now.Sub(allowAt); diff < 0 {
		return core.Decision{Allowed: false, RetryAfter: -diff}, nil
	}
	s.tats[key] = newTAT
	s.wrote(now)
	return core.Decision{Allowed: true}, nil
}

// validLimit rejects limits the GCRA cannot work with.
func validLimit(op string, l core.Limit) error {
	if l.Rate <= 0 || l.Period <= 0 || l.Burst < 0 {
		return &core.Error{Code: core.EInvalid, Op: op,
			Message: "rate limit needs a positive rate and period and a burst of zero or more"}
	}
	return nil
}
