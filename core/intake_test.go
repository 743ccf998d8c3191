package core_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
	"github.com/ticketbot/ticketbot/core/gormstore"
)

// workLog is an IntakeHandler that records each request it worked on, failing (passing)
// the first failFirst attempts of each.
type workLog struct {
	mu        sync.Mutex
	done      map[string]int // key → attempts that succeeded
	tries     map[string]int
	last      map[string]bool
	failFirst int
	running   atomic.Int64
	overlap   atomic.Bool
}

func newWorkLog(failFirst int) *workLog {
	return &workLog{done: map[string]int{}, tries: map[string]int{}, last: map[string]bool{}, failFirst: failFirst}
}

func (w *workLog) Platform() core.Platform { return core.PlatformSlack }

func (w *workLog) ProcessIntake(ctx context.Context, r core.IntakeRequest, last bool) error {
	if w.running.Add(1) > 1 {
		w.overlap.Store(true)
	}
	defer w.running.Add(-1)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.tries[r.Key]++
	w.last[r.Key] = last
	if w.tries[r.Key] <= w.failFirst && !last {
		return core.Errorf(core.EUnavailable, "the database is busy")
	}
	w.done[r.Key]++
	return nil
}

func (w *workLog) count(key string) (tries, done int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.tries[key], w.done[key]
}

// newIntake builds an Intake on st with short timings; busy tells it the database is saturated.
func newIntake(st *gormstore.Store, owner string, busy *atomic.Bool, clock core.Clock) *core.Intake {
	return core.NewIntake(core.IntakeConfig{Store: st, Owner: owner, Poll: 20 * time.Millisecond, Lease: 2 * time.Second,
		BackoffBase: 20 * time.Millisecond, BackoffMax: 50 * time.Millisecond, Workers: 1, Clock: clock,
		Busy: func() bool { return busy != nil && busy.Load() }})
}

func runIntake(t *testing.T, in *core.Intake) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); in.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

func slackRequest(key string) core.IntakeRequest {
	return core.IntakeRequest{Key: key, Platform: core.PlatformSlack, Payload: []byte("{}")}
}

func waitPending(t *testing.T, st *gormstore.Store, want int64) {
	t.Helper()
	coretest.Eventually(t, 10*time.Second, "the intake drains", func() bool {
		n, err := st.PendingIntake(context.Background())
		return err == nil && n == want
	})
}

