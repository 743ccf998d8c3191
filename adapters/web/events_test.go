package web_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/adapters/web"
	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/memstate"
)

// stream is an open GET of an event stream, read line by line.
type stream struct {
	resp  *http.Response
	lines chan string
}

func (b *browser) stream(t *testing.T, path string) *stream {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, b.h.ts.URL+path, nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	t.Cleanup(func() { _ = resp.Body.Close() })
	s := &stream{resp: resp, lines: make(chan string, 100)}
	go func() {
		defer close(s.lines)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
	}()
	return s
}

// next returns the next line that satisfies keep, failing after 5 s or at the stream's end.
func (s *stream) next(t *testing.T, keep func(string) bool) string {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case l, ok := <-s.lines:
			if !ok {
				t.Fatal("the stream ended")
			}
			if keep(l) {
				return l
			}
		case <-deadline:
			t.Fatal("no such line within 5s")
		}
	}
}

func isData(l string) bool { return strings.HasPrefix(l, "data: ") }

// TestEventStreams: the dashboard's streams tell of changes made anywhere (the API here) by
// ticket id only, the ticket stream only of its ticket, with headers that keep proxies from
// buffering; they outlive the server's read and write timeouts and end on shutdown.
func TestEventStreams(t *testing.T) {
	h := newHarness(t, "sqlite://"+t.TempDir()+"/t.db", withLive(t), withWeb(func(c *web.Config) {
		c.Heartbeat = 100 * time.Millisecond
	}), withServer(func(s *http.Server) {
		s.ReadTimeout, s.WriteTimeout = time.Second, time.Second
	}))
	h.account("sam", core.RoleStaff, staffPass)
	b := h.browser()
	b.login("sam", staffPass)
	one, two := h.open(wsSlack, "Secret title one"), h.open(wsSlack, "Secret title two")

	queue := b.stream(t, "/events")
	ticket := b.stream(t, fmt.Sprintf("/tickets/%d/events", two.ID))
	for name, s := range map[string]*stream{"queue": queue, "ticket": ticket} {
		if s.resp.StatusCode != http.StatusOK {
			t.Fatalf("%s stream: status %d", name, s.resp.StatusCode)
		}
		for k, want := range map[string]string{"Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-store", "X-Accel-Buffering": "no"} {
			if got := s.resp.Header.Get(k); got != want {
				t.Errorf("%s stream: %s = %q, want %q", name, k, got, want)
			}
		}
	}

	t.Run("a change through the API reaches the stream as an id", func(t *testing.T) {
		wantStatus(t, h.api(http.MethodPatch, fmt.Sprintf("/api/v1/tickets/%d", one.ID), "-", `{"priority":"high"}`), http.StatusOK)
		got := queue.next(t, isData)
		if got == fmt.Sprintf(`data: {"id":%d}`, two.ID) {
			// Ticket two's opening is published after its commit, and may reach the queue
			// stream just after it opened (it comes before any later change: one publisher).
			got = queue.next(t, isData)
		}
		if want := fmt.Sprintf(`data: {"id":%d}`, one.ID); got != want {
			t.Errorf("queue stream: %q, want %q", got, want)
		}
		wantStatus(t, h.api(http.MethodPost, fmt.Sprintf("/api/v1/tickets/%d/messages", two.ID), "-", `{"content":"a reply"}`), http.StatusCreated)
		if got, want := ticket.next(t, isData), fmt.Sprintf(`data: {"id":%d}`, two.ID); got != want {
			t.Errorf("ticket stream: %q, want %q (never ticket %d's change)", got, want, one.ID)
		}
		if got := queue.next(t, isData); strings.Contains(got, "Secret") || got != fmt.Sprintf(`data: {"id":%d}`, two.ID) {
			t.Errorf("queue stream: %q", got)
		}
	})
	t.Run("the stream outlives the server's timeouts with heartbeats", func(t *testing.T) {
		start := time.Now()
		for time.Since(start) < 2500*time.Millisecond {
			queue.next(t, func(l string) bool { return l == ": heartbeat" })
		}
		wantStatus(t, h.api(http.MethodPatch, fmt.Sprintf("/api/v1/tickets/%d", one.ID), "-", `{"priority":"low"}`), http.StatusOK)
		if got := queue.next(t, isData); got != fmt.Sprintf(`data: {"id":%d}`, one.ID) {
			t.Errorf("after 2.5s: %q", got)
		}
	})
	t.Run("shutdown ends the streams and refuses new ones", func(t *testing.T) {
		h.srv.CloseStreams()
		for _, s := range []*stream{queue, ticket} {
			deadline := time.After(5 * time.Second)
		drain:
			for {
				select {
				case _, ok := <-s.lines:
					if !ok {
						break drain
					}
				case <-deadline:
					t.Fatal("a stream stayed open after CloseStreams")
				}
			}
		}
		if got := b.get("/events"); got.status != http.StatusServiceUnavailable {
			t.Errorf("a new stream after shutdown: status %d", got.status)
		}
	})
}

