package discordtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Identify is an IDENTIFY (op 2) a client sent.
type Identify struct {
	Token   string  `json:"token"`
	Intents int     `json:"intents"`
	Shard   *[2]int `json:"shard"`
}

// Gateway is a small fake of Discord's gateway: HELLO (op 10), IDENTIFY (op 2) → READY and a
// GUILD_CREATE per guild, RESUME (op 6) → RESUMED, heartbeat (op 1) → ACK (op 11), and
// Dispatch to send events (MESSAGE_CREATE, INTERACTION_CREATE, …) to connected clients. It can
// refuse an IDENTIFY with a close code (4014: disallowed intents) and drop connections.
type Gateway struct {
	srv      *httptest.Server
	upgrader websocket.Upgrader
	interval time.Duration

	mu         sync.Mutex
	conns      map[*gwConn]bool
	identifies []Identify
	resumes    int
	readies    int
	heartbeats int
	refuse     []refusal
	guilds     []string
	seq        int64
	changed    chan struct{}
}

type refusal struct {
	code   int
	reason string
}

type gwConn struct {
	ws    *websocket.Conn
	wmu   sync.Mutex
	ready bool
}

func (c *gwConn) write(v any) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteJSON(v)
}

// NewGateway starts a fake gateway announcing guilds in READY and GUILD_CREATE. Close it when
// done.
func NewGateway(guilds ...string) *Gateway {
	g := &Gateway{
		interval: 41250 * time.Millisecond,
		conns:    map[*gwConn]bool{},
		guilds:   guilds,
		changed:  make(chan struct{}),
	}
	g.srv = httptest.NewServer(http.HandlerFunc(g.serve))
	return g
}

// StartGateway is NewGateway closed when tb ends.
func StartGateway(tb testing.TB, guilds ...string) *Gateway {
	g := NewGateway(guilds...)
	tb.Cleanup(g.Close)
	return g
}

// URL is the gateway's websocket URL.
func (g *Gateway) URL() string { return "ws" + strings.TrimPrefix(g.srv.URL, "http") + "/" }

// Close drops every connection and stops the server.
func (g *Gateway) Close() {
	g.mu.Lock()
	for c := range g.conns {
		_ = c.ws.Close()
	}
	g.mu.Unlock()
	g.srv.Close()
}

// SetHeartbeatInterval sets the interval HELLO announces.
func (g *Gateway) SetHeartbeatInterval(d time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.interval = d
}

// RefuseNextIdentify answers the next IDENTIFY by closing the connection with code (e.g. 4014,
// "Disallowed intent(s).").
func (g *Gateway) RefuseNextIdentify(code int, reason string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.refuse = append(g.refuse, refusal{code, reason})
}

// Identifies returns the IDENTIFY payloads received so far.
func (g *Gateway) Identifies() []Identify {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]Identify(nil), g.identifies...)
}

// Counts returns how many READY, RESUMED and heartbeat exchanges happened.
func (g *Gateway) Counts() (readies, resumes, heartbeats int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.readies, g.resumes, g.heartbeats
}

// Connected returns how many connections are READY (or RESUMED).
func (g *Gateway) Connected() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for c := range g.conns {
		if c.ready {
			n++
		}
	}
	return n
}

// WaitConnected waits until a client is READY; it fails tb after timeout.
func (g *Gateway) WaitConnected(tb testing.TB, timeout time.Duration) {
	tb.Helper()
	if !g.WaitUntil(timeout, func() bool { return g.Connected() > 0 }) {
		tb.Fatalf("discordtest: no gateway client connected within %v (identifies: %d)", timeout, len(g.Identifies()))
	}
}

// WaitUntil polls cond after every gateway exchange until it holds or timeout passes.
func (g *Gateway) WaitUntil(timeout time.Duration, cond func() bool) bool {
	return waitUntil(&g.mu, func() chan struct{} { return g.changed }, timeout, cond)
}

// Dispatch sends event t with data d (op 0, next sequence number) to every READY client and
// reports how many got it.
func (g *Gateway) Dispatch(t string, d any) (int, error) {
	g.mu.Lock()
	g.seq++
	msg := map[string]any{"op": 0, "t": t, "s": g.seq, "d": d}
	var targets []*gwConn
	for c := range g.conns {
		if c.ready {
			targets = append(targets, c)
		}
	}
	g.mu.Unlock()
	if len(targets) == 0 {
		return 0, fmt.Errorf("discordtest: no gateway client is connected")
	}
	n := 0
	for _, c := range targets {
		if err := c.write(msg); err == nil {
			n++
		}
	}
	return n, nil
}

