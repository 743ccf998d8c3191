package slacktest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Envelope is a Socket Mode message Slack sends to the app.
type Envelope struct {
	ID   string // envelope_id [fresh]
	Type string // "events_api", "slash_commands", "interactive"
	// Payload is the event_callback body, the slash command's fields or the interaction.
	Payload any
	// AcceptsResponsePayload defaults to true for slash_commands and interactive.
	AcceptsResponsePayload *bool
	RetryAttempt           int
	RetryReason            string
}

// Ack is an acknowledgement the app sent.
type Ack struct {
	EnvelopeID string
	Payload    json.RawMessage
	At         time.Time
}

// Map returns the ack's payload decoded (empty when it had none).
func (a Ack) Map() map[string]any {
	m := map[string]any{}
	_ = json.Unmarshal(a.Payload, &m)
	return m
}

// Socket is the Slack end of one Socket Mode connection.
type Socket struct {
	s   *Server
	ws  *websocket.Conn
	wmu sync.Mutex

	mu     sync.Mutex
	acks   []Ack
	closed bool
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// serveSocket accepts a Socket Mode connection, says hello and reads acknowledgements.
func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request) {
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	k := &Socket{s: s, ws: ws}
	s.mu.Lock()
	s.live[k] = true
	n := len(s.live)
	s.mu.Unlock()
	if k.write(obj{"type": "hello", "num_connections": n, "connection_info": obj{"app_id": AppID},
		"debug_info": obj{"host": "slacktest", "approximate_connection_time": 18060}}) != nil {
		k.Close()
		return
	}
	select {
	case s.sockets <- k:
	default: // nobody is collecting connections; they stay reachable through Sockets
	}
	s.mu.Lock()
	s.touch()
	s.mu.Unlock()
	go k.read()
}

func (k *Socket) read() {
	defer k.Close()
	for {
		var a struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if err := k.ws.ReadJSON(&a); err != nil {
			return
		}
		if a.EnvelopeID == "" {
			continue
		}
		k.mu.Lock()
		k.acks = append(k.acks, Ack{EnvelopeID: a.EnvelopeID, Payload: a.Payload, At: time.Now()})
		k.mu.Unlock()
		k.s.mu.Lock()
		k.s.touch()
		k.s.mu.Unlock()
	}
}

func (k *Socket) write(v any) error {
	k.wmu.Lock()
	defer k.wmu.Unlock()
	_ = k.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return k.ws.WriteJSON(v)
}

// NextSocket returns the next connection the app opened (in the order they were opened),
// waiting up to timeout.
func (s *Server) NextSocket(timeout time.Duration) (*Socket, error) {
	select {
	case k := <-s.sockets:
		return k, nil
	case <-time.After(timeout):
		return nil, fmt.Errorf("slacktest: no Socket Mode connection within %v", timeout)
	}
}

// WaitSocket is NextSocket failing tb; the connection is closed when tb ends when tb can
// clean up.
func (s *Server) WaitSocket(tb Fataler, timeout time.Duration) *Socket {
	tb.Helper()
	k, err := s.NextSocket(timeout)
	if err != nil {
		tb.Fatalf("%v; calls:\n%s", err, s.Dump())
	}
	if c, ok := tb.(interface{ Cleanup(func()) }); ok {
		c.Cleanup(k.Close)
	}
	return k
}

// Connected returns how many Socket Mode connections are open.
func (s *Server) Connected() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.live)
}

// Send delivers an envelope of typ with payload and returns its envelope id.
func (k *Socket) Send(typ string, payload any) (string, error) {
	e := Envelope{Type: typ, Payload: payload}
	return e.ID, k.SendEnvelope(&e)
}

// SendEnvelope delivers e, filling in its id when empty.
func (k *Socket) SendEnvelope(e *Envelope) error {
	if e.ID == "" {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		e.ID = "env-" + hex.EncodeToString(b)
	}
	accepts := e.Type != "events_api"
	if e.AcceptsResponsePayload != nil {
		accepts = *e.AcceptsResponsePayload
	}
	return k.write(obj{"envelope_id": e.ID, "type": e.Type, "payload": e.Payload,
		"accepts_response_payload": accepts, "retry_attempt": e.RetryAttempt, "retry_reason": e.RetryReason})
}

// Disconnect sends Slack's disconnect message (reason "refresh_requested", "warning",
// "link_disabled"); the app is expected to reconnect.
func (k *Socket) Disconnect(reason string) error {
	return k.write(obj{"type": "disconnect", "reason": reason, "debug_info": obj{"host": "slacktest"}})
}

// Close drops the connection without a word, like a network failure.
func (k *Socket) Close() {
	k.mu.Lock()
	if k.closed {
		k.mu.Unlock()
		return
	}
	k.closed = true
	k.mu.Unlock()
	_ = k.ws.Close()
	k.s.mu.Lock()
	delete(k.s.live, k)
	k.s.touch()
	k.s.mu.Unlock()
}

// Acks returns the acknowledgements received so far, in order.
func (k *Socket) Acks() []Ack {
	k.mu.Lock()
	defer k.mu.Unlock()
	return slices.Clone(k.acks)
}

// Acked reports whether envelope id was acknowledged.
func (k *Socket) Acked(id string) bool {
	_, ok := k.ack(id)
	return ok
}

func (k *Socket) ack(id string) (Ack, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, a := range k.acks {
		if a.EnvelopeID == id {
			return a, true
		}
	}
	return Ack{}, false
}

// WaitAck waits up to timeout for the acknowledgement of envelope id.
func (k *Socket) WaitAck(id string, timeout time.Duration) (Ack, error) {
	var a Ack
	ok := k.s.WaitUntil(timeout, func() bool {
		var found bool
		a, found = k.ack(id)
		return found
	})
	if !ok {
		return Ack{}, fmt.Errorf("slacktest: envelope %s was not acknowledged within %v (acks: %d)", id, timeout, len(k.Acks()))
	}
	return a, nil
}

// Exchange sends an envelope of typ with payload and waits for its acknowledgement, failing
// tb otherwise.
func (k *Socket) Exchange(tb Fataler, typ string, payload any) Ack {
	tb.Helper()
	id, err := k.Send(typ, payload)
	if err != nil {
		tb.Fatalf("slacktest: send %s: %v", typ, err)
	}
	a, err := k.WaitAck(id, 10*time.Second)
	if err != nil {
		tb.Fatalf("%v", err)
	}
	return a
}
