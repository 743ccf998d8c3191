package redisstate_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core/coretest"
	"github.com/ticketbot/ticketbot/core/redisstate"
)

// Each pooled connection holds small buffers, and values larger than them still go through
// whole.
func TestOpenUsesSmallConnectionBuffers(t *testing.T) {
	t.Parallel()
	s, err := redisstate.Open(coretest.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	opts := redisstate.ClientOptionsForTest(s)
	if opts.ReadBufferSize > 4<<10 || opts.WriteBufferSize > 4<<10 {
		t.Errorf("connection buffers %d/%d bytes, want at most 4 KiB each", opts.ReadBufferSize, opts.WriteBufferSize)
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB
	key := "tb:test:bigvalue:" + t.Name()
	if err := s.Set(t.Context(), key, big, time.Minute); err != nil {
		t.Fatal(err)
	}
	defer s.Delete(t.Context(), key)
	got, err := s.Get(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, big) {
		t.Errorf("a 1 MiB value came back as %d bytes", len(got))
	}
}