// DropConnections closes every connection with code (e.g. 4000, "unknown error", which a
// client may resume after).
func (g *Gateway) DropConnections(code int) {
	g.mu.Lock()
	conns := make([]*gwConn, 0, len(g.conns))
	for c := range g.conns {
		conns = append(conns, c)
	}
	g.mu.Unlock()
	for _, c := range conns {
		c.wmu.Lock()
		_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, "dropped by the fake"), time.Now().Add(time.Second))
		c.wmu.Unlock()
		_ = c.ws.Close()
	}
}

func (g *Gateway) touch() {
	close(g.changed)
	g.changed = make(chan struct{})
}

type frame struct {
	Op int             `json:"op"`
	D  json.RawMessage `json:"d"`
}

func (g *Gateway) serve(w http.ResponseWriter, r *http.Request) {
	ws, err := g.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &gwConn{ws: ws}
	g.mu.Lock()
	g.conns[c] = true
	interval := g.interval
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		delete(g.conns, c)
		g.touch()
		g.mu.Unlock()
		_ = ws.Close()
	}()
	if c.write(map[string]any{"op": 10, "d": map[string]any{"heartbeat_interval": interval.Milliseconds()}, "s": nil, "t": nil}) != nil {
		return
	}
	for {
		var f frame
		if err := ws.ReadJSON(&f); err != nil {
			return
		}
		switch f.Op {
		case 1:
			g.mu.Lock()
			g.heartbeats++
			g.touch()
			g.mu.Unlock()
			_ = c.write(map[string]any{"op": 11, "d": nil, "s": nil, "t": nil})
		case 2:
			var id Identify
			_ = json.Unmarshal(f.D, &id)
			g.mu.Lock()
			g.identifies = append(g.identifies, id)
			var ref *refusal
			if len(g.refuse) > 0 {
				ref = &g.refuse[0]
				g.refuse = g.refuse[1:]
			}
			g.touch()
			g.mu.Unlock()
			if ref != nil {
				c.wmu.Lock()
				_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(ref.code, ref.reason), time.Now().Add(time.Second))
				c.wmu.Unlock()
				return
			}
			if !g.ready(c, id) {
				return
			}
		case 6:
			g.mu.Lock()
			g.seq++
			seq := g.seq
			g.resumes++
			c.ready = true
			g.touch()
			g.mu.Unlock()
			if c.write(map[string]any{"op": 0, "t": "RESUMED", "s": seq, "d": map[string]any{}}) != nil {
				return
			}
		}
	}
}

// ready answers an IDENTIFY with READY and a GUILD_CREATE per guild.
func (g *Gateway) ready(c *gwConn, id Identify) bool {
	g.mu.Lock()
	guilds := append([]string(nil), g.guilds...)
	g.seq++
	seq := g.seq
	g.mu.Unlock()
	var unavailable []map[string]any
	for _, gid := range guilds {
		unavailable = append(unavailable, map[string]any{"id": gid, "unavailable": true})
	}
	shard := []int{0, 1}
	if id.Shard != nil {
		shard = id.Shard[:]
	}
	err := c.write(map[string]any{"op": 0, "t": "READY", "s": seq, "d": map[string]any{
		"v": 10, "session_id": fmt.Sprintf("fake-session-%d", seq), "resume_gateway_url": g.URL(),
		"user":        map[string]any{"id": BotUserID, "username": "ticketbot", "discriminator": "0000", "bot": true, "avatar": nil, "global_name": nil},
		"guilds":      unavailable,
		"shard":       shard,
		"application": map[string]any{"id": "1200000000000000000", "flags": 0},
	}})
	if err != nil {
		return false
	}
	for _, gid := range guilds {
		g.mu.Lock()
		g.seq++
		seq := g.seq
		g.mu.Unlock()
		err := c.write(map[string]any{"op": 0, "t": "GUILD_CREATE", "s": seq, "d": map[string]any{
			"id": gid, "name": "Test guild " + gid, "unavailable": false, "owner_id": "1", "member_count": 2,
			"joined_at": time.Now().UTC().Format(time.RFC3339), "channels": []any{}, "threads": []any{},
			"members": []any{}, "roles": []any{}, "emojis": []any{}, "voice_states": []any{}, "presences": []any{},
		}})
		if err != nil {
			return false
		}
	}
	g.mu.Lock()
	c.ready = true
	g.readies++
	g.touch()
	g.mu.Unlock()
	return true
}
