// Package redisstate is the shared core.StateStore and core.Limiter on Redis or Redis Cluster
// (go-redis v9), used when several replicas run side by side; the limiter is redis_rate's GCRA.
// Keys are used as given: callers namespace them ("tb:dedupe:slack:Ev123"). Every command the
// Store sends touches one key (GET, SET, SET NX, DEL of one key, and redis_rate's script on
// its one key "rate:"+key), so on a cluster no key needs a hash tag; a multi-key command or
// script added later must put its keys under one hash tag ("tb:{ticket:42}:a", "tb:{ticket:42}:b"),
// or the cluster conformance test fails with CROSSSLOT.
package redisstate
