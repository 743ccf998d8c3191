package bot

import (
	"errors"

	"context"
	"github.com/ticketbot/ticketbot/core"
	"sync"
	"time"
)

// Tracker counts work an adapter started in the background (replies after an
// acknowledgement, deferred follow-ups, queued gateway events), so that stopping waits for
// it. New work may start while another goroutine waits; once closed, new work runs inline.
type Tracker struct {
	mu     sync.Mutex
	n      int
	closed bool
	idle   chan struct{}
	// done, when set, is called each time the tracker becomes idle (tests wait on it).
	done func()
}

// OnIdle registers f to be called whenever the last counted goroutine returns.
func (t *Tracker) OnIdle(f func()) {
	t.mu.Lock()
	t.done = f
	t.mu.Unlock()
}

// Go runs f in a goroutine, counted until it returns; after Close it runs f inline.
func (t *Tracker) Go(f func()) {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		f()
		return
	}
	t.n++
	t.mu.Unlock()
	go func() {
		defer t.finish()
		f()
	}()
}

func (t *Tracker) finish() {
	t.mu.Lock()
	t.n--
	var done func()
	if t.n == 0 {
		if t.idle != nil {
			close(t.idle)
			t.idle = nil
		}
		done = t.done
	}
	t.mu.Unlock()
	if done != nil {
		done()
	}
}

// Count counts work that runs elsewhere (on a queue's worker) from now until the returned
// done is called, once.
func (t *Tracker) Count() (done func()) {
	t.mu.Lock()
	t.n++
	t.mu.Unlock()
	var once sync.Once
	return func() { once.Do(t.finish) }
}

// Busy reports how many counted goroutines run.
func (t *Tracker) Busy() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.n
}

// Wait blocks until no counted goroutine runs.
func (t *Tracker) Wait() {
	t.mu.Lock()
	if t.n == 0 {
		t.mu.Unlock()
		return
	}
	if t.idle == nil {
		t.idle = make(chan struct{})
	}
	ch := t.idle
	t.mu.Unlock()
	<-ch
}

// Close makes later work run inline and waits for the counted work.
func (t *Tracker) Close() {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
	t.Wait()
}

// Once handles one platform delivery named key (an event id, an interaction id) at most once
// in ttl: fn runs only for the first delivery. When fn fails for a passing reason before it
// changed anything (code unavailable), the mark is dropped so the platform's retry is
// handled; any other outcome keeps it. It reports whether fn ran, and fn's error.
func (b *Bot) Once(ctx context.Context, key string, ttl time.Duration, fn func(ctx context.Context) error) (bool, error) {
	if !b.dedupe.First(ctx, key, ttl) {
		return false, nil
	}
	err := fn(ctx)
	if Passing(err) {
		if ferr := b.dedupe.Forget(ctx, key); ferr != nil {
			b.log.Warn("could not forget a failed delivery; its retry is ignored", "key", key, "err", ferr)
		}
	}
	return true, err
}

// Passing reports whether err is a failure that passes by itself and changed nothing: a
// dependency was unavailable, or the work ran out of time before it began to change anything.
func Passing(err error) bool {
	return core.IsCode(err, core.EUnavailable) || errors.Is(err, context.DeadlineExceeded)
}
