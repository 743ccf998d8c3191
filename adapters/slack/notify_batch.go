package slack

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// Batch reads the tickets and places of a claimed batch's events at once (core.BatchNotifier):
// each delivery then starts from what was read, not from queries of its own. Errors: those of
// Service.TicketsAndPlaces (the dispatcher then delivers the events one by one).
func (a *Adapter) Batch(ctx context.Context, evs []core.Event) (core.Notifier, error) {
	var ids []int64
	for _, ev := range evs {
		if readsTicket(ev) {
			ids = append(ids, ev.TicketID)
		}
	}
	if len(ids) == 0 {
		return a, nil
	}
	loaded, err := a.svc.TicketsAndPlaces(ctx, core.System(), ids)
	if err != nil {
		return nil, err
	}
	return &batch{a: a, ctx: context.WithoutCancel(ctx), loaded: loaded}, nil
}

// readsTicket reports whether delivering ev starts by reading its ticket and places
// (Adapter.ticket).
func readsTicket(ev core.Event) bool {
	if ev.TicketID == 0 {
		return false
	}
	if ev.Workspace.Platform != core.PlatformSlack {
		return true // notifyLinked
	}
	switch ev.Kind {
	case core.EventTicketOpened, core.EventTicketChanged, core.EventMessageAdded, core.EventSLAAlert:
		return true
	}
	return false
}

// batch delivers the events of one claimed batch with their tickets read beforehand. The
// places of the cards its ticket.opened deliveries post are recorded by a writer of the
// batch's own, several in one write, while the deliveries go on (the workers do not wait for
// them); Finish waits for the last write before the dispatcher marks the events delivered.
type batch struct {
	a       *Adapter
	ctx     context.Context // for the writes: the batch's, without its cancellation
	mu      sync.Mutex
	loaded  map[int64]core.TicketPlaces
	places  []core.Place // not yet written
	writing bool
	err     error // of a write
	writes  sync.WaitGroup
}

// Finish waits for the places the batch's deliveries posted to be recorded
// (core.BatchFinisher). Errors: those of Service.AddPlaces.
func (b *batch) Finish(ctx context.Context) error {
	b.writes.Wait()
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

// addPlace queues p to be recorded, and starts the writer unless it runs.
func (b *batch) addPlace(p core.Place) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.places = append(b.places, p)
	if b.writing {
		return
	}
	b.writing = true
	b.writes.Go(b.write)
}

// write records the queued places, all those queued meanwhile in the next write, until none
// is left.
func (b *batch) write() {
	for {
		b.mu.Lock()
		ps := b.places
		b.places = nil
		if len(ps) == 0 {
			b.writing = false
			b.mu.Unlock()
			return
		}
		b.mu.Unlock()
		ctx, cancel := context.WithTimeout(b.ctx, placeWriteTimeout)
		err := b.a.svc.AddPlaces(ctx, core.System(), ps)
		cancel()
		if err != nil {
			b.mu.Lock()
			b.err = errors.Join(b.err, err)
			b.mu.Unlock()
		}
	}
}

// placeWriteTimeout bounds one write of a batch's places.
const placeWriteTimeout = 5 * time.Second

func (b *batch) Platform() core.Platform { return b.a.Platform() }

func (b *batch) Notify(ctx context.Context, ev core.Event) error {
	return b.a.Notify(context.WithValue(ctx, batchKey{}, b), ev)
}

// take hands out ticket id as read for the batch, once: a later read in the same delivery
// (after it recorded a place) goes to the database.
func (b *batch) take(id int64) (core.TicketPlaces, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	tp, ok := b.loaded[id]
	delete(b.loaded, id)
	return tp, ok
}

// batchKey carries the batch an event is delivered in, in its delivery's context.
type batchKey struct{}

// preloaded is ticket id and its places as its batch read them, if they were.
func preloaded(ctx context.Context, id int64) (core.TicketPlaces, bool) {
	b, _ := ctx.Value(batchKey{}).(*batch)
	if b == nil {
		return core.TicketPlaces{}, false
	}
	return b.take(id)
}

// recordPlace records p, the place of a card ev's delivery posted, and returns it. A
// ticket.opened delivered in a batch hands it to the batch's writer and goes on (p is
// returned without an ID: nothing after the cards of a ticket.opened needs one); any other
// delivery records it at once, as the steps after it need its ID.
func (a *Adapter) recordPlace(ctx context.Context, ev core.Event, p core.Place) (core.Place, error) {
	b, _ := ctx.Value(batchKey{}).(*batch)
	if b == nil || ev.Kind != core.EventTicketOpened || ev.Workspace.Platform != core.PlatformSlack || p.ThreadID == "" {
		return a.svc.AddPlace(ctx, core.System(), p)
	}
	b.addPlace(p)
	return p, nil
}