func TestIntake(t *testing.T) {
	for name, url := range backends() {
		t.Run(name, func(t *testing.T) {
			t.Run("an idle intake leaves the work to the acceptor, a saturated database queues it", func(t *testing.T) {
				st := openStore(t, url(t))
				var busy atomic.Bool
				in := newIntake(st, "one", &busy, nil)
				a, err := in.Accept(t.Context(), slackRequest("k1"))
				if err != nil || !a.Created || !a.Inline {
					t.Fatalf("Accept while idle = %+v, %v; want it inline", a, err)
				}
				a.Done(t.Context(), nil)
				waitPending(t, st, 0)
				busy.Store(true)
				q, err := in.Accept(t.Context(), slackRequest("k2"))
				if err != nil || !q.Created || q.Inline {
					t.Fatalf("Accept while the database is saturated = %+v, %v; want it queued", q, err)
				}
				busy.Store(false)
				// Queued work waits for the workers: the next request is queued too, so it does
				// not overtake the backlog.
				if n, _ := in.Accept(t.Context(), slackRequest("k3")); n.Inline {
					t.Fatal("a request accepted inline while an earlier one waits")
				}
				w := newWorkLog(0)
				if err := in.Register(w); err != nil {
					t.Fatal(err)
				}
				runIntake(t, in)
				waitPending(t, st, 0)
				for _, k := range []string{"k2", "k3"} {
					if _, done := w.count(k); done != 1 {
						t.Errorf("%s done %d times, want once", k, done)
					}
				}
				if _, done := w.count("k1"); done != 0 {
					t.Error("the workers did again what its acceptor did")
				}
				coretest.Eventually(t, 5*time.Second, "the backlog is seen gone", func() bool { return !in.Backlogged() })
				if a, err := in.Accept(t.Context(), slackRequest("k4")); err != nil || !a.Inline {
					t.Fatalf("Accept once the backlog is done = %+v, %v; want it inline again", a, err)
				}
			})
			t.Run("a replay stores nothing and is told the request it repeats", func(t *testing.T) {
				st := openStore(t, url(t))
				in := newIntake(st, "one", nil, nil)
				a, _ := in.Accept(t.Context(), slackRequest("k1"))
				a.Done(t.Context(), nil)
				again, err := in.Accept(t.Context(), slackRequest("k1"))
				if err != nil || again.Created || again.Inline || again.Request.ID != a.Request.ID || again.Request.DoneAt == nil {
					t.Fatalf("replay = %+v, %v; want the finished request %d back", again, err, a.Request.ID)
				}
			})
			t.Run("work that fails for a passing reason is tried again until it is done", func(t *testing.T) {
				st := openStore(t, url(t))
				in := newIntake(st, "one", nil, nil)
				w := newWorkLog(2)
				if err := in.Register(w); err != nil {
					t.Fatal(err)
				}
				a, _ := in.Accept(t.Context(), slackRequest("k1"))
				// The acceptor's own attempt failed (the database was busy): the workers take over.
				a.Done(t.Context(), core.Errorf(core.EUnavailable, "busy"))
				runIntake(t, in)
				waitPending(t, st, 0)
				if tries, done := w.count("k1"); done != 1 || tries != 3 {
					t.Fatalf("tried %d times, done %d; want done once on the third try", tries, done)
				}
			})
			t.Run("a request too old to wait longer gets its last attempt, which answers", func(t *testing.T) {
				st := openStore(t, url(t))
				clock := coretest.NewFakeClock(time.Now().Add(26 * time.Minute))
				in := newIntake(st, "one", nil, clock)
				w := newWorkLog(1000)
				if err := in.Register(w); err != nil {
					t.Fatal(err)
				}
				if _, _, err := st.AddIntake(t.Context(), slackRequest("k1"), "", time.Time{}); err != nil {
					t.Fatal(err)
				}
				runIntake(t, in)
				waitPending(t, st, 0)
				w.mu.Lock()
				defer w.mu.Unlock()
				if !w.last["k1"] || w.tries["k1"] != 1 {
					t.Fatalf("tries %d, last %v; want one last attempt", w.tries["k1"], w.last["k1"])
				}
			})
			t.Run("two replicas do each request once", func(t *testing.T) {
				st := openStore(t, url(t))
				var busy atomic.Bool
				busy.Store(true)
				one, two := newIntake(st, "one", &busy, nil), newIntake(st, "two", &busy, nil)
				w := newWorkLog(0)
				for _, in := range []*core.Intake{one, two} {
					if err := in.Register(w); err != nil {
						t.Fatal(err)
					}
				}
				const n = 30
				for i := range n {
					if _, err := one.Accept(t.Context(), slackRequest("k"+string(rune('A'+i)))); err != nil {
						t.Fatal(err)
					}
				}
				runIntake(t, one)
				runIntake(t, two)
				waitPending(t, st, 0)
				for i := range n {
					if _, done := w.count("k" + string(rune('A'+i))); done != 1 {
						t.Errorf("request %d done %d times", i, done)
					}
				}
			})
		})
	}
}

// blockingWork is an IntakeHandler whose work waits until release is closed.
type blockingWork struct {
	running, most atomic.Int64
	release       chan struct{}
}

func (b *blockingWork) Platform() core.Platform { return core.PlatformSlack }

func (b *blockingWork) ProcessIntake(ctx context.Context, _ core.IntakeRequest, _ bool) error {
	n := b.running.Add(1)
	defer b.running.Add(-1)
	for {
		m := b.most.Load()
		if n <= m || b.most.CompareAndSwap(m, n) {
			break
		}
	}
	select {
	case <-b.release:
	case <-ctx.Done():
	}
	return nil
}

// While requests keep being queued, one worker works (the acknowledgements come first);
// once the burst is over, all of them do.
func TestIntakeWorksTheBacklogWithOneWorkerDuringABurst(t *testing.T) {
	st := openStore(t, backends()["sqlite"](t))
	var busy atomic.Bool
	busy.Store(true)
	in := core.NewIntake(core.IntakeConfig{Store: st, Owner: "one", Poll: 20 * time.Millisecond, Lease: 20 * time.Second,
		Workers: 4, Busy: busy.Load})
	w := &blockingWork{release: make(chan struct{})}
	if err := in.Register(w); err != nil {
		t.Fatal(err)
	}
	runIntake(t, in)
	t.Cleanup(func() { close(w.release) })
	// A request every 20 ms for a second: the burst goes on.
	pace := time.NewTicker(20 * time.Millisecond)
	defer pace.Stop()
	deadline := time.Now().Add(time.Second)
	for i := 0; time.Now().Before(deadline); i++ {
		<-pace.C
		if _, err := in.Accept(t.Context(), slackRequest("burst-"+string(rune('A'+i)))); err != nil {
			t.Fatal(err)
		}
		if w.most.Load() > 1 {
			t.Fatalf("%d workers at work during the burst, want 1", w.most.Load())
		}
	}
	coretest.Eventually(t, 5*time.Second, "all four workers at work after the burst", func() bool { return w.running.Load() == 4 })
}
