// Package memstate is the in-process twin of redisstate: a core.StateStore and core.Limiter
// kept in one process's memory, for the embedded single-replica default and for fast tests.
// Its limiter follows github.com/go-redis/redis_rate's GCRA exactly, on an injected clock.
package memstate
