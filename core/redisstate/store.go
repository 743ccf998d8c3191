package redisstate

import (
	"context"
	"errors"
	"net/url"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"

	"github.com/ticketbot/ticketbot/core"
)

// The round trips for many keys the core uses where a store has them.
var _ core.ManySetter = (*Store)(nil)
var _ core.ManyDeleter = (*Store)(nil)

// Store is a core.StateStore and core.Limiter on one Redis (or Redis Cluster) client.
type Store struct {
	client redis.UniversalClient
	lim    *redis_rate.Limiter
}

var (
	_ core.StateStore = (*Store)(nil)
	_ core.Limiter    = (*Store)(nil)
)

// New returns a Store on client; Close closes the client.
func New(client redis.UniversalClient) *Store {
	return &Store{client: client, lim: redis_rate.NewLimiter(client)}
}

// Open returns a Store on the Redis at rawURL ("redis://[:password@]host:6379/0", or
// rediss:// for TLS), or on a Redis Cluster ("redis+cluster://[:password@]host1:6379,host2:6379",
// rediss+cluster:// for TLS). It does not connect; use Ping to check the server answers.
// Errors: invalid (bad URL).
func Open(rawURL string) (*Store, error) {
	if isClusterURL(rawURL) {
		return openCluster(rawURL)
	}
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, invalidURL("Redis URL must look like redis://[:password@]host:6379/0", err)
	}
	q, _ := url.Parse(rawURL)
	shortTimeouts(q.Query(), &opts.DialTimeout, &opts.ReadTimeout, &opts.WriteTimeout, &opts.MaxRetries)
	contextBudgets(q.Query(), &opts.PoolTimeout, &opts.ContextTimeoutEnabled)
	smallBuffers(&opts.ReadBufferSize, &opts.WriteBufferSize)
	return New(redis.NewClient(opts)), nil
}

// connBuffer is the read and the write buffer of each pooled connection. go-redis's 32 KiB
// default is for large values and pipelines; ticketbot sends short commands and reads short
// replies (a larger one is still read whole, in more than one read), and with the pool's
// 10 connections per CPU the default buffers alone held over 1 MB.
const connBuffer = 4 << 10

// smallBuffers sets the connection buffers to connBuffer (no URL option sets them).
func smallBuffers(read, write *int) {
	*read, *write = connBuffer, connBuffer
}

// invalidURL is Open's error for a URL that does not parse, with the URL (which may hold a
// password) cut out of err.
func invalidURL(message string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = "(redacted)"
	}
	return &core.Error{Code: core.EInvalid, Op: "redisstate.Open", Message: message, Err: err}
}

// shortTimeouts sets the bounds a URL's options q leave unset. go-redis waits up to 5 s per
// dial and retries 3 times: long enough to stall every chat command while Redis is away.
// Shorter bounds let the service fail open quickly; a URL that sets these options itself
// (?dial_timeout=…) keeps its own.
func shortTimeouts(q url.Values, dial, read, write *time.Duration, retries *int) {
	if !q.Has("dial_timeout") {
		*dial = time.Second
	}
	if !q.Has("read_timeout") {
		*read = 500 * time.Millisecond
	}
	if !q.Has("write_timeout") {
		*write = 500 * time.Millisecond
	}
	if !q.Has("max_retries") {
		*retries = 1
	}
}

// contextBudgets makes go-redis keep to its callers' deadlines (core.FailOpen gives each call
// a short one; without this go-redis would wait out the read timeout) and wait at most a
// second for a free connection while every one is stuck in a black hole.
func contextBudgets(q url.Values, pool *time.Duration, ctxTimeouts *bool) {
	if !q.Has("pool_timeout") {
		*pool = time.Second
	}
	*ctxTimeouts = true
}

// Get returns the value of key. Errors: not_found (missing or expired), unavailable.
func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	v, err := s.client.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, &core.Error{Code: core.ENotFound, Op: "redisstate.Get", Message: "key not found"}
	}
	if err != nil {
		return nil, wrap("redisstate.Get", err)
	}
	return v, nil
}

// Set stores value under key for ttl; a ttl of zero or less never expires.
// Errors: unavailable.
func (s *Store) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	return wrap("redisstate.Set", s.client.Set(ctx, key, value, noKeepTTL(ttl)).Err())
}

// SetMany stores each value under its key for ttl, in one pipeline (one round trip; not a
// transaction: under Redis Cluster the keys may live on different nodes). Errors: unavailable.
func (s *Store) SetMany(ctx context.Context, kvs []core.KeyValue, ttl time.Duration) error {
	if len(kvs) == 0 {
		return nil
	}
	_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, kv := range kvs {
			p.Set(ctx, kv.Key, kv.Value, noKeepTTL(ttl))
		}
		return nil
	})
	return wrap("redisstate.SetMany", err)
}

// DeleteMany removes each of keys in one pipeline of DELs, one key each (one round trip;
// one DEL of many keys would fail across Redis Cluster's slots). Errors: unavailable.
func (s *Store) DeleteMany(ctx context.Context, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range keys {
			p.Del(ctx, k)
		}
		return nil
	})
	return wrap("redisstate.DeleteMany", err)
}

// Delete removes key; a missing key is not an error. Errors: unavailable.
func (s *Store) Delete(ctx context.Context, key string) error {
	return wrap("redisstate.Delete", s.client.Del(ctx, key).Err())
}

// MarkSeen records key for ttl with SET NX and reports whether it was already recorded.
// A ttl of zero or less never expires. Errors: unavailable.
func (s *Store) MarkSeen(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	set, err := s.client.SetNX(ctx, key, "1", noKeepTTL(ttl)).Result()
	if err != nil {
		return false, wrap("redisstate.MarkSeen", err)
	}
	return !set, nil
}

// Ping checks the server answers. Errors: unavailable.
func (s *Store) Ping(ctx context.Context) error {
	return wrap("redisstate.Ping", s.client.Ping(ctx).Err())
}

// Close closes the client.
func (s *Store) Close() error {
	if err := s.client.Close(); err != nil {
		return wrap("redisstate.Close", err)
	}
	return nil
}

// noKeepTTL maps every ttl ≤ 0 to 0 (no expiry): go-redis reads -1 as KEEPTTL and sends
// other negative values to the server, which rejects them.
func noKeepTTL(ttl time.Duration) time.Duration { return max(ttl, 0) }
