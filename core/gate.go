package core

import (
	"context"
	"errors"
	"sync/atomic"
	"time"
)

// GateConfig sizes a Gate; zero fields take the defaults in brackets.
type GateConfig struct {
	// Slots is how many holders may be inside at once [16].
	Slots int
	// Reserve is the time a holder needs once inside: a caller waits until its deadline less
	// the Reserve (less half the time left, when that is shorter), so that its work can
	// still finish after the wait [300ms].
	Reserve time.Duration
	// MaxWait bounds the wait of a caller without a deadline [5s].
	MaxWait time.Duration
	// MaxWaiting is how many callers may wait at once; more are turned away at once, so an
	// overload queues a bounded amount of work instead of all of it [1024].
	MaxWaiting int
}

// GateStats counts a Gate's traffic since it was made.
type GateStats struct {
	Inside, Waiting int64 // now
	Entered, Busy   int64 // since start
}

// Gate bounds concurrent work on a shared resource (a database), in front of its own
// connection pool: a caller waits for a slot only as long as its deadline allows (less the
// Reserve its work needs), and is otherwise told the resource is busy before any of its work
// started. Waiting here, with a budget, instead of in the pool, keeps the database at a
// concurrency it can serve, and turns an overload into an honest "busy" that changed nothing
// instead of a timeout whose outcome nobody knows. Safe for concurrent use.
type Gate struct {
	cfg     GateConfig
	slots   chan struct{}
	waiting atomic.Int64
	entered atomic.Int64
	busy    atomic.Int64
}

// NewGate builds a Gate.
func NewGate(c GateConfig) *Gate {
	if c.Slots <= 0 {
		c.Slots = 16
	}
	if c.Reserve <= 0 {
		c.Reserve = 300 * time.Millisecond
	}
	if c.MaxWait <= 0 {
		c.MaxWait = 5 * time.Second
	}
	if c.MaxWaiting <= 0 {
		c.MaxWaiting = 1024
	}
	return &Gate{cfg: c, slots: make(chan struct{}, c.Slots)}
}

// Enter waits for a slot and returns the function that gives it back (call it once). A nil
// Gate lets everyone in. Errors: unavailable with Busy set (no slot within the budget, too
// many waiting, or ctx ended while waiting): nothing was started.
func (g *Gate) Enter(ctx context.Context, dep string) (leave func(), err error) {
	if g == nil {
		return func() {}, nil
	}
	select {
	case g.slots <- struct{}{}:
		return g.entered1(), nil
	default:
	}
	budget := g.cfg.MaxWait
	if dl, ok := ctx.Deadline(); ok {
		// What is left, less the Reserve — or half of it, for a short deadline (a lease's
		// heartbeat) that a whole Reserve would turn away without a wait.
		left := time.Until(dl)
		budget = left - min(g.cfg.Reserve, left/2)
	}
	if budget <= 0 {
		return nil, g.refuse(dep, "no time left to wait for the "+dep)
	}
	if g.waiting.Add(1) > int64(g.cfg.MaxWaiting) {
		g.waiting.Add(-1)
		return nil, g.refuse(dep, "too many requests are waiting for the "+dep)
	}
	defer g.waiting.Add(-1)
	t := time.NewTimer(budget)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return g.entered1(), nil
	case <-t.C:
		return nil, g.refuse(dep, "the "+dep+" had no room within the request's deadline")
	case <-ctx.Done():
		return nil, g.refuse(dep, "the request ended while waiting for the "+dep)
	}
}

func (g *Gate) entered1() func() {
	g.entered.Add(1)
	var done atomic.Bool
	return func() {
		if done.CompareAndSwap(false, true) {
			<-g.slots
		}
	}
}

func (g *Gate) refuse(dep, why string) error {
	g.busy.Add(1)
	return &Error{Code: EUnavailable, Dependency: dep, Busy: true,
		Message: "the " + dep + " is busy; nothing was changed, please try again", Err: errors.New(why)}
}

// Stats returns the gate's counts; zero for a nil Gate.
func (g *Gate) Stats() GateStats {
	if g == nil {
		return GateStats{}
	}
	return GateStats{Inside: int64(len(g.slots)), Waiting: g.waiting.Load(), Entered: g.entered.Load(), Busy: g.busy.Load()}
}

// Saturated reports whether every slot is taken or callers wait for one: new work would
// wait (an Intake then queues requests instead of doing them before the acknowledgement).
// A nil Gate is never saturated.
func (g *Gate) Saturated() bool {
	return g != nil && (len(g.slots) >= cap(g.slots) || g.waiting.Load() > 0)
}

// IsBusy reports whether err says a dependency was too busy to start the work (a Gate turned
// it away): nothing was changed, and trying again later is safe.
func IsBusy(err error) bool {
	for err != nil {
		var e *Error
		if !errors.As(err, &e) {
			return false
		}
		if e.Busy {
			return true
		}
		err = e.Err
	}
	return false
}
