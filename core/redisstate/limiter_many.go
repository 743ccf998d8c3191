package redisstate

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"

	"github.com/ticketbot/ticketbot/core"
)

var _ core.ManyLimiter = (*Store)(nil)

// AllowMany takes one event from each of keys' allowances under l, in order, in one pipeline
// (core.ManyLimiter): what Allow does key by key, in one round trip instead of one each.
//
// redis_rate has no pipelined Allow, and its script is unexported. Rather than keep a copy of
// the script, AllowMany lets redis_rate build each call against a recorder (scriptCalls),
// which answers it with a stand-in result, and then sends the recorded calls (the same
// script, key and arguments redis_rate sends) in one pipeline; only the reading of the
// answer (allowed count, retry-after seconds) is redone here, as redis_rate's AllowN reads
// it. When Redis answers NOSCRIPT (its script cache was flushed), the first such call is
// asked again through Allow, which loads the script, and the others in one more pipeline.
//
// A pipeline that go-redis sends again after a lost answer (its retry) may take a turn twice
// for each of its keys, as a single Allow retried may for its one: a post then waits one
// turn more, and nothing is lost. Errors: invalid (as Allow), unavailable.
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
	out := make([]core.Decision, len(keys))
	todo := make([]int, len(keys)) // the calls still to answer, by index
	for i := range todo {
		todo[i] = i
	}
	for pass := 0; len(todo) > 0; pass++ {
		cmds := make([]*redis.Cmd, len(todo))
		_, _ = s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
			for j, i := range todo {
				c := rec.calls[i]
				if c.sha {
					cmds[j] = p.EvalSha(ctx, c.script, c.keys, c.args...)
				} else {
					cmds[j] = p.Eval(ctx, c.script, c.keys, c.args...)
				}
			}
			return nil
		})
		var again []int
		loaded := false
		for j, cmd := range cmds {
			i := todo[j]
			err := cmd.Err()
			noScript := err != nil && redis.HasErrorPrefix(err, "NOSCRIPT")
			switch {
			case noScript && pass == 0 && loaded:
				again = append(again, i)
			case noScript:
				// Redis forgot the script: the first such call goes through Allow, which
				// loads it (EVAL), and the others are sent again in one more pipeline (or,
				// forgotten once more, by a Redis Cluster node of its own, one by one).
				d, err := s.Allow(ctx, keys[i], l)
				if err != nil {
					return nil, err
				}
				out[i], loaded = d, true
			case err != nil:
				return nil, wrap(op, err)
			default:
				d, perr := decision(cmd.Val())
				if perr != nil {
					return nil, &core.Error{Code: core.EInternal, Op: op, Message: "unexpected answer from the rate limit script", Err: perr}
				}
				out[i] = d
			}
		}
		todo = again
	}
	return out, nil
}

// decision reads the answer of redis_rate's allowN script, {allowed, remaining,
// retry_after, reset_after} with the two last as strings of seconds, as its AllowN does.
func decision(v any) (core.Decision, error) {
	vs, ok := v.([]any)
	if !ok || len(vs) < 4 {
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

var errNotRecorded = errors.New("redisstate: only script calls are recorded")

func (r *scriptCalls) ScriptExists(context.Context, ...string) *redis.BoolSliceCmd {
	return redis.NewBoolSliceResult(nil, errNotRecorded)
}

func (r *scriptCalls) ScriptLoad(context.Context, string) *redis.StringCmd {
	return redis.NewStringResult("", errNotRecorded)
}

func (r *scriptCalls) Del(context.Context, ...string) *redis.IntCmd {
	return redis.NewIntResult(0, errNotRecorded)
}
