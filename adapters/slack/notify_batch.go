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
// places of the cards its delivered ticket.opened events posted are recorded together: at
// most placeFlushAfter after the first of them was queued, and at Finish, before the
// dispatcher marks the events delivered. Recording each delivery's as it went made a
// transaction for every few cards (~370 for 3,000 cards in tbbench -suite outbox, against 47
// batches), each taking CPU from the posts; the flush bounds how long a reply in a new
// card's thread finds no ticket when Slack is slow and a batch takes seconds. The steps the
// deliveries did (markStep) are written in one Redis round trip at Finish. A delivery that
// fails writes its own steps and places at once instead: its event may be claimed again,
// by another batch, before this one finishes, and must find them.
type batch struct {
	a      *Adapter
	ctx    context.Context // for the flushes: the batch's, without its cancellation
	mu     sync.Mutex
	loaded map[int64]core.TicketPlaces
	places []core.Place // delivered events' places, not yet written
	flush  *time.Timer  // armed while places waits for a write
	writes sync.WaitGroup
	err    error // of a flush
	steps  []core.KeyValue
	paces  map[string][]core.Decision // turns of channels' paces taken beforehand (pretake)
}

// placeFlushAfter is how long a delivered card's place may wait for the batch's write.
const placeFlushAfter = 250 * time.Millisecond

// Finish records the steps of the batch's deliveries and the places of the cards they posted
// not flushed yet (one Redis round trip for the steps, side by side with one transaction for
// the places and its one Redis round trip to forget their threads' look-ups; core.BatchFinisher), and waits for a flush under way. All are done before the
// dispatcher marks the events delivered, or releases them when Finish fails. Errors: those
// of Service.AddPlaces.
func (b *batch) Finish(ctx context.Context) error {
	b.mu.Lock()
	if b.flush != nil && b.flush.Stop() {
		b.writes.Done() // the flush armed will not run
	}
	b.flush = nil
	steps, places := b.steps, b.places
	b.steps, b.places = nil, nil
	b.mu.Unlock()
	var wg sync.WaitGroup
	wg.Go(func() { b.a.writeSteps(ctx, steps) })
	err := b.a.writePlaces(ctx, places)
	wg.Wait()
	b.writes.Wait()
	b.mu.Lock()
	defer b.mu.Unlock()
	return errors.Join(err, b.err)
}

// addPlaces queues ps, a delivered event's places, for the next flush, and arms it.
func (b *batch) addPlaces(ps []core.Place) {
	if len(ps) == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.places = append(b.places, ps...)
	if b.flush == nil {
		b.writes.Add(1)
		b.flush = time.AfterFunc(placeFlushAfter, b.flushPlaces)
	}
}

// flushPlaces writes the places queued, as the flush armed by addPlaces.
func (b *batch) flushPlaces() {
	defer b.writes.Done()
	b.mu.Lock()
	ps := b.places
	b.places, b.flush = nil, nil
	b.mu.Unlock()
	if err := b.a.writePlaces(b.ctx, ps); err != nil {
		b.mu.Lock()
		b.err = errors.Join(b.err, err)
		b.mu.Unlock()
	}
}

// writePlaces records ps in one transaction, within its own deadline.
func (a *Adapter) writePlaces(ctx context.Context, ps []core.Place) error {
	if len(ps) == 0 {
		return nil
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), placeWriteTimeout)
	defer cancel()
	return a.svc.AddPlaces(wctx, core.System(), ps)
}

// placeWriteTimeout bounds a write of places, and of steps.
const placeWriteTimeout = 5 * time.Second

func (b *batch) Platform() core.Platform { return b.a.Platform() }

// Notify delivers ev; the steps it did and the places of the cards it posted are kept for
// the batch's writes when it is delivered, and written at once when it fails (or panics): a
// failed event may be tried again before Finish, by another batch, and must find them.
func (b *batch) Notify(ctx context.Context, ev core.Event) (err error) {
	d := &delivery{}
	defer func() {
		r := recover()
		if err != nil || r != nil {
			b.a.writeSteps(ctx, d.marks)
			if perr := b.a.writePlaces(ctx, d.places); perr != nil {
				b.a.log.Warn("slack: could not record the cards a failed delivery posted; its retry may post them again", "event", ev.ID, "err", perr)
			}
		} else {
			b.mu.Lock()
			b.steps = append(b.steps, d.marks...)
			b.mu.Unlock()
			b.addPlaces(d.places)
		}
		if r != nil {
			panic(r)
		}
	}()
	return b.a.Notify(context.WithValue(context.WithValue(ctx, batchKey{}, b), deliveryKey{}, d), ev)
}

// delivery is one event's delivery in a batch: the steps it did (markStep) and the places of
// the cards it posted (recordPlace), not yet written. One delivery runs on one goroutine.
type delivery struct {
	marks  []core.KeyValue
	places []core.Place
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
// ticket.opened delivered in a batch keeps it with its delivery, for the batch's writes, and
// goes on (p is returned without an ID: nothing after the cards of a ticket.opened needs
// one); any other delivery records it at once, as the steps after it need its ID.
func (a *Adapter) recordPlace(ctx context.Context, ev core.Event, p core.Place) (core.Place, error) {
	d, _ := ctx.Value(deliveryKey{}).(*delivery)
	if d == nil || ev.Kind != core.EventTicketOpened || ev.Workspace.Platform != core.PlatformSlack || p.ThreadID == "" {
		return a.svc.AddPlace(ctx, core.System(), p)
	}
	d.places = append(d.places, p)
	return p, nil
}
