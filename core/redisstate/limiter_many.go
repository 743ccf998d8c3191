package redisstate

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"

	"github.com/ticketbot/ticketbot/core"
)

// AllowMany takes one event from each of keys' allowances under l, in order, in one pipeline
// (core.ManyLimiter): what Allow does key by key, in one round trip instead of one each.
//
// redis_rate has no pipelined Allow, and its script is unexported. Rather than keep a copy of
// the script, AllowMany lets redis_rate build each call against a recorder (scriptCalls),
// which answers it with a stand-in result, and then sends the recorded calls (the same
// script, key and arguments redis_rate sends) in one pipeline; only the reading of the
// answer (allowed count, retry-after seconds) is redone here, as redis_rate's AllowN reads
// it. A call Redis answers NOSCRIPT (its script cache was flushed) is asked again through
// Allow, which loads the script. Errors: invalid (as Allow), unavailable.
func (s *Store) AllowMany(ctx context.Context, keys []string, l core.Limit) ([]core.Decision, error) {
	const op = "redisstate.AllowMany"
	if l.Rate <= 0 || l.Period <= 0 || l.Burst < 0 {
		return nil, &core.Error{Code: core.EInvalid, Op: op,
			Message: "rate limit needs a positive rate and period and a burst of zero or more"}
	}
	if len(keys) == 0 {
		return nil, nil
	}
	rec := &scriptCalls{}
	rl := redis_rate.Limit{Rate: l.Rate, Period: l.Period, Burst: l.Burst}
	lim := redis_rate.NewLimiter(rec)
	for i, k := range keys {
		if _, err := lim.Allow(ctx, k, rl); err != nil || len(rec.calls) != i+1 {
			return nil, &core.Error{Code: core.EInternal, Op: op, Message: "redis_rate made no call to record", Err: err}
		}
	}
	cmds := make([]*redis.Cmd, len(keys))
	_, _ = s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, c := range rec.calls {
			if c.sha {
				cmds[i] = p.EvalSha(ctx, c.script, c.keys, c.args...)
			} else {
				cmds[i] = p.Eval(ctx, c.script, c.keys, c.args...)
			}
		}
		return nil
	})
	out := make([]core.Decision, len(keys))
	for i, cmd := range cmds {
		cerr := cmd.Err()
		if cerr != nil && redis.HasErrorPrefix(cerr, "NOSCRIPT") {
			d, err := s.Allow(ctx, keys[i], l)
			if err != nil {
				return nil, err
			}
			out[i] = d
			continue
		}
		if cerr != nil {
			return nil, wrap(op, cerr)
		}
		d, perr := decision(cmd.Val())
		if perr != nil {
			return nil, &core.Error{Code: core.EInternal, Op: op, Message: "unexpected answer from the rate limit script", Err: perr}
		}
		out[i] = d
	}
	return out, nil
}

// decision reads the answer of redis_rate's allowN script, {allowed, remaining,
// retry_after, reset_after} with the two last as strings of seconds, as its AllowN does.
func decision(v any) (core.Decision, error) {
	vs, ok := v.([]any)
	if !ok || len(vs) < 3 {
		return core.Decision{}, fmt.Errorf("answer %v is no list of four", v)
	}
	allowed, ok := vs[0].(int64)
	if !ok {
		return core.Decision{}, fmt.Errorf("allowed %v is no integer", vs[0])
	}
	if allowed > 0 {
		return core.Decision{Allowed: true}, nil
	}
	str, _ := vs[2].(string)
	retry, err := strconv.ParseFloat(str, 64)
	if err != nil {
		return core.Decision{}, fmt.Errorf("retry after %v: %w", vs[2], err)
	}
	return core.Decision{RetryAfter: max(time.Duration(retry*float64(time.Second)), 0)}, nil
}

// scriptCalls records the script calls redis_rate makes (its rediser) without sending them,
// answering each with an allowed result so it goes no further; a redis_rate that called
// anything else would have its call refused, and AllowMany would fail rather than guess.
type scriptCalls struct {
	calls []scriptCall
}

type scriptCall struct {
	sha    bool // script is the SHA1 of a loaded script (EVALSHA), else its source (EVAL)
	script string
	keys   []string
	args   []any
}

func (r *scriptCalls) record(sha bool, script string, keys []string, args []any) *redis.Cmd {
	r.calls = append(r.calls, scriptCall{sha: sha, script: script, keys: keys, args: args})
	return redis.NewCmdResult([]any{int64(1), int64(0), "-1", "0"}, nil)
}

func (r *scriptCalls) Eval(_ context.Context, script string, keys []string, args ...any) *redis.Cmd {
	return r.record(false, script, keys, args)
}

func (r *scriptCalls) EvalSha(_ context.Context, sha1 string, keys []string, args ...any) *redis.Cmd {
	return r.record(true, sha1, keys, args)
}

func (r *scriptCalls) EvalRO(_ context.Context, script string, keys []string, args ...any) *redis.Cmd {
	return r.record(false, script, keys, args)
}

func (r *scriptCalls) EvalShaRO(_ context.Context, sha1 string, keys []string, args ...any) *redis.Cmd {
	return r.record(true, sha1, keys, args)
}

var errNotRecorded = fmt.Errorf("redisstate: only script calls are recorded")

func (r *scriptCalls) ScriptExists(context.Context, ...string) *redis.BoolSliceCmd {
	return redis.NewBoolSliceResult(nil, errNotRecorded)
}

func (r *scriptCalls) ScriptLoad(context.Context, string) *redis.StringCmd {
	return redis.NewStringResult("", errNotRecorded)
}

func (r *scriptCalls) Del(context.Context, ...string) *redis.IntCmd {
	return redis.NewIntResult(0, errNotRecorded)
}

