package core_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/gormstore"
)

// runUntilDrained runs ds until the outbox is empty (or a minute passes), then stops them.
func runUntilDrained(t *testing.T, st core.Outbox, ds ...*core.Dispatcher) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, d := range ds {
		wg.Go(func() { d.Run(ctx) })
	}
	deadline := time.Now().Add(time.Minute)
	for pending(t, st) > 0 && time.Now().Before(deadline) {
		for _, d := range ds {
			d.Kick()
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	if n := pending(t, st); n > 0 {
		t.Fatalf("%d events still pending after a minute", n)
	}
}

func TestRunningReplicasDeliverEachEventOnceInTicketOrder(t *testing.T) {
	eachBackend(t, func(t *testing.T, svc *core.Service, st *gormstore.Store) {
		ctx := context.Background()
		staff := actor(wsA, "S1", core.RoleStaff)
		var ids []int64
		for range 40 {
			ids = append(ids, mustOpen(t, svc, staff, "many").ID)
		}
		// Runs of changes on a few tickets, interleaved, must each arrive in order while two
		// replicas run side by side.
		for _, s := range []core.Status{core.StatusInProgress, core.StatusWaiting, core.StatusInProgress, core.StatusResolved, core.StatusClosed} {
			for _, id := range ids[:4] {
				if _, err := svc.SetStatus(ctx, staff, id, s, ""); err != nil {
					t.Fatal(err)
				}
			}
		}
		n := &recorder{delay: time.Millisecond}
		d1 := newDispatcher(t, st, core.SystemClock{}, n, "one")
		d2 := newDispatcher(t, st, core.SystemClock{}, n, "two")
		runUntilDrained(t, st, d1, d2)
		got := n.events()
		seen := map[int64]int{}
		lastOfTicket := map[int64]int64{}
		for _, ev := range got {
			seen[ev.ID]++
			if ev.ID < lastOfTicket[ev.TicketID] {
				t.Errorf("ticket %d: event %d delivered after %d", ev.TicketID, ev.ID, lastOfTicket[ev.TicketID])
			}
			lastOfTicket[ev.TicketID] = ev.ID
		}
		if want := 40 + 4*5; len(got) != want || len(seen) != want {
			t.Fatalf("delivered %d events (%d distinct), want %d once each", len(got), len(seen), want)
		}
		if n.overlap {
			t.Fatal("two replicas held the same event at once")
		}
	})
}

// countingOutbox counts the claims made of its Outbox, and says on claimed when one starts.
type countingOutbox struct {
	core.Outbox
	claims  atomic.Int32
	claimed chan struct{} // one signal per claim; a waiter takes them
}

func newCountingOutbox(o core.Outbox) *countingOutbox {
	return &countingOutbox{Outbox: o, claimed: make(chan struct{}, 64)}
}

func (o *countingOutbox) ClaimEvents(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int, platforms ...core.Platform) ([]core.Event, error) {
	o.claims.Add(1)
	select {
	case o.claimed <- struct{}{}:
	default:
	}
	return o.Outbox.ClaimEvents(ctx, owner, now, lease, limit, platforms...)
}

// slowReader is a BatchNotifier whose first Batch (the read of a batch's tickets) waits, up
// to 5 s, for the next claim to start.
type slowReader struct {
	recorder
	out        *countingOutbox
	first      sync.Once
	overlapped atomic.Bool
}

func (r *slowReader) Batch(ctx context.Context, evs []core.Event) (core.Notifier, error) {
	r.first.Do(func() {
		timeout := time.After(5 * time.Second)
		for r.out.claims.Load() < 2 {
			select {
			case <-r.out.claimed:
			case <-timeout:
				return
			}
		}
		r.overlapped.Store(true)
	})
	return &r.recorder, nil
}

func TestRunClaimsTheNextBatchWhileOneIsRead(t *testing.T) {
	eachBackend(t, func(t *testing.T, svc *core.Service, st *gormstore.Store) {
		for range 6 {
			mustOpen(t, svc, actor(wsA, "U1", core.RoleRequester), "a backlog")
		}
		out := newCountingOutbox(st)
		n := &slowReader{out: out}
		d := core.NewDispatcher(core.DispatcherConfig{Outbox: out, Owner: "pipelined", Batch: 2, Lease: time.Minute})
		if err := d.Register(n); err != nil {
			t.Fatal(err)
		}
		runUntilDrained(t, st, d)
		if !n.overlapped.Load() {
			t.Error("the second batch was claimed only after the first was read")
		}
		if got := len(n.events()); got != 6 {
			t.Errorf("%d events delivered, want 6", got)
		}
	})
}

// gatedReader is a BatchNotifier whose first Batch calls during (which opens tickets and
// kicks the dispatcher, each open a database write), then notes whether a claim came
// meanwhile; it records each batch's size.
type gatedReader struct {
	recorder
	out    *countingOutbox
	during func()
	mu     sync.Mutex
	sizes  []int
	first  sync.Once
	early  atomic.Bool // a claim came while the first batch was read
}

func (r *gatedReader) Batch(ctx context.Context, evs []core.Event) (core.Notifier, error) {
	r.mu.Lock()
	r.sizes = append(r.sizes, len(evs))
	r.mu.Unlock()
	r.first.Do(func() {
		claims := r.out.claims.Load()
		r.during()
		r.early.Store(r.out.claims.Load() > claims)
	})
	return &r.recorder, nil
}

func TestRunWithoutABacklogClaimsWhatCameDuringARead(t *testing.T) {
	eachBackend(t, func(t *testing.T, svc *core.Service, st *gormstore.Store) {
		requester := actor(wsA, "U1", core.RoleRequester)
		for range 2 {
			mustOpen(t, svc, requester, "first")
		}
		out := newCountingOutbox(st)
		var d *core.Dispatcher
		n := &gatedReader{out: out}
		n.during = func() {
			for range 3 {
				mustOpen(t, svc, requester, "during the read")
				d.Kick()
			}
		}
		d = core.NewDispatcher(core.DispatcherConfig{Outbox: out, Owner: "gated", Batch: 4, Lease: time.Minute})
		if err := d.Register(n); err != nil {
			t.Fatal(err)
		}
		runUntilDrained(t, st, d)
		if n.early.Load() {
			t.Error("a batch that was not full was still being read when the next claim came")
		}
		n.mu.Lock()
		defer n.mu.Unlock()
		if len(n.sizes) != 2 || n.sizes[1] != 3 {
			t.Errorf("batches of %v events, want [2 3]: the three opened during the first read in one batch", n.sizes)
		}
	})
}