// Without live updates, or for a ticket the viewer may not see, or a viewer who is not
// staff, no stream opens: the page polls.
func TestEventStreamsRefused(t *testing.T) {
	off := newHarness(t, "sqlite://"+t.TempDir()+"/t.db")
	off.account("sam", core.RoleStaff, staffPass)
	b := off.browser()
	b.login("sam", staffPass)
	if got := b.get("/events"); got.status != http.StatusServiceUnavailable {
		t.Errorf("live off: status %d", got.status)
	}
	if strings.Contains(string(b.get("/").body), "data-events") {
		t.Error("live off: the queue offers a stream")
	}

	h := newHarness(t, "sqlite://"+t.TempDir()+"/t.db", withLive(t))
	h.account("sam", core.RoleStaff, staffPass)
	h.account("rita", core.RoleRequester, "rita-password-1")
	staff := h.browser()
	staff.login("sam", staffPass)
	if !strings.Contains(string(staff.get("/").body), `data-events="/events"`) {
		t.Error("live on: the queue does not offer its stream")
	}
	if got := staff.get("/tickets/999/events"); got.status != http.StatusNotFound {
		t.Errorf("unknown ticket: status %d", got.status)
	}
	rita := h.browser()
	rita.login("rita", "rita-password-1")
	if got := rita.get("/events"); got.status != http.StatusForbidden {
		t.Errorf("requester: status %d", got.status)
	}
	if got := h.browser().get("/events"); got.status != http.StatusSeeOther {
		t.Errorf("signed out: status %d", got.status)
	}
}

// flakyPubSub is the in-process PubSub whose subscriptions can be made to report a break.
type flakyPubSub struct {
	*memstate.PubSub
	breaks chan []byte
}

type flakySub struct {
	core.Subscription
	out chan []byte
}

func (f flakyPubSub) Subscribe(ctx context.Context, topic string) (core.Subscription, error) {
	inner, err := f.PubSub.Subscribe(ctx, topic)
	if err != nil {
		return nil, err
	}
	s := flakySub{Subscription: inner, out: make(chan []byte)}
	go func() {
		defer close(s.out)
		for {
			select {
			case m, ok := <-inner.Messages():
				if !ok {
					return
				}
				s.out <- m
			case m := <-f.breaks:
				s.out <- m
			}
		}
	}()
	return s, nil
}

func (s flakySub) Messages() <-chan []byte { return s.out }

