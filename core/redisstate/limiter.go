package redisstate

import (
	"context"

	"github.com/go-redis/redis_rate/v10"

	"github.com/ticketbot/ticketbot/core"
)

// Allow takes one event from key's allowance under l with redis_rate's GCRA, which keeps its
// state under "rate:"+key. When denied, RetryAfter is the time until one event will be
// allowed. Errors: invalid (Rate or Period not positive, Burst negative), unavailable.
func (s *Store) Allow(ctx context.Context, key string, l core.Limit) (core.Decision, error) {
	const op = "redisstate.Allow"
	if l.Rate <= 0 || l.Period <= 0 || l.Burst < 0 {
		return core.Decision{}, &core.Error{Code: core.EInvalid, Op: op,
			Message: "rate limit needs a positive rate and period and a burst of zero or more"}
	}
	res, err := s.lim.Allow(ctx, key, redis_rate.Limit{Rate: l.Rate, Period: l.Period, Burst: l.Burst})
	if err != nil {
		return core.Decision{}, wrap(op, err)
	}
	if res.Allowed > 0 {
		return core.Decision{Allowed: true}, nil
	}
	return core.Decision{Allowed: false, RetryAfter: max(res.RetryAfter, 0)}, nil
}
