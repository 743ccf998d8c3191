// Package redisstate is the shared core.StateStore and core.Limiter on Redis (go-redis v9),
// used when several replicas run side by side; the limiter is redis_rate's GCRA.
// Keys are used as given: callers namespace them ("tb:dedupe:slack:Ev123").
package redisstate
