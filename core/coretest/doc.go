// Package coretest holds the conformance suites every implementation of a core port runs
// (RunStoreSuite for core.Store; RunStateSuite for core.StateStore and core.Limiter) and the
// helpers integration tests share to reach a real MySQL/MariaDB or Redis (MySQLURL, RedisURL).
// It is imported by tests only.
package coretest
