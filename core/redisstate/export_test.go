package redisstate

import "github.com/redis/go-redis/v9"

// ClientOptionsForTest are the options of s's client (a single Redis's).
func ClientOptionsForTest(s *Store) *redis.Options { return s.client.(*redis.Client).Options() }
