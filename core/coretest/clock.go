package coretest

import (
	"sync"
	"time"
)

// FakeClock is a core.Clock that moves only when told. It is safe for concurrent use.
type FakeClock struct {
	mu    sync.Mutex
	now   time.Time
	hooks []func(now time.Time)
}

// NewFakeClock returns a clock reading start; a zero start means 2025-01-01 00:00 UTC.
func NewFakeClock(start time.Time) *FakeClock {
	if start.IsZero() {
		start = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return &FakeClock{now: start}
}

// Now returns the clock's time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d, then calls the OnAdvance hooks with the new time.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	now, hooks := c.now, append([]func(time.Time){}, c.hooks...)
	c.mu.Unlock()
	for _, h := range hooks {
		h(now)
	}
}

// OnAdvance registers fn to be called with the new time after every Advance, so a backend
// with a clock of its own (miniredis.SetTime) can follow this one.
func (c *FakeClock) OnAdvance(fn func(now time.Time)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hooks = append(c.hooks, fn)
}
