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

// recorder is a Notifier that fails as told and records what it saw.
type recorder struct {
	mu        sync.Mutex
	failFirst int
	fail      func(ev core.Event) error
	calls     int
	delivered []core.Event
	inflight  map[int64]bool
	overlap   bool
	delay     time.Duration
}

func (r *recorder) Platform() core.Platform { return core.PlatformSlack }

func (r *recorder) Notify(ctx context.Context, ev core.Event) error {
	r.mu.Lock()
	if r.inflight == nil {
		r.inflight = map[int64]bool{}
	}
	if r.inflight[ev.ID] {
		r.overlap = true
	}
	r.inflight[ev.ID] = true
	r.calls++
	call := r.calls
	r.mu.Unlock()
	time.Sleep(r.delay)
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.inflight, ev.ID)
	if call <= r.failFirst {
		return errors.New("slack is down")
	}
	if r.fail != nil {
		if err := r.fail(ev); err != nil {
			return err
		}
	}
	r.delivered = append(r.delivered, ev)
	return nil
}

func (r *recorder) events() []core.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]core.Event(nil), r.delivered...)
}

func newDispatcher(t *testing.T, st core.Outbox, clk core.Clock, n core.Notifier, owner string) *core.Dispatcher {
	d := core.NewDispatcher(core.DispatcherConfig{Outbox: st, Clock: clk, Owner: owner, BackoffBase: time.Second, BackoffMax: time.Minute, Lease: time.Minute})
	if err := d.Register(n); err != nil {
		t.Fatal(err)
	}
	return d
}

