package core

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"sync"
	"time"
)

// LiveTopic is the PubSub topic that live ticket changes travel on by default.
const LiveTopic = "tb:live:tickets"

// PubSub fans short messages out to the subscribers of a topic on every replica (Redis
// PUBLISH/SUBSCRIBE, or in process). Delivery is at most once: a subscriber that is away or
// too slow misses messages, so what it shows must be re-read from the database.
type PubSub interface {
	// Publish sends payload to every current subscriber of topic; having none is no error.
	// Errors: unavailable.
	Publish(ctx context.Context, topic string, payload []byte) error
	// Subscribe listens to topic: every message published after it returns reaches the
	// subscription until it is closed. Errors: unavailable.
	Subscribe(ctx context.Context, topic string) (Subscription, error)
}

// Subscription is one listener of a PubSub topic.
type Subscription interface {
	// Messages delivers the payloads in the order they were published; it is closed by Close.
	// A nil payload says the subscription came back after a break (a reconnection): what was
	// published meanwhile is lost.
	Messages() <-chan []byte
	// Close stops the subscription. It is safe to call more than once.
	Close() error
}

// LiveEvent says that a ticket changed. It carries ids only: a listener re-reads what it
// shows with its own permissions. An event with TicketID 0 (a resync) says events may have
// been lost: every listener should re-read everything it shows.
type LiveEvent struct {
	TicketID  int64
	Workspace Workspace
	// Reporter and Internal scope the event: a requester hears of changes to their own
	// tickets only, and never of internal notes.
	Reporter string
	Internal bool
	// StaffWorkspace is the linked workspace whose staff also staff the ticket (see
	// staffFrom), when there is one.
	StaffWorkspace Workspace
}

// liveWire is a LiveEvent as it travels between replicas.
type liveWire struct {
	TicketID  int64  `json:"t"`
	Workspace string `json:"w"`
	Reporter  string `json:"r,omitempty"`
	Internal  bool   `json:"i,omitempty"`
	Staff     string `json:"s,omitempty"`
}

// Live tells every replica's listeners (the dashboard's event streams) that tickets changed.
// The Service publishes after each committed change; Run holds one subscription per process
// and hands each event to the listeners whose actor may see the ticket. Publishing never
// blocks a change: events wait in a bounded queue and are dropped (and counted) when it is
// full.
type Live struct {
	ps    PubSub
	topic string
	log   *slog.Logger
	out   chan LiveEvent
	mu    sync.Mutex
	subs  map[*liveListener]struct{}
	// dropped counts events lost to a full queue or a failed publish.
	dropped int64
	// retry is how long Run waits before subscribing again after a failure.
	retry     time.Duration
	ready     chan struct{}
	readyOnce sync.Once
	up        bool // subscribed now
}

type liveListener struct {
	actor  Actor
	ticket int64
	ch     chan LiveEvent
}

// liveQueue bounds the events waiting to be published and those waiting for one listener.
const (
	liveQueue    = 1024
	listenQueue  = 16
	publishLimit = 2 * time.Second
	// maxLiveRetry bounds the wait between two attempts to subscribe.
	maxLiveRetry = 30 * time.Second
)

// LiveConfig are a Live's dependencies.
type LiveConfig struct {
	PubSub PubSub
	// Log receives failures to subscribe [discarded].
	Log *slog.Logger
	// Topic is the PubSub topic [LiveTopic]; replicas of one deployment share it.
	Topic string
}

// NewLive builds a Live; Run must run for events to travel.
func NewLive(c LiveConfig) *Live {
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Topic == "" {
		c.Topic = LiveTopic
	}
	return &Live{ps: c.PubSub, topic: c.Topic, log: c.Log, out: make(chan LiveEvent, liveQueue), subs: map[*liveListener]struct{}{}, retry: time.Second, ready: make(chan struct{})}
}

// Publish queues ev for every replica. It never blocks.
func (l *Live) Publish(ev LiveEvent) {
	if l == nil {
		return
	}
	select {
	case l.out <- ev:
	default:
		l.drop()
	}
}

func (l *Live) drop() {
	l.mu.Lock()
	l.dropped++
	l.mu.Unlock()
}

// Dropped is how many events were lost to a full queue or a failed publish.
func (l *Live) Dropped() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.dropped
}

// Listeners is how many listeners (open event streams) this process has.
func (l *Live) Listeners() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.subs)
}

func (l *Live) setUp(up bool) {
	l.mu.Lock()
	l.up = up
	l.mu.Unlock()
}

// Up reports whether Run is subscribed now: only then do listeners hear of changes.
func (l *Live) Up() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.up
}

