package core_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/gormstore"
)

// A delivery that outlasts the lease keeps its event: the heartbeat renews the lease, so a
// second dispatcher polling all along never takes it and it is delivered once.
func TestDispatcherHeartbeatKeepsALongDeliveryLeased(t *testing.T) {
	eachBackend(t, func(t *testing.T, svc *core.Service, st *gormstore.Store) {
		mustOpen(t, svc, actor(wsA, "U1", core.RoleRequester), "slow card")
		n := &recorder{delay: 1500 * time.Millisecond}
		cfg := core.DispatcherConfig{Outbox: st, Lease: 300 * time.Millisecond, Owner: "one"}
		d1 := core.NewDispatcher(cfg)
		cfg.Owner = "two"
		d2 := core.NewDispatcher(cfg)
		for _, d := range []*core.Dispatcher{d1, d2} {
			if err := d.Register(n); err != nil {
				t.Fatal(err)
			}
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			if err := d1.Flush(t.Context()); err != nil {
				t.Error(err)
			}
		}()
		for {
			select {
			case <-done:
				if got := len(n.events()); got != 1 || n.overlap {
					t.Fatalf("delivered %d times (overlap %v), want once", got, n.overlap)
				}
				return
			default:
			}
			if _, err := d2.Pass(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// hangingNotifier blocks every delivery until its context ends.
type hangingNotifier struct{ started atomic.Int64 }

func (*hangingNotifier) Platform() core.Platform { return core.PlatformSlack }

func (h *hangingNotifier) Notify(ctx context.Context, _ core.Event) error {
	h.started.Add(1)
	<-ctx.Done()
	return ctx.Err()
}

// Cut ends a hanging delivery at once and releases its event due now (no backoff), so the
// next dispatcher delivers it without waiting for a lease or a retry delay.
func TestDispatcherCutReleasesHangingDeliveries(t *testing.T) {
	eachBackend(t, func(t *testing.T, svc *core.Service, st *gormstore.Store) {
		mustOpen(t, svc, actor(wsA, "U1", core.RoleRequester), "hanging platform")
		h := &hangingNotifier{}
		d1 := core.NewDispatcher(core.DispatcherConfig{Outbox: st, Owner: "one", Timeout: time.Hour, BackoffBase: time.Hour})
		if err := d1.Register(h); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, _ = d1.Pass(context.Background())
		}()
		for h.started.Load() == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		start := time.Now()
		d1.Cut()
		<-done
		if took := time.Since(start); took > 2*time.Second {
			t.Fatalf("Pass returned %v after Cut", took)
		}
		if n, _ := d1.Pass(t.Context()); n != 0 {
			t.Fatalf("a cut dispatcher claimed %d events", n)
		}
		n := &recorder{}
		d2 := newDispatcher(t, st, core.SystemClock{}, n, "two")
		if err := d2.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
		if len(n.events()) != 1 {
			t.Fatalf("the next dispatcher delivered %d events, want the released one", len(n.events()))
		}
	})
}
