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
// rediss:// for TLS). It does not connect; use Ping to check the server answers.
// Errors: invalid (bad URL).
func Open(rawURL string) (*Store, error) {
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			ue.URL = "(redacted)" // it may hold a password
		}
		return nil, &core.Error{Code: core.EInvalid, Op: "redisstate.Open",
			Message: "Redis URL must look like redis://[:password@]host:6379/0", Err: err}
	}
	// go-redis waits up to 5 s per dial and retries 3 times: long enough to stall every chat
	// command while Redis is away. Shorter bounds let the service fail open quickly; a URL
	// that sets these options itself (?dial_timeout=…) keeps its own.
	q, _ := url.Parse(rawURL)
	has := func(k string) bool { return q != nil && q.Query().Has(k) }
	if !has("dial_timeout") {
		opts.DialTimeout = time.Second
	}
	if !has("read_timeout") {
		opts.ReadTimeout = 500 * time.Millisecond
	}
	if !has("write_timeout") {
		opts.WriteTimeout = 500 * time.Millisecond
	}
	if !has("max_retries") {
		opts.MaxRetries = 1
	}
	return New(redis.NewClient(opts)), nil
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