// Ready is closed once Run has subscribed for the first time.
func (l *Live) Ready() <-chan struct{} { return l.ready }

// Listen returns a channel of the events actor may see (with ticket > 0, of that ticket only)
// and a function that stops it. A listener that does not keep up misses events; it is never
// sent more than listenQueue of them at once.
func (l *Live) Listen(actor Actor, ticket int64) (<-chan LiveEvent, func()) {
	ln := &liveListener{actor: actor, ticket: ticket, ch: make(chan LiveEvent, listenQueue)}
	l.mu.Lock()
	l.subs[ln] = struct{}{}
	l.mu.Unlock()
	var once sync.Once
	return ln.ch, func() {
		once.Do(func() {
			l.mu.Lock()
			delete(l.subs, ln)
			l.mu.Unlock()
		})
	}
}

// Run publishes the queued events and delivers the topic's events to the listeners until ctx
// ends. A failed subscription is retried after 1 s, doubling up to 30 s, and logged once.
func (l *Live) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { l.publishLoop(ctx) })
	defer wg.Wait()
	wait, failing := l.retry, false
	for ctx.Err() == nil {
		sub, err := l.ps.Subscribe(ctx, l.topic)
		if err != nil {
			if !failing { // once per outage, as FailOpen does
				l.log.Warn("live updates: cannot subscribe; dashboards poll until it works again", "err", err)
			}
			failing = true
			select {
			case <-ctx.Done():
			case <-time.After(wait):
			}
			wait = min(2*wait, maxLiveRetry)
			continue
		}
		if failing {
			l.log.Info("live updates: subscribed again")
		}
		wait, failing = l.retry, false
		l.setUp(true)
		l.readyOnce.Do(func() { close(l.ready) })
		l.deliverLoop(ctx, sub)
		l.setUp(false)
		_ = sub.Close()
		l.deliver(LiveEvent{}) // whatever comes next, something may have been missed
	}
}

func (l *Live) publishLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-l.out:
			b, err := json.Marshal(liveWire{TicketID: ev.TicketID, Workspace: ev.Workspace.String(), Reporter: ev.Reporter, Internal: ev.Internal, Staff: workspaceString(ev.StaffWorkspace)})
			if err == nil {
				pctx, cancel := context.WithTimeout(ctx, publishLimit)
				err = l.ps.Publish(pctx, l.topic, b)
				cancel()
			}
			if err != nil {
				l.drop()
				l.log.Debug("live updates: publish failed", "ticket", strconv.FormatInt(ev.TicketID, 10), "err", err)
			}
		}
	}
}

func (l *Live) deliverLoop(ctx context.Context, sub Subscription) {
	for {
		select {
		case <-ctx.Done():
			return
		case b, ok := <-sub.Messages():
			if !ok {
				return
			}
			if b == nil {
				l.deliver(LiveEvent{})
				continue
			}
			var w liveWire
			if err := json.Unmarshal(b, &w); err != nil {
				continue
			}
			ws, _ := ParseWorkspace(w.Workspace)
			ev := LiveEvent{TicketID: w.TicketID, Workspace: ws, Reporter: w.Reporter, Internal: w.Internal}
			if w.Staff != "" {
				ev.StaffWorkspace, _ = ParseWorkspace(w.Staff)
			}
			l.deliver(ev)
		}
	}
}

func (l *Live) deliver(ev LiveEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for ln := range l.subs {
		resync := ev.TicketID == 0
		if !resync && ln.ticket != 0 && ln.ticket != ev.TicketID {
			continue
		}
		if !resync && !seesLive(ln.actor, ev) {
			continue
		}
		select {
		case ln.ch <- ev:
		default: // it has events pending already: it re-reads everything on the next one
		}
	}
}

// liveLookupTimeout bounds liveEvent's look-up of the linked workspace.
const liveLookupTimeout = 2 * time.Second

// liveEvent is the event for a change of t, with the linked workspace that staffs it.
func (s *Service) liveEvent(ctx context.Context, t Ticket, internal bool) LiveEvent {
	ev := LiveEvent{TicketID: t.ID, Workspace: t.Workspace, Reporter: t.Reporter.ID, Internal: internal}
	if s.live != nil {
		// The change has committed: a request given up on since must not cost linked staff
		// its event, so the look-up outlives the request's cancellation (not its own bound).
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), liveLookupTimeout)
		defer cancel()
		ev.StaffWorkspace, _ = s.staffedIn(lctx, t)
	}
	return ev
}

func workspaceString(ws Workspace) string {
	if ws.IsZero() {
		return ""
	}
	return ws.String()
}
