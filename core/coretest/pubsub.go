package coretest

import (
	"bytes"
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// pubsubWait bounds how long a suite waits for a message that must arrive.
const pubsubWait = 5 * time.Second

// RunPubSubSuite checks that a core.PubSub behaves as the port says, and that core.Live
// carries ticket changes over it scoped to what each listener may see. newPair is called once
// per subtest and returns two handles on the same bus: for Redis two clients (two replicas),
// for the in-process twin the same one twice. Topics are random per subtest, so runs sharing
// a server do not collide.
func RunPubSubSuite(t *testing.T, newPair func(t *testing.T) (a, b core.PubSub)) {
	cases := []struct {
		name string
		run  func(t *testing.T, a, b core.PubSub, topic string)
	}{
		{"a message reaches every subscriber in order", pubsubOrder},
		{"a message reaches only its topic", pubsubTopics},
		{"publishing without subscribers is no error", pubsubNobody},
		{"close ends the subscription", pubsubClose},
		{"live events reach other replicas scoped to the listener", liveScoped},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			a, b := newPair(t)
			c.run(t, a, b, "tb:test:"+rand.Text()[:12])
		})
	}
}

func subscribe(t *testing.T, ps core.PubSub, topic string) core.Subscription {
	t.Helper()
	sub, err := ps.Subscribe(t.Context(), topic)
	if err != nil {
		t.Fatalf("Subscribe(%s): %v", topic, err)
	}
	t.Cleanup(func() { _ = sub.Close() })
	return sub
}

func receive(t *testing.T, sub core.Subscription) []byte {
	t.Helper()
	select {
	case m, ok := <-sub.Messages():
		if !ok {
			t.Fatal("subscription closed before the message arrived")
		}
		return m
	case <-time.After(pubsubWait):
		t.Fatal("no message within 5s")
	}
	return nil
}

func publish(t *testing.T, ps core.PubSub, topic, msg string) {
	t.Helper()
	if err := ps.Publish(t.Context(), topic, []byte(msg)); err != nil {
		t.Fatalf("Publish: %v", err)
	}
}

func pubsubOrder(t *testing.T, a, b core.PubSub, topic string) {
	s1, s2 := subscribe(t, b, topic), subscribe(t, a, topic)
	for _, m := range []string{"one", "two", "three"} {
		publish(t, a, topic, m)
	}
	for _, sub := range []core.Subscription{s1, s2} {
		for _, want := range []string{"one", "two", "three"} {
			if got := receive(t, sub); !bytes.Equal(got, []byte(want)) {
				t.Fatalf("got %q, want %q", got, want)
			}
		}
	}
}

func pubsubTopics(t *testing.T, a, b core.PubSub, topic string) {
	other := subscribe(t, b, topic+":other")
	mine := subscribe(t, b, topic)
	publish(t, a, topic, "mine")
	publish(t, a, topic+":other", "other")
	if got := receive(t, mine); string(got) != "mine" {
		t.Fatalf("topic got %q", got)
	}
	if got := receive(t, other); string(got) != "other" {
		t.Fatalf("other topic got %q, want only its own message", got)
	}
}

func pubsubNobody(t *testing.T, a, _ core.PubSub, topic string) {
	publish(t, a, topic, "anyone?")
}

func pubsubClose(t *testing.T, a, b core.PubSub, topic string) {
	sub := subscribe(t, b, topic)
	if err := sub.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := sub.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	publish(t, a, topic, "after close")
	deadline := time.After(pubsubWait)
	for {
		select {
		case m, ok := <-sub.Messages():
			if !ok {
				return
			}
			t.Fatalf("closed subscription got %q", m)
		case <-deadline:
			t.Fatal("Messages was not closed by Close")
		}
	}
}

// liveScoped runs two Lives (two replicas): a change published on one reaches the other's
// listeners that may see the ticket, and only them.
func liveScoped(t *testing.T, a, b core.PubSub, topic string) {
	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(cancel)
	la := core.NewLive(core.LiveConfig{PubSub: a, Topic: topic})
	lb := core.NewLive(core.LiveConfig{PubSub: b, Topic: topic})
	go la.Run(ctx)
	go lb.Run(ctx)
	for _, l := range []*core.Live{la, lb} {
		select {
		case <-l.Ready():
		case <-time.After(pubsubWait):
			t.Fatal("Live never subscribed")
		}
	}
	acme := core.Workspace{Platform: core.PlatformSlack, ExternalID: "TACME"}
	other := core.Workspace{Platform: core.PlatformDiscord, ExternalID: "42"}
	dashboard, stopDash := lb.Listen(core.Actor{User: core.UserRef{ID: "web:dana"}, Role: core.RoleStaff}, 0)
	defer stopDash()
	acmeStaff, stopAcme := lb.Listen(core.Actor{User: core.UserRef{ID: "U1"}, Role: core.RoleStaff, Workspace: acme}, 0)
	defer stopAcme()
	oneTicket, stopOne := lb.Listen(core.Actor{User: core.UserRef{ID: "web:dana"}, Role: core.RoleStaff}, 7)
	defer stopOne()
	requester, stopReq := lb.Listen(core.Actor{User: core.UserRef{ID: "U9"}, Role: core.RoleRequester, Workspace: acme}, 0)
	defer stopReq()

	la.Publish(core.LiveEvent{TicketID: 5, Workspace: other, Reporter: "U8"})
	la.Publish(core.LiveEvent{TicketID: 6, Workspace: acme, Reporter: "U8"})
	la.Publish(core.LiveEvent{TicketID: 7, Workspace: acme, Reporter: "U9", Internal: true})
	la.Publish(core.LiveEvent{TicketID: 7, Workspace: acme, Reporter: "U9"})
	// The last event is one every listener may hear of: once it arrived, each listener has
	// had everything it will get.
	la.Publish(core.LiveEvent{TicketID: 7, Workspace: acme, Reporter: "U9"})
	want := map[string][]int64{
		"unbound staff":  {5, 6, 7, 7, 7},
		"acme staff":     {6, 7, 7, 7},
		"ticket 7":       {7, 7, 7},
		"requester of 7": {7, 7},
	}
	for name, ch := range map[string]<-chan core.LiveEvent{"unbound staff": dashboard, "acme staff": acmeStaff, "ticket 7": oneTicket, "requester of 7": requester} {
		var got []int64
		for len(got) < len(want[name]) {
			select {
			case ev := <-ch:
				got = append(got, ev.TicketID)
			case <-time.After(pubsubWait):
				t.Fatalf("%s got %v, want %v", name, got, want[name])
			}
		}
		if !equalIDs(got, want[name]) {
			t.Errorf("%s got %v, want %v", name, got, want[name])
		}
		select { // events arrive in order, and the last one reaches everybody
		case ev := <-ch:
			t.Errorf("%s got an extra event %+v", name, ev)
		default:
		}
	}
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
