package core_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
	"github.com/ticketbot/ticketbot/core/gormstore"
)

// batcher is a BatchNotifier: it records the batches it is handed, delivers through a
// recorder, and its batches' Finish fails while failFinish is set.
type batcher struct {
	recorder
	bmu        sync.Mutex
	batches    [][]int64
	finished   int
	failFinish bool
}

func (b *batcher) Batch(ctx context.Context, evs []core.Event) (core.Notifier, error) {
	b.bmu.Lock()
	defer b.bmu.Unlock()
	var ids []int64
	for _, ev := range evs {
		ids = append(ids, ev.ID)
	}
	b.batches = append(b.batches, ids)
	return batchOf{b}, nil
}

type batchOf struct{ b *batcher }

func (o batchOf) Platform() core.Platform                         { return o.b.Platform() }
func (o batchOf) Notify(ctx context.Context, ev core.Event) error { return o.b.Notify(ctx, ev) }
func (o batchOf) Finish(ctx context.Context) error {
	o.b.bmu.Lock()
	defer o.b.bmu.Unlock()
	o.b.finished++
	if o.b.failFinish {
		return errors.New("could not record the batch")
	}
	return nil
}

func TestDispatcherHandsABatchNotifierEachBatchAndFinishesItBeforeMarking(t *testing.T) {
	eachBackend(t, func(t *testing.T, svc *core.Service, st *gormstore.Store) {
		ctx := context.Background()
		for range 3 {
			mustOpen(t, svc, actor(wsA, "U1", core.RoleRequester), "batched")
		}
		clk := coretest.NewFakeClock(time.Now().Add(time.Second))
		n := &batcher{failFinish: true}
		d := newDispatcher(t, st, clk, n, "a")
		if _, err := d.Pass(ctx); err != nil {
			t.Fatal(err)
		}
		if len(n.batches) != 1 || len(n.batches[0]) != 3 || n.finished != 1 {
			t.Fatalf("batches %v, finished %d; want the 3 events in one batch, finished once", n.batches, n.finished)
		}
		if len(n.events()) != 3 {
			t.Fatalf("%d events delivered through the batch, want 3", len(n.events()))
		}
		// Finish failed: what the deliveries left to record is missing, so none is marked.
		if got := pending(t, st); got != 3 {
			t.Fatalf("%d events pending after a failed Finish, want 3 (released for a retry)", got)
		}
		if d.Stats().Failed != 3 || d.Stats().Delivered != 0 {
			t.Fatalf("stats %+v, want 3 failed and none delivered", d.Stats())
		}
		// Released with a backoff: due again later, then delivered and marked.
		n.failFinish = false
		clk.Advance(2 * time.Minute)
		if _, err := d.Pass(ctx); err != nil {
			t.Fatal(err)
		}
		if got := pending(t, st); got != 0 {
			t.Fatalf("%d events pending after a finished batch, want 0", got)
		}
	})
}

// gate is a notifier that holds the delivery of the first ticket's event until another
// event was delivered.
type gate struct {
	mu       sync.Mutex
	held     int64 // the ticket whose event waits
	others   chan struct{}
	timedOut bool
}

func (g *gate) Platform() core.Platform { return core.PlatformSlack }

func (g *gate) Notify(ctx context.Context, ev core.Event) error {
	g.mu.Lock()
	if g.held == 0 {
		g.held = ev.TicketID
	}
	held := g.held == ev.TicketID
	g.mu.Unlock()
	if !held {
		select {
		case g.others <- struct{}{}:
		default:
		}
		return nil
	}
	select {
	case <-g.others:
	case <-time.After(10 * time.Second):
		g.mu.Lock()
		g.timedOut = true
		g.mu.Unlock()
	}
	return nil
}

func TestRunDeliversTheNextBatchWhileASlowDeliveryOfTheLastGoesOn(t *testing.T) {
	eachBackend(t, func(t *testing.T, svc *core.Service, st *gormstore.Store) {
		for range 2 {
			mustOpen(t, svc, actor(wsA, "U1", core.RoleRequester), "one at a time")
		}
		g := &gate{others: make(chan struct{}, 1)}
		// One event a batch, two workers: the second ticket's event is in the next batch.
		d := core.NewDispatcher(core.DispatcherConfig{Outbox: st, Owner: "a", Batch: 1, Workers: 2, Lease: time.Minute})
		if err := d.Register(g); err != nil {
			t.Fatal(err)
		}
		runUntilDrained(t, st, d)
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.timedOut {
			t.Fatal("the next batch waited for the slow delivery of the last one")
		}
	})
}
