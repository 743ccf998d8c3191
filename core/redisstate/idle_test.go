package redisstate_test

import (
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core/coretest"
)

// An idle subscription on a store opened with the short default timeouts (500 ms reads)
// stays up: it reports no break and still hears a message after a few seconds of quiet.
func TestPubSubIdleSubscriptionStaysUp(t *testing.T) {
	t.Parallel()
	ps := pubsubClient(t, coretest.RedisURL(t))
	sub, err := ps.Subscribe(t.Context(), "tb:test:idle")
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	quiet := time.After(3 * time.Second)
	for waiting := true; waiting; {
		select {
		case m := <-sub.Messages():
			t.Fatalf("an idle subscription got %q (nil: it broke and came back)", m)
		case <-quiet:
			waiting = false
		}
	}
	if err := ps.Publish(t.Context(), "tb:test:idle", []byte("still here")); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-sub.Messages():
		if string(m) != "still here" {
			t.Fatalf("got %q", m)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the message after the quiet never came")
	}
}
