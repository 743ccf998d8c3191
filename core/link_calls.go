package core

import (
	"context"
	"sync"

	"golang.org/x/sync/semaphore"
)

// maxLinkCalls bounds nothing in practice: it is the number of units an unlink takes to be
// sure no chat call is under way.
const maxLinkCalls = 1 << 30

// linkCalls orders an unlink after the chat calls into a staffing workspace that are under
// way (WhileLinked). Each call holds one unit of a semaphore; an unlink, once its delete has
// committed, takes them all and gives them back. A sync.RWMutex would order them the same
// way, but its writer's wait cannot end with a context: one slow Slack call (up to its
// timeout) would hold an unlink past its deadline and freeze every linked delivery behind
// it. Its zero value is ready.
type linkCalls struct {
	once sync.Once
	sem  *semaphore.Weighted
}

func (c *linkCalls) weighted() *semaphore.Weighted {
	c.once.Do(func() { c.sem = semaphore.NewWeighted(maxLinkCalls) })
	return c.sem
}

// call runs fn holding one unit. Errors: ctx's, fn's.
func (c *linkCalls) call(ctx context.Context, fn func() error) error {
	w := c.weighted()
	if err := w.Acquire(ctx, 1); err != nil {
		return err
	}
	defer w.Release(1)
	return fn()
}

// drain waits until the calls under way have returned, or ctx ends (false).
func (c *linkCalls) drain(ctx context.Context) bool {
	w := c.weighted()
	if err := w.Acquire(ctx, maxLinkCalls); err != nil {
		return false
	}
	w.Release(maxLinkCalls)
	return true
}
