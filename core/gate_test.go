package core_test

import (
	"context"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
)

// fill takes every slot of g and returns the function that gives them back.
func fill(t *testing.T, g *core.Gate, n int) func() {
	t.Helper()
	var leaves []func()
	for range n {
		leave, err := g.Enter(context.Background(), core.DepDatabase)
		if err != nil {
			t.Fatal(err)
		}
		leaves = append(leaves, leave)
	}
	return func() {
		for _, l := range leaves {
			l()
		}
	}
}

func TestGateBoundsTheWorkUnderWay(t *testing.T) {
	t.Run("a free slot lets the caller in at once, and leaving twice frees it once", func(t *testing.T) {
		g := core.NewGate(core.GateConfig{Slots: 1})
		leave, err := g.Enter(context.Background(), core.DepDatabase)
		if err != nil {
			t.Fatal(err)
		}
		leave()
		leave()
		if st := g.Stats(); st.Inside != 0 || st.Entered != 1 {
			t.Fatalf("stats %+v", st)
		}
	})
	t.Run("a caller whose deadline has passed is told busy at once", func(t *testing.T) {
		g := core.NewGate(core.GateConfig{Slots: 2})
		defer fill(t, g, 2)()
		ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
		defer cancel()
		_, err := g.Enter(ctx, core.DepDatabase)
		if !core.IsBusy(err) || !core.IsCode(err, core.EUnavailable) || core.IsOutcomeUnknown(err) || core.Dependency(err) != core.DepDatabase {
			t.Fatalf("err = %v; want busy unavailable of the database, outcome known", err)
		}
		if g.Stats().Busy != 1 {
			t.Errorf("stats %+v", g.Stats())
		}
	})
	t.Run("a waiter past MaxWaiting is told busy at once", func(t *testing.T) {
		g := core.NewGate(core.GateConfig{Slots: 1, MaxWaiting: 1})
		release := fill(t, g, 1)
		entered := make(chan error, 1)
		go func() {
			leave, err := g.Enter(context.Background(), core.DepDatabase)
			if err == nil {
				leave()
			}
			entered <- err
		}()
		coretest.Eventually(t, 5*time.Second, "a caller waiting", func() bool { return g.Stats().Waiting == 1 })
		if _, err := g.Enter(context.Background(), core.DepDatabase); !core.IsBusy(err) {
			t.Fatalf("second waiter: %v; want busy", err)
		}
		release()
		if err := <-entered; err != nil {
			t.Fatalf("the first waiter was not let in when a slot came free: %v", err)
		}
	})
	t.Run("a waiter whose request ends is told busy", func(t *testing.T) {
		g := core.NewGate(core.GateConfig{Slots: 1})
		defer fill(t, g, 1)()
		ctx, cancel := context.WithCancel(context.Background())
		got := make(chan error, 1)
		go func() { _, err := g.Enter(ctx, core.DepDatabase); got <- err }()
		coretest.Eventually(t, 5*time.Second, "a caller waiting", func() bool { return g.Stats().Waiting == 1 })
		cancel()
		if err := <-got; !core.IsBusy(err) {
			t.Fatalf("err = %v; want busy", err)
		}
	})
	t.Run("the wait lasts the deadline less the reserve", func(t *testing.T) {
		g := core.NewGate(core.GateConfig{Slots: 1, Reserve: 50 * time.Millisecond})
		defer fill(t, g, 1)()
		ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := g.Enter(ctx, core.DepDatabase)
		if !core.IsBusy(err) || ctx.Err() != nil {
			t.Fatalf("err = %v, ctx %v; want busy before the deadline", err, ctx.Err())
		}
		if d := time.Since(start); d < 90*time.Millisecond {
			t.Errorf("gave up after %v; the budget was 100ms", d)
		}
	})
	t.Run("a deadline shorter than the reserve waits half of what is left", func(t *testing.T) {
		g := core.NewGate(core.GateConfig{Slots: 1, Reserve: time.Hour})
		release := fill(t, g, 1)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		got := make(chan error, 1)
		go func() {
			leave, err := g.Enter(ctx, core.DepDatabase)
			if err == nil {
				leave()
			}
			got <- err
		}()
		coretest.Eventually(t, 5*time.Second, "a caller waiting", func() bool { return g.Stats().Waiting == 1 })
		release()
		if err := <-got; err != nil {
			t.Fatalf("the waiter was turned away instead of let in when a slot came free: %v", err)
		}
	})
	t.Run("a nil gate lets everyone in", func(t *testing.T) {
		var g *core.Gate
		leave, err := g.Enter(context.Background(), core.DepDatabase)
		if err != nil {
			t.Fatal(err)
		}
		leave()
	})
}
