package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// Defaults of the event streams.
const (
	// defaultHeartbeat is how often an idle stream sends a comment, so proxies and the
	// browser keep it open and a dead client is noticed.
	defaultHeartbeat = 20 * time.Second
	// streamWriteWait bounds one write to a stream: a client that reads nothing for that
	// long is dropped.
	streamWriteWait = 10 * time.Second
	// streamRetry is what the browser waits before it reconnects, in milliseconds.
	streamRetry = 3000
)

var errLiveOff = &httpError{status: http.StatusServiceUnavailable, code: core.EUnavailable,
	message: "live updates are off; the page refreshes by itself"}

// streams ends every open event stream when the server shuts down.
type streams struct {
	once sync.Once
	done chan struct{}
}

func newStreams() *streams { return &streams{done: make(chan struct{})} }

// CloseStreams ends every open event stream (GET /events) and refuses new ones: http.Server's
// Shutdown waits for idle connections, which a stream never is, so serve calls this from
// RegisterOnShutdown.
func (s *Server) CloseStreams() {
	s.streams.once.Do(func() { close(s.streams.done) })
}

// eventsRoutes are the Server-Sent Events streams: GET /events tells of every ticket the
// viewer may see, GET /tickets/{id}/events of one ticket, and GET /portal/tickets/{id}/events
// of one of the requester's own tickets (public changes only). They do not take
// common's request deadline: a stream lasts until the browser leaves or the server stops.
func (s *Server) eventsRoutes() []route {
	return []route{
		{"GET /events", s.streamHandler(s.events)},
		{"GET /tickets/{id}/events", s.streamHandler(s.events)},
		{"GET /portal/tickets/{id}/events", s.streamHandler(s.portalEvents)},
	}
}

// streamHandler is common without the deadline: security headers and panic recovery.
func (s *Server) streamHandler(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.securityHeaders(w)
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("web.events: panic", "panic", fmt.Sprint(v))
			}
		}()
		h(w, r)
	})
}

// events streams one event per ticket change the viewer may see ("event: ticket",
// data {"id":N}), "event: resync" when changes may have been missed (Redis reconnected),
// and a comment every heartbeat. It carries ids only: the page reads what
// changed through its usual URLs, with the viewer's permissions. The server's WriteTimeout
// would cut the stream: each write gets a deadline of its own instead.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	v, ticket, ok := s.streamViewer(w, r)
	if !ok {
		return
	}
	s.stream(w, r, v, v.Actor(), ticket)
}

// portalEvents streams the changes of one of the requester's own tickets to its portal page,
// as events does: Live hands on only what the requester actor may hear (their own ticket,
// never an internal note).
func (s *Server) portalEvents(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	rr := r.WithContext(ctx)
	v, ok := s.signedIn(w, rr, "/portal")
	if !ok {
		cancel()
		return
	}
	if s.cfg.Live == nil || !s.cfg.Live.Up() {
		s.pageError(w, rr, v, errLiveOff)
		cancel()
		return
	}
	actor, t, err := s.portalActorFor(rr, v)
	cancel()
	if err != nil {
		s.pageError(w, r, v, err)
		return
	}
	s.stream(w, r, v, actor, t.ID)
}

// stream writes the events actor may hear (of ticket only, when not 0) until the client
// leaves or the server stops.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, v *viewer, actor core.Actor, ticket int64) {
	select {
	case <-s.streams.done:
		s.pageError(w, r, v, errLiveOff)
		return
	default:
	}
	rc := http.NewResponseController(w)
	ch, stop := s.cfg.Live.Listen(actor, ticket)
	defer stop()
	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Accel-Buffering", "no") // nginx: pass each event on at once
	write := func(msg string) bool {
		if err := rc.SetWriteDeadline(s.clock.Now().Add(streamWriteWait)); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return false
		}
		if _, err := fmt.Fprint(w, msg); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !write("retry: " + strconv.Itoa(streamRetry) + "\n: live\n\n") {
		return
	}
	beat := time.NewTicker(s.heartbeat)
	defer beat.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.streams.done:
			return
		case <-beat.C:
			if !write(": heartbeat\n\n") {
				return
			}
		case ev := <-ch:
			msg := fmt.Sprintf("event: ticket\ndata: {\"id\":%d}\n\n", ev.TicketID)
			if ev.TicketID == 0 { // updates may have been lost: read everything again
				msg = "event: resync\ndata: {}\n\n"
			}
			if !write(msg) {
				return
			}
		}
	}
}

// streamViewer checks the stream's request within the usual deadline: a signed-in staff
// viewer, live updates on, and for a ticket's stream a ticket the viewer may see.
func (s *Server) streamViewer(w http.ResponseWriter, r *http.Request) (*viewer, int64, bool) {
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	rr := r.WithContext(ctx)
	v, ok := s.signedIn(w, rr, "/")
	if !ok {
		return nil, 0, false
	}
	if !v.Role.AtLeast(core.RoleStaff) {
		s.pageError(w, rr, v, errStaffOnly)
		return nil, 0, false
	}
	if s.cfg.Live == nil || !s.cfg.Live.Up() { // without a subscription nothing would arrive
		s.pageError(w, rr, v, errLiveOff)
		return nil, 0, false
	}
	var ticket int64
	if r.PathValue("id") != "" {
		id, err := ticketID(r)
		if err == nil {
			_, err = s.svc.Ticket(ctx, v.Actor(), id)
		}
		if err != nil {
			s.pageError(w, rr, v, err)
			return nil, 0, false
		}
		ticket = id
	}
	return v, ticket, true
}
