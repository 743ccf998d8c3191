package redisstate

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/redis/go-redis/v9"

	"github.com/ticketbot/ticketbot/core"
)

// Check pings Redis at start-up and tells an answer that can never work from one that may
// work later. Errors: invalid (permanent: wrong or missing password, a database index the
// server does not have, a server that does not speak Redis), unavailable (unreachable or
// busy for now: worth starting and failing open).
func (s *Store) Check(ctx context.Context) error {
	err := s.client.Ping(ctx).Err()
	if err == nil {
		return nil
	}
	if permanent(err) {
		return &core.Error{Code: core.EInvalid, Op: "redisstate.Check",
			Message: "Redis refuses this configuration: " + err.Error(), Err: err}
	}
	return wrap("redisstate.Check", err)
}

// permanent reports whether err is an answer that retrying cannot change.
func permanent(err error) bool {
	var rerr redis.Error
	if errors.As(err, &rerr) {
		// Server replies: auth and permission errors and "ERR DB index is out of range" are
		// configuration; LOADING, READONLY, CLUSTERDOWN, … pass.
		return redis.IsAuthError(err) || redis.IsPermissionError(err) || !serverUnavailable(err)
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errors.Is(err, redis.ErrClosed) || errors.Is(err, redis.ErrPoolTimeout) {
		return false
	}
	// Anything else is the client failing to read the reply: not a Redis server.
	return true
}