func pending(t *testing.T, st core.Outbox) int64 {
	n, err := st.PendingEvents(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDispatcherRetriesWithBackoffUntilDelivered(t *testing.T) {
	eachBackend(t, func(t *testing.T, svc *core.Service, st *gormstore.Store) {
		ctx := context.Background()
		mustOpen(t, svc, actor(wsA, "U1", core.RoleRequester), "retry me")
		clk := coretest.NewFakeClock(time.Now().Add(time.Second)) // the event is due
		n := &recorder{failFirst: 3}
		d := newDispatcher(t, st, clk, n, "a")
		for attempt := 1; attempt <= 3; attempt++ {
			if c, err := d.Pass(ctx); err != nil || c != 1 {
				t.Fatalf("attempt %d: claimed %d, %v", attempt, c, err)
			}
			if len(n.events()) != 0 {
				t.Fatalf("delivered on failing attempt %d", attempt)
			}
			// Not due again before the backoff: base·2^(attempt-1) minus the 20% jitter.
			before := time.Duration(float64(time.Second<<(attempt-1)) * 0.75)
			clk.Advance(before)
			if c, _ := d.Pass(ctx); c != 0 {
				t.Fatalf("attempt %d retried after %v, before its backoff", attempt, before)
			}
			clk.Advance(time.Second << attempt)
		}
		if _, err := d.Pass(ctx); err != nil {
			t.Fatal(err)
		}
		got := n.events()
		if len(got) != 1 || got[0].Kind != core.EventTicketOpened || got[0].Attempts != 4 {
			t.Fatalf("delivered = %+v", got)
		}
		if p := pending(t, st); p != 0 {
			t.Fatalf("pending = %d after delivery", p)
		}
		if s := d.Stats(); s.Failed != 3 || s.Delivered != 1 {
			t.Fatalf("stats = %+v", s)
		}
	})
}

func TestDispatcherHonoursRetryAfterAndPermanentErrors(t *testing.T) {
	eachBackend(t, func(t *testing.T, svc *core.Service, st *gormstore.Store) {
		ctx := context.Background()
		clk := coretest.NewFakeClock(time.Now().Add(time.Second))
		calls := 0
		n := &recorder{fail: func(ev core.Event) error {
			calls++
			switch calls {
			case 1:
				return core.RetryAfter(errors.New("429"), 30*time.Second)
			case 2:
				return core.Permanent(errors.New("cannot_dm_bot"))
			}
			return nil
		}}
		mustOpen(t, svc, actor(wsA, "U1", core.RoleRequester), "rate limited")
		d := newDispatcher(t, st, clk, n, "a")
		if c, _ := d.Pass(ctx); c != 1 {
			t.Fatal("the event was not claimed")
		}
		clk.Advance(20 * time.Second)
		if c, _ := d.Pass(ctx); c != 0 {
			t.Fatal("retried before Retry-After")
		}
		clk.Advance(11 * time.Second)
		d.Pass(ctx)
		if calls != 2 || pending(t, st) != 0 || d.Stats().Dropped != 1 {
			t.Fatalf("calls=%d pending=%d stats=%+v: a permanent failure must end the event", calls, pending(t, st), d.Stats())
		}
	})
}

func TestDispatcherDeliversPendingEventsAfterRestart(t *testing.T) {
	for name, url := range backends() {
		t.Run(name, func(t *testing.T) {
			u := url(t)
			first := openStore(t, u)
			mustOpen(t, newService(t, first), actor(wsA, "U1", core.RoleRequester), "before restart")
			first.Close() // the process stops before its dispatcher ran

			second := openStore(t, u)
			n := &recorder{}
			d := newDispatcher(t, second, core.SystemClock{}, n, "after-restart")
			if err := d.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got := n.events(); len(got) != 1 || got[0].Kind != core.EventTicketOpened {
				t.Fatalf("delivered after restart = %+v", got)
			}
		})
	}
}

func TestTwoDispatchersNeverDeliverTheSameEventTogether(t *testing.T) {
	eachBackend(t, func(t *testing.T, svc *core.Service, st *gormstore.Store) {
		ctx := context.Background()
		staff := actor(wsA, "S1", core.RoleStaff)
		var ids []int64
		for range 12 {
			ids = append(ids, mustOpen(t, svc, staff, "many").ID)
		}
		// A run of changes on one ticket must arrive in order.
		for _, s := range []core.Status{core.StatusInProgress, core.StatusWaiting, core.StatusInProgress, core.StatusResolved, core.StatusClosed} {
			if _, err := svc.SetStatus(ctx, staff, ids[0], s, ""); err != nil {
				t.Fatal(err)
			}
		}
		n := &recorder{delay: 3 * time.Millisecond}
		d1 := newDispatcher(t, st, core.SystemClock{}, n, "one")
		d2 := newDispatcher(t, st, core.SystemClock{}, n, "two")
		var wg sync.WaitGroup
		for _, d := range []*core.Dispatcher{d1, d2} {
			wg.Go(func() {
				for range 20 {
					if err := d.Flush(ctx); err != nil {
						t.Error(err)
					}
				}
			})
		}
		wg.Wait()
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
		if len(got) != 17 || len(seen) != 17 {
			t.Fatalf("delivered %d events (%d distinct), want 17 once each", len(got), len(seen))
		}
		if n.overlap {
			t.Fatal("two dispatchers held the same event at once")
		}
	})
}

func TestDispatcherLeavesEventsOfPlatformsWithoutNotifier(t *testing.T) {
	eachBackend(t, func(t *testing.T, svc *core.Service, st *gormstore.Store) {
		ws := core.Workspace{Platform: core.PlatformDiscord, ExternalID: "G1"}
		mustOpen(t, svc, actor(ws, "U1", core.RoleRequester), "discord is off here")
		slackOnly := &recorder{}
		d := newDispatcher(t, st, core.SystemClock{}, slackOnly, "slack-only")
		if err := d.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		if p := pending(t, st); p != 1 || len(slackOnly.events()) != 0 {
			t.Fatalf("pending = %d, slack got %d: the discord event must wait for a discord notifier", p, len(slackOnly.events()))
		}
		disc := &discordRecorder{}
		d2 := newDispatcher(t, st, core.SystemClock{}, disc, "discord")
		if err := d2.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		if p := pending(t, st); p != 0 || len(disc.events()) != 1 {
			t.Fatalf("pending = %d, discord got %d", p, len(disc.events()))
		}
		if err := core.NewDispatcher(core.DispatcherConfig{Outbox: st}).Flush(context.Background()); err != nil {
			t.Fatalf("a dispatcher without notifiers: %v", err)
		}
	})
}

// discordRecorder is a recorder for Discord workspaces.
type discordRecorder struct{ recorder }

func (*discordRecorder) Platform() core.Platform { return core.PlatformDiscord }

func TestDispatcherMarksADeliveryThatUsedItsWholeTimeout(t *testing.T) {
	eachBackend(t, func(t *testing.T, svc *core.Service, st *gormstore.Store) {
		mustOpen(t, svc, actor(wsA, "U1", core.RoleRequester), "slow platform")
		slow := &ctxRecorder{}
		d := core.NewDispatcher(core.DispatcherConfig{Outbox: st, Owner: "a", Timeout: 50 * time.Millisecond})
		if err := d.Register(slow); err != nil {
			t.Fatal(err)
		}
		if err := d.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		if p := pending(t, st); p != 0 {
			t.Fatalf("pending = %d: a delivery that succeeded at its deadline must be marked", p)
		}
	})
}

// ctxRecorder succeeds only after its context has expired, like a platform call that
// returned just as the delivery timeout ran out.
type ctxRecorder struct{}

func (ctxRecorder) Platform() core.Platform { return core.PlatformSlack }

func (ctxRecorder) Notify(ctx context.Context, _ core.Event) error {
	<-ctx.Done()
	return nil
}

func TestDispatcherPurgesDeliveredEventsAfterTheRetention(t *testing.T) {
	eachBackend(t, func(t *testing.T, svc *core.Service, st *gormstore.Store) {
		ctx := context.Background()
		mustOpen(t, svc, actor(wsA, "U1", core.RoleRequester), "old news")
		clk := coretest.NewFakeClock(time.Now().Add(time.Second))
		d := core.NewDispatcher(core.DispatcherConfig{Outbox: st, Clock: clk, Owner: "a", Retention: 24 * time.Hour})
		if err := d.Register(&recorder{}); err != nil {
			t.Fatal(err)
		}
		if err := d.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if n, err := d.Purge(ctx); err != nil || n != 0 {
			t.Fatalf("purged %d (%v) within the retention", n, err)
		}
		clk.Advance(25 * time.Hour)
		if n, err := d.Purge(ctx); err != nil || n != 1 {
			t.Fatalf("purged %d (%v) after the retention, want 1", n, err)
		}
	})
}

func TestRegisterRejectsASecondNotifierForAPlatform(t *testing.T) {
	d := core.NewDispatcher(core.DispatcherConfig{})
	if err := d.Register(&recorder{}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, d.Register(&recorder{}), core.EConflict)
}

// A paced delivery (a channel's one message a second) waits exactly its turn: no failure is
// counted and the backoff does not grow, however often it waits.
func TestDispatcherWaitsForAPacedDeliveryWithoutCountingAFailure(t *testing.T) {
	eachBackend(t, func(t *testing.T, svc *core.Service, st *gormstore.Store) {
		ctx := context.Background()
		clk := coretest.NewFakeClock(time.Now().Add(time.Second))
		calls := 0
		n := &recorder{fail: func(ev core.Event) error {
			calls++
			if calls <= 3 {
				return core.Paced(errors.New("pacing channel C1"), 500*time.Millisecond)
			}
			return nil
		}}
		mustOpen(t, svc, actor(wsA, "U1", core.RoleRequester), "paced")
		d := newDispatcher(t, st, clk, n, "a")
		for i := range 3 {
			if c, _ := d.Pass(ctx); c != 1 {
				t.Fatalf("pass %d claimed nothing: the wait must be the pace, not a growing backoff", i)
			}
			clk.Advance(600 * time.Millisecond)
		}
		d.Pass(ctx)
		if s := d.Stats(); calls != 4 || s.Failed != 0 || s.Delivered != 1 || pending(t, st) != 0 {
			t.Fatalf("calls=%d stats=%+v pending=%d", calls, s, pending(t, st))
		}
	})
}