// After a break in the subscription the stream says "resync" (the page reads everything
// again); while Live is not subscribed no stream opens, so the page polls.
func TestEventStreamsResyncAndDown(t *testing.T) {
	ps := flakyPubSub{PubSub: memstate.NewPubSub(), breaks: make(chan []byte)}
	live := core.NewLive(core.LiveConfig{PubSub: ps})
	h := newHarness(t, "sqlite://"+t.TempDir()+"/t.db", withWeb(func(c *web.Config) { c.Live = live }))
	h.account("sam", core.RoleStaff, staffPass)
	b := h.browser()
	b.login("sam", staffPass)
	if got := b.get("/events"); got.status != http.StatusServiceUnavailable {
		t.Fatalf("before Live subscribed: status %d", got.status)
	}
	go live.Run(t.Context())
	<-live.Ready()
	s := b.stream(t, "/events")
	if s.resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", s.resp.StatusCode)
	}
	ps.breaks <- nil
	s.next(t, func(l string) bool { return l == "event: resync" })
}

// TestPortalEventStream: a requester's ticket page hears of the public changes of their own
// ticket — a reply, a status change — by id only, never of an internal note; another
// person's ticket, or a page without live updates, opens no stream.
func TestPortalEventStream(t *testing.T) {
	h := newHarness(t, "sqlite://"+t.TempDir()+"/t.db", withLive(t))
	ctx := context.Background()
	h.account("rita", core.RoleRequester, "rita-password")
	rita := h.browser()
	rita.login("rita", "rita-password")
	page := openInPortal(t, rita, "Printer on fire")
	id, _ := strconv.ParseInt(strings.TrimPrefix(page, "/portal/tickets/"), 10, 64)
	other := h.open(wsSlack, "Someone else's VPN")

	if body := rita.get(page); !strings.Contains(string(body.body), fmt.Sprintf(`data-events="/portal/tickets/%d/events"`, id)) {
		t.Fatalf("the portal's ticket page offers no stream: %s", body.body)
	}
	s := rita.stream(t, page+"/events")
	if s.resp.StatusCode != http.StatusOK || s.resp.Header.Get("Content-Type") != "text/event-stream; charset=utf-8" {
		t.Fatalf("portal stream: status %d, %s", s.resp.StatusCode, s.resp.Header.Get("Content-Type"))
	}
	want := fmt.Sprintf(`data: {"id":%d}`, id)
	if _, _, err := h.svc.AddMessage(ctx, slackStaff, id, core.MessageInput{ExternalID: "n1", Content: "SECRET-NOTE", Source: "slack", Internal: true}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.svc.AddMessage(ctx, slackStaff, other.ID, core.MessageInput{ExternalID: "o1", Content: "to someone else", Source: "slack"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.svc.AddMessage(ctx, slackStaff, id, core.MessageInput{ExternalID: "r1", Content: "Have you tried water?", Source: "slack"}); err != nil {
		t.Fatal(err)
	}
	// Events arrive in order: the first one on the stream is the reply's, so neither the
	// note nor the other ticket's reply came before it.
	if got := s.next(t, isData); got != want {
		t.Fatalf("portal stream: %q, want %q (the reply; never the note or ticket %d)", got, want, other.ID)
	}
	if _, err := h.svc.SetStatus(ctx, slackStaff, id, core.StatusResolved, ""); err != nil {
		t.Fatal(err)
	}
	if got := s.next(t, isData); got != want {
		t.Fatalf("portal stream after the status change: %q, want %q", got, want)
	}
	if r := rita.get(ticketPath(other.ID) + "/events"); r.status != http.StatusNotFound {
		t.Errorf("another person's ticket stream: status %d, want 404", r.status)
	}

	off := newHarness(t, "sqlite://"+t.TempDir()+"/t.db")
	off.account("rita", core.RoleRequester, "rita-password")
	b := off.browser()
	b.login("rita", "rita-password")
	p := openInPortal(t, b, "no live")
	if body := b.get(p); strings.Contains(string(body.body), "data-events") || !strings.Contains(string(body.body), `data-live="3000"`) {
		t.Errorf("without live updates the page must poll, and offer no stream")
	}
	if r := b.get(p + "/events"); r.status != http.StatusServiceUnavailable {
		t.Errorf("a stream without live updates: status %d, want 503", r.status)
	}
}
