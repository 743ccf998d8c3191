package redisstate

import (
	"context"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/ticketbot/ticketbot/core"
)

// subBuffer is how many messages one subscription holds for a slow reader.
const subBuffer = 256

var _ core.PubSub = (*Store)(nil)

// Publish sends payload to topic with PUBLISH, or on a Redis Cluster with SPUBLISH (sharded
// Pub/Sub, Redis 7): the topic's shard serves every publisher and subscriber, so messages keep
// their order (a plain PUBLISH goes to any node and reaches the others over the cluster bus,
// out of order) and do not load the whole bus. Errors: unavailable.
func (s *Store) Publish(ctx context.Context, topic string, payload []byte) error {
	if c, ok := s.client.(*redis.ClusterClient); ok {
		return wrap("redisstate.Publish", c.SPublish(ctx, topic, payload).Err())
	}
	return wrap("redisstate.Publish", s.client.Publish(ctx, topic, payload).Err())
}

// Subscribe listens to topic (SSUBSCRIBE on a Redis Cluster, see Publish) on a connection of
// its own and returns once Redis confirmed the subscription. go-redis pings the connection and subscribes again after a reconnection;
// what is published while it is away is lost (PubSub's contract).
// Errors: unavailable.
func (s *Store) Subscribe(ctx context.Context, topic string) (core.Subscription, error) {
	var ps *redis.PubSub
	if c, ok := s.client.(*redis.ClusterClient); ok {
		ps = c.SSubscribe(ctx, topic)
	} else {
		ps = s.client.Subscribe(ctx, topic)
	}
	if _, err := ps.Receive(ctx); err != nil {
		_ = ps.Close()
		return nil, wrap("redisstate.Subscribe", err)
	}
	sub := &subscription{ps: ps, ch: make(chan []byte, subBuffer), done: make(chan struct{})}
	go sub.pump(ps.ChannelWithSubscriptions(redis.WithChannelSize(subBuffer)))
	return sub, nil
}

// subscription turns go-redis messages into payloads.
type subscription struct {
	ps   *redis.PubSub
	ch   chan []byte
	done chan struct{}
	once sync.Once
}

// pump hands on messages; a subscription confirmation after the first (read by Subscribe)
// means go-redis reconnected and subscribed again, which it says with a nil payload.
func (s *subscription) pump(in <-chan any) {
	defer close(s.ch)
	for {
		select {
		case <-s.done:
			return
		case m, ok := <-in:
			if !ok {
				return
			}
			var out []byte
			switch m := m.(type) {
			case *redis.Message:
				out = []byte(m.Payload)
			case *redis.Subscription:
				if m.Kind != "subscribe" && m.Kind != "ssubscribe" {
					continue
				}
			default:
				continue
			}
			select {
			case s.ch <- out:
			case <-s.done:
				return
			}
		}
	}
}

func (s *subscription) Messages() <-chan []byte { return s.ch }

func (s *subscription) Close() error {
	var err error
	s.once.Do(func() {
		close(s.done)
		err = s.ps.Close()
	})
	return wrap("redisstate.Subscribe", err)
}
