package memstate

import (
	"context"
	"sync"

	"github.com/ticketbot/ticketbot/core"
)

// subBuffer is how many messages one subscription holds before new ones are dropped for it,
// as Redis drops a client that reads too slowly.
const subBuffer = 256

// PubSub is the in-process core.PubSub: a publish reaches the subscriptions of this process
// only, which is all there is when Redis is off (one replica). It is safe for concurrent use.
type PubSub struct {
	mu   sync.Mutex
	subs map[string]map[*subscription]struct{}
}

var _ core.PubSub = (*PubSub)(nil)

// NewPubSub returns a PubSub with no subscriptions.
func NewPubSub() *PubSub {
	return &PubSub{subs: map[string]map[*subscription]struct{}{}}
}

// Publish hands a copy of payload to every subscription of topic that has room for it.
func (p *PubSub) Publish(_ context.Context, topic string, payload []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for s := range p.subs[topic] {
		select {
		case s.ch <- clone(payload):
		default:
		}
	}
	return nil
}

// Subscribe listens to topic until the subscription is closed.
func (p *PubSub) Subscribe(_ context.Context, topic string) (core.Subscription, error) {
	s := &subscription{p: p, topic: topic, ch: make(chan []byte, subBuffer)}
	p.mu.Lock()
	if p.subs[topic] == nil {
		p.subs[topic] = map[*subscription]struct{}{}
	}
	p.subs[topic][s] = struct{}{}
	p.mu.Unlock()
	return s, nil
}

type subscription struct {
	p     *PubSub
	topic string
	ch    chan []byte
	once  sync.Once
}

func (s *subscription) Messages() <-chan []byte { return s.ch }

func (s *subscription) Close() error {
	s.once.Do(func() {
		s.p.mu.Lock()
		delete(s.p.subs[s.topic], s)
		close(s.ch)
		s.p.mu.Unlock()
	})
	return nil
}
