package redisstate_test

import (
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/redisstate"
)

func TestOpenClusterURLs(t *testing.T) {
	for _, good := range []string{
		"redis+cluster://127.0.0.1:7000,127.0.0.1:7001",
		"redis+cluster://:s3cret@node1,node2:7001,node3:7002/0",
		"rediss+cluster://user:s3cret@node1:6379?dial_timeout=2s",
		"redis+cluster://node1:6379",
	} {
		s, err := redisstate.Open(good)
		if err != nil {
			t.Errorf("Open(%q) = %v", good, err)
			continue
		}
		_ = s.Close()
	}
	for _, bad := range []string{
		"redis+cluster://",
		"redis+cluster://:s3cret@node1,,node2",
		"redis+cluster://:s3cret@node1:port",
		"redis+cluster://:s3cret@node1:6379/3",
		"redis+cluster://:s3cret@node1:6379?dial_timeout=soon",
		"redis+cluster://:s3cret@node1:6379?nonsense=1",
		"redis+cluster://:s3cret@node1:6379?%zz",
	} {
		_, err := redisstate.Open(bad)
		if !core.IsCode(err, core.EInvalid) {
			t.Errorf("Open(%q) = %v, want invalid", bad, err)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Open(%q) error shows the password: %v", bad, err)
		}
	}
}
