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
	b := &batch{a: a, ctx: context.WithoutCancel(ctx), loaded: loaded}
	b.paces = a.pretake(ctx, evs, loaded)
	return b, nil
}

// pretake takes, for each first attempt of a ticket.opened among evs whose delivery will post
// its ticket's card, that post's turn in its channel's pace now, all in one round trip
// (Throttle.AllowMany), so the deliveries do not each wait for a Redis round trip of their
// own (pace uses what was taken).
// A turn taken for a post that then does not happen is lost, as one is for a post that fails.
func (a *Adapter) pretake(ctx context.Context, evs []core.Event, loaded map[int64]core.TicketPlaces) map[string][]core.Decision {
	var keys []string
	for _, ev := range evs {
		tp, ok := loaded[ev.TicketID]
		if ev.Kind != core.EventTicketOpened || ev.Workspace.Platform != core.PlatformSlack || ev.Attempts != 1 || !ok {
			continue
		}
		st, err := a.bot.Settings(ctx, tp.Ticket.Workspace)
		if err != nil || !postsCard(st, tp.Places) {
			continue
		}
		if channel, _ := cardTarget(st, tp.Ticket); channel != "" {
			keys = append(keys, paceKey(ev.Workspace, channel))
		}
	}
	if len(keys) == 0 {
		return nil
	}
	ds := a.bot.Throttle().AllowMany(ctx, keys, channelLimit)
	out := make(map[string][]core.Decision, len(keys))
	for i, k := range keys {
		out[k] = append(out[k], ds[i])
	}
	return out
}

// pretaken hands out a turn of pace key that ctx's batch took beforehand, if one is left.
func pretaken(ctx context.Context, key string) (core.Decision, bool) {
	b, _ := ctx.Value(batchKey{}).(*batch)
	if b == nil {
		return core.Decision{}, false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	ds := b.paces[key]
	if len(ds) == 0 {
		return core.Decision{}, false
	}
	b.paces[key] = ds[1:]
	return ds[0], true
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
// them); the steps its deliveries did (markStep) are remembered in one write at the end.
//
// Recording the places only at Finish, in one transaction for the batch, cut MariaDB's CPU
// in a drain by half (~370 transactions for 3,000 cards against 47), but a card's place then
// came after the batch's last delivery: a reply in a new card's thread, or the requester's
// in the DM card's, went unseen until then (the binary's conversation test caught it, the
// staff reply sent as soon as the DM card was posted). A card's place must be known as soon
// as it can be; the writer starts on the first place and writes whatever came meanwhile.
// Finish writes the steps and waits for the last write of places before the dispatcher marks
// the events delivered.
type batch struct {
	a       *Adapter
	ctx     context.Context // for the writes: the batch's, without its cancellation
	mu      sync.Mutex
	loaded  map[int64]core.TicketPlaces
	places  []core.Place // not yet written
	steps   []core.KeyValue
	paces   map[string][]core.Decision // turns of channels' paces taken beforehand (pretake)
	writing bool
	err     error // of a write
	writes  sync.WaitGroup
}

// Finish records the steps of the batch's deliveries (one Redis round trip for the batch,
// not one per post) and waits for the places they posted to be recorded
// (core.BatchFinisher). Both are done before the dispatcher marks the events delivered, or
// releases them when Finish fails. Errors: those of Service.AddPlaces.
func (b *batch) Finish(ctx context.Context) error {
	b.mu.Lock()
	steps := b.steps
	b.steps = nil
	b.mu.Unlock()
	b.a.writeSteps(ctx, steps)
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

// Notify delivers ev; the steps it did are kept for Finish when it is delivered, and written
// at once when it fails (or panics): a failed event may be tried again before Finish, by
// another batch, and must find them.
func (b *batch) Notify(ctx context.Context, ev core.Event) (err error) {
	d := &delivery{}
	defer func() {
		r := recover()
		if err != nil || r != nil {
			b.a.writeSteps(ctx, d.marks)
		} else {
			b.mu.Lock()
			b.steps = append(b.steps, d.marks...)
			b.mu.Unlock()
		}
		if r != nil {
			panic(r)
		}
	}()
	return b.a.Notify(context.WithValue(context.WithValue(ctx, batchKey{}, b), deliveryKey{}, d), ev)
}

// delivery is one event's delivery in a batch: the steps it did (markStep), not yet written.
// One delivery runs on one goroutine.
type delivery struct {
	marks []core.KeyValue
}

// deliveryKey carries an event's delivery in its context.
type deliveryKey struct{}

func (d *delivery) add(key string, v []byte) {
	d.marks = append(d.marks, core.KeyValue{Key: key, Value: v})
}

// pendingStep is the value of step key if ctx's delivery did it and it is not written yet.
func pendingStep(ctx context.Context, key string) ([]byte, bool) {
	d, _ := ctx.Value(deliveryKey{}).(*delivery)
	if d == nil {
		return nil, false
	}
	for i := len(d.marks) - 1; i >= 0; i-- {
		if d.marks[i].Key == key {
			return d.marks[i].Value, true
		}
	}
	return nil, false
}

// writeSteps remembers steps for stepTTL in one write, within its own deadline (also after
// the delivery's context ended); a store that is down drops them, as markStep's Set does.
func (a *Adapter) writeSteps(ctx context.Context, steps []core.KeyValue) {
	if len(steps) == 0 {
		return
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), placeWriteTimeout)
	defer cancel()
	_ = a.cache.SetMany(wctx, steps, stepTTL)
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
