package redisstate

import (
	"errors"

	"github.com/redis/go-redis/v9"

	"github.com/ticketbot/ticketbot/core"
)

// wrap turns a go-redis error into a *core.Error under op: unavailable for anything that
// means the server cannot serve us now (network, timeouts, closed client, LOADING, READONLY,
// cluster and auth trouble…), internal for other server replies (WRONGTYPE, script errors).
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var rerr redis.Error
	if errors.As(err, &rerr) && !serverUnavailable(err) {
		return core.Internal(op, err)
	}
	return &core.Error{Code: core.EUnavailable, Op: op, Message: "the state store (Redis) is not reachable",
		Dependency: core.DepStateStore, Err: err}
}

func serverUnavailable(err error) bool {
	return redis.IsLoadingError(err) || redis.IsReadOnlyError(err) ||
		redis.IsClusterDownError(err) || redis.IsTryAgainError(err) ||
		redis.IsMasterDownError(err) || redis.IsMaxClientsError(err) ||
		redis.IsAuthError(err) || redis.IsPermissionError(err) || redis.IsOOMError(err)
}
