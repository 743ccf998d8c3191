package discordtest

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"path"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// BotUserID is the id of the bot user the fakes answer as.
const BotUserID = "1200000000000000001"

// Call is one request the fake REST API received.
type Call struct {
	Method string
	// Path is below the API base, without the query: "channels/123/threads".
	Path  string
	Query string
	Body  json.RawMessage
	// Auth is the Authorization header.
	Auth string
	// Status is what the fake answered.
	Status int
	At     time.Time
}

// Decode unmarshals the call's body into v.
func (c Call) Decode(v any) error { return json.Unmarshal(c.Body, v) }

// Fault makes matching requests fail instead of being served.
type Fault struct {
	// Method matches the HTTP method ("" = any); Path is a path.Match pattern below the API
	// base, e.g. "channels/*/threads".
	Method, Path string
	// Status and Code are the HTTP status and Discord's JSON error code; Message its text.
	Status  int
	Code    int
	Message string
	// RetryAfter is the 429 delay (retry_after and the rate-limit headers).
	RetryAfter time.Duration
	// Delay holds matching requests this long before they are answered; with Status 0 they
	// are then served normally (a slow Discord).
	Delay time.Duration
	// Times is how many requests fail; 0 means all of them.
	Times int
}

type fault struct {
	Fault
	used int
}

// Thread is a thread the fake made, as it stands now.
type Thread struct {
	ID, ParentID, Name  string
	Type                int
	AutoArchiveDuration int
	Invitable           bool
	Archived            bool
	Members             []string
}

// Message is a message the fake holds, as it stands now.
type Message struct {
	ID, ChannelID   string
	Content         string
	Embeds          json.RawMessage
	Components      json.RawMessage
	AllowedMentions json.RawMessage
	Edits           int
}

// API is a fake of the part of Discord's REST API ticketbot uses. It records every call,
// answers with Discord's JSON shapes, keeps threads, messages and DM channels, and can be told
// to fail requests (429 with retry_after, 403 code 50007 for a user whose DMs are closed, …).
type API struct {
	srv *httptest.Server
	// Token is the bot token requests must carry ("Bot " + Token); empty accepts any.
	token string

	mu         sync.Mutex
	calls      []Call
	faults     []*fault
	next       uint64
	threads    map[string]*Thread
	messages   map[string]*Message
	order      []string          // message ids in creation order
	dms        map[string]string // user → DM channel
	dmUser     map[string]string // DM channel → user
	blocked    map[string]bool
	gatewayURL string
	commands   json.RawMessage
	changed    chan struct{}
}

// NewAPI starts a fake REST API that expects "Bot "+token (any token when empty). Close it
// when done.
func NewAPI(token string) *API {
	a := &API{
		token:    token,
		next:     1300000000000000000,
		threads:  map[string]*Thread{},
		messages: map[string]*Message{},
		dms:      map[string]string{},
		dmUser:   map[string]string{},
		blocked:  map[string]bool{},
		changed:  make(chan struct{}),
	}
	a.srv = httptest.NewServer(http.HandlerFunc(a.serve))
	return a
}

// StartAPI is NewAPI closed when tb ends.
func StartAPI(tb testing.TB, token string) *API {
	a := NewAPI(token)
	tb.Cleanup(a.Close)
	return a
}

// Close stops the server.
func (a *API) Close() { a.srv.Close() }

// URL is the API base to configure (DISCORD_API_URL), ending in "/api/v10/".
func (a *API) URL() string { return a.srv.URL + "/api/v10/" }

// Client is an HTTP client for the fake.
func (a *API) Client() *http.Client { return a.srv.Client() }

// SetGatewayURL sets what GET /gateway and GET /gateway/bot answer.
func (a *API) SetGatewayURL(u string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.gatewayURL = u
}

// Inject adds a fault.
func (a *API) Inject(f Fault) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.faults = append(a.faults, &fault{Fault: f})
}

// RateLimit answers the next times requests matching method and pattern with 429.
func (a *API) RateLimit(method, pattern string, retryAfter time.Duration, times int) {
	a.Inject(Fault{Method: method, Path: pattern, Status: http.StatusTooManyRequests, RetryAfter: retryAfter, Times: times})
}

// Slow holds the next times requests matching method and pattern for d, then serves them.
func (a *API) Slow(method, pattern string, d time.Duration, times int) {
	a.Inject(Fault{Method: method, Path: pattern, Delay: d, Times: times})
}

// BlockDMs makes messages to userID's DM channel fail with 403, code 50007.
func (a *API) BlockDMs(userID string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.blocked[userID] = true
}

// Calls returns every call so far.
func (a *API) Calls() []Call {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Call(nil), a.calls...)
}

// Find returns the calls matching method ("" = any) and a path.Match pattern.
func (a *API) Find(method, pattern string) []Call {
	var out []Call
	for _, c := range a.Calls() {
		if matches(method, pattern, c.Method, c.Path) {
			out = append(out, c)
		}
	}
	return out
}

// WaitFor waits until at least n calls match method and pattern and returns them; it fails
// tb after timeout.
func (a *API) WaitFor(tb testing.TB, timeout time.Duration, method, pattern string, n int) []Call {
	tb.Helper()
	ok := a.WaitUntil(timeout, func() bool { return len(a.Find(method, pattern)) >= n })
	got := a.Find(method, pattern)
	if !ok {
		tb.Fatalf("discordtest: waited %v for %d %s %s calls, got %d; all calls:\n%s", timeout, n, method, pattern, len(got), a.Dump())
	}
	return got
}

// WaitUntil polls cond (after every call the fake serves) until it holds or timeout passes.
func (a *API) WaitUntil(timeout time.Duration, cond func() bool) bool {
	return waitUntil(&a.mu, func() chan struct{} { return a.changed }, timeout, cond)
}

// Dump lists the calls so far, one a line, for failure messages.
func (a *API) Dump() string {
	var b strings.Builder
	for _, c := range a.Calls() {
		fmt.Fprintf(&b, "  %d %s %s %s\n", c.Status, c.Method, c.Path, truncate(string(c.Body), 300))
	}
	return b.String()
}

// Thread returns thread id as it stands.
func (a *API) Thread(id string) (Thread, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	t, ok := a.threads[id]
	if !ok {
		return Thread{}, false
	}
	c := *t
	c.Members = append([]string(nil), t.Members...)
	return c, true
}

// Threads returns every thread made, oldest first.
func (a *API) Threads() []Thread {
	a.mu.Lock()
	ids := make([]string, 0, len(a.threads))
	for id := range a.threads {
		ids = append(ids, id)
	}
	a.mu.Unlock()
	var out []Thread
	for _, id := range sortedIDs(ids) {
		t, _ := a.Thread(id)
		out = append(out, t)
	}
	return out
}

// Message returns message id as it stands.
func (a *API) Message(id string) (Message, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	m, ok := a.messages[id]
	if !ok {
		return Message{}, false
	}
	return *m, true
}

// MessagesIn returns the messages posted in channelID, oldest first.
func (a *API) MessagesIn(channelID string) []Message {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []Message
	for _, id := range a.order {
		if m := a.messages[id]; m.ChannelID == channelID {
			out = append(out, *m)
		}
	}
	return out
}

// DMsTo returns the messages sent to userID's DM channel.
func (a *API) DMsTo(userID string) []Message {
	a.mu.Lock()
	ch := a.dms[userID]
	a.mu.Unlock()
	if ch == "" {
		return nil
	}
	return a.MessagesIn(ch)
}

// Commands returns the body of the last bulk overwrite of commands.
func (a *API) Commands() json.RawMessage {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.commands
}

func (a *API) id() string {
	a.next++
	return strconv.FormatUint(a.next, 10)
}

func (a *API) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	p := strings.TrimPrefix(r.URL.Path, "/")
	for _, base := range []string{"api/v10/", "api/v9/"} {
		p = strings.TrimPrefix(p, base)
	}
	call := Call{Method: r.Method, Path: p, Query: r.URL.RawQuery, Body: json.RawMessage(body), Auth: r.Header.Get("Authorization"), At: time.Now()}

	a.mu.Lock()
	var delay time.Duration
	for _, f := range a.faults {
		if f.Delay > 0 && (f.Times == 0 || f.used < f.Times) && matches(f.Method, f.Path, r.Method, p) {
			delay = max(delay, f.Delay)
			if f.Status == 0 {
				f.used++
			}
		}
	}
	a.mu.Unlock()
	time.Sleep(delay)

	a.mu.Lock()
	status, resp, hdr := a.route(r.Method, p, r.URL.Query(), body, call.Auth)
	call.Status = status
	a.calls = append(a.calls, call)
	close(a.changed)
	a.changed = make(chan struct{})
	a.mu.Unlock()

	for k, v := range hdr {
		w.Header().Set(k, v)
	}
	if resp == nil {
		w.WriteHeader(status)
		return
	}
	b, _ := json.Marshal(resp)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

type obj = map[string]any

func apiError(status, code int, msg string) (int, any, map[string]string) {
	return status, obj{"message": msg, "code": code}, nil
}

// route serves one request; a.mu is held.
func (a *API) route(method, p string, q map[string][]string, body []byte, auth string) (int, any, map[string]string) {
	for _, f := range a.faults {
		if f.Status != 0 && (f.Times == 0 || f.used < f.Times) && matches(f.Method, f.Path, method, p) {
			f.used++
			if f.Status == http.StatusTooManyRequests {
				secs := f.RetryAfter.Seconds()
				return 429, obj{"message": "You are being rate limited.", "retry_after": secs, "global": false, "code": 0},
					map[string]string{
						"Retry-After":             strconv.Itoa(int(math.Ceil(secs))),
						"X-RateLimit-Limit":       "5",
						"X-RateLimit-Remaining":   "0",
						"X-RateLimit-Reset-After": strconv.FormatFloat(secs, 'f', 3, 64),
						"X-RateLimit-Bucket":      "fake-bucket",
						"X-RateLimit-Scope":       "user",
					}
			}
			msg := f.Message
			if msg == "" {
				msg = http.StatusText(f.Status)
			}
			return apiError(f.Status, f.Code, msg)
		}
	}
	seg := strings.Split(p, "/")
	webhook := len(seg) > 0 && (seg[0] == "interactions" || seg[0] == "webhooks")
	if a.token != "" && !webhook && auth != "Bot "+a.token {
		return apiError(http.StatusUnauthorized, 0, "401: Unauthorized")
	}
	var in obj
	if len(body) > 0 {
		if err := json.Unmarshal(body, &in); err != nil {
			var arr []any
			if json.Unmarshal(body, &arr) != nil {
				return apiError(http.StatusBadRequest, 50109, "The request body contains invalid JSON.")
			}
		}
	}
	now := time.Now().UTC().Format(time.RFC3339Nano)
	switch {
	case method == "GET" && p == "gateway":
		return 200, obj{"url": a.gatewayURL}, nil
	case method == "GET" && p == "gateway/bot":
		return 200, obj{"url": a.gatewayURL, "shards": 1, "session_start_limit": obj{
			"total": 1000, "remaining": 999, "reset_after": 86400000, "max_concurrency": 1}}, nil
	case method == "PUT" && (match("applications/*/commands", p) || match("applications/*/guilds/*/commands", p)):
		var cmds []obj
		if err := json.Unmarshal(body, &cmds); err != nil {
			return apiError(http.StatusBadRequest, 50035, "Invalid Form Body")
		}
		a.commands = append(json.RawMessage(nil), body...)
		for _, c := range cmds {
			c["id"], c["application_id"], c["version"] = a.id(), seg[1], a.id()
		}
		return 200, cmds, nil
	case method == "POST" && match("channels/*/threads", p):
		name, _ := in["name"].(string)
		typ, _ := in["type"].(float64)
		dur, _ := in["auto_archive_duration"].(float64)
		inv, _ := in["invitable"].(bool)
		if name == "" || (typ != 11 && typ != 12) {
			return apiError(http.StatusBadRequest, 50035, "Invalid Form Body")
		}
		t := &Thread{ID: a.id(), ParentID: seg[1], Name: name, Type: int(typ), AutoArchiveDuration: int(dur), Invitable: inv, Members: []string{BotUserID}}
		a.threads[t.ID] = t
		return 201, a.threadJSON(t, now), nil
	case method == "PUT" && match("channels/*/thread-members/*", p):
		t, ok := a.threads[seg[1]]
		if !ok {
			return apiError(http.StatusNotFound, 10003, "Unknown Channel")
		}
		if !contains(t.Members, seg[3]) {
			t.Members = append(t.Members, seg[3])
		}
		return 204, nil, nil
	case method == "PATCH" && match("channels/*", p):
		t, ok := a.threads[seg[1]]
		if !ok {
			return 200, obj{"id": seg[1], "type": 0, "name": "channel", "guild_id": nil}, nil
		}
		if v, ok := in["archived"].(bool); ok {
			t.Archived = v
		}
		return 200, a.threadJSON(t, now), nil
	case method == "POST" && match("channels/*/messages", p):
		if u, ok := a.dmUser[seg[1]]; ok && a.blocked[u] {
			return apiError(http.StatusForbidden, 50007, "Cannot send messages to this user")
		}
		if t, ok := a.threads[seg[1]]; ok && t.Archived {
			t.Archived = false // sending into an archived (unlocked) thread unarchives it
		}
		m := &Message{ID: a.id(), ChannelID: seg[1]}
		a.fill(m, in)
		a.messages[m.ID] = m
		a.order = append(a.order, m.ID)
		return 200, a.messageJSON(m, now), nil
	case method == "PATCH" && match("channels/*/messages/*", p):
		m, ok := a.messages[seg[3]]
		if !ok || m.ChannelID != seg[1] {
			return apiError(http.StatusNotFound, 10008, "Unknown Message")
		}
		a.fill(m, in)
		m.Edits++
		return 200, a.messageJSON(m, now), nil
	case method == "POST" && p == "users/@me/channels":
		u, _ := in["recipient_id"].(string)
		if u == "" {
			return apiError(http.StatusBadRequest, 50035, "Invalid Form Body")
		}
		ch, ok := a.dms[u]
		if !ok {
			ch = a.id()
			a.dms[u], a.dmUser[ch] = ch, u
		}
		return 200, obj{"id": ch, "type": 1, "last_message_id": nil, "flags": 0,
			"recipients": []obj{{"id": u, "username": "user" + u, "discriminator": "0", "global_name": nil, "avatar": nil}}}, nil
	case method == "POST" && match("interactions/*/*/callback", p):
		return 204, nil, nil
	case method == "PATCH" && match("webhooks/*/*/messages/*", p):
		m := &Message{ID: a.id(), ChannelID: "webhook"}
		a.fill(m, in)
		return 200, a.messageJSON(m, now), nil
	case method == "POST" && match("webhooks/*/*", p):
		m := &Message{ID: a.id(), ChannelID: "webhook"}
		a.fill(m, in)
		if len(q["wait"]) == 0 {
			return 204, nil, nil
		}
		return 200, a.messageJSON(m, now), nil
	}
	return apiError(http.StatusNotFound, 0, "404: Not Found")
}

func (a *API) fill(m *Message, in obj) {
	if v, ok := in["content"].(string); ok {
		m.Content = v
	}
	raw := func(k string) json.RawMessage {
		if v, ok := in[k]; ok {
			b, _ := json.Marshal(v)
			return b
		}
		return nil
	}
	if v := raw("embeds"); v != nil {
		m.Embeds = v
	}
	if v := raw("components"); v != nil {
		m.Components = v
	}
	m.AllowedMentions = raw("allowed_mentions")
}

func (a *API) threadJSON(t *Thread, now string) obj {
	return obj{
		"id": t.ID, "type": t.Type, "guild_id": nil, "parent_id": t.ParentID, "owner_id": BotUserID, "name": t.Name,
		"last_message_id": nil, "rate_limit_per_user": 0, "message_count": 0, "member_count": len(t.Members),
		"total_message_sent": 0, "flags": 0,
		"thread_metadata": obj{"archived": t.Archived, "auto_archive_duration": t.AutoArchiveDuration,
			"archive_timestamp": now, "locked": false, "invitable": t.Invitable, "create_timestamp": now},
		"member": obj{"id": t.ID, "user_id": BotUserID, "join_timestamp": now, "flags": 0},
	}
}

func (a *API) messageJSON(m *Message, now string) obj {
	emb := any([]any{})
	if m.Embeds != nil {
		emb = m.Embeds
	}
	comps := any([]any{})
	if m.Components != nil {
		comps = m.Components
	}
	return obj{
		"id": m.ID, "type": 0, "channel_id": m.ChannelID, "content": m.Content,
		"author":      obj{"id": BotUserID, "username": "ticketbot", "discriminator": "0000", "global_name": nil, "avatar": nil, "bot": true},
		"attachments": []any{}, "embeds": emb, "components": comps, "mentions": []any{}, "mention_roles": []any{},
		"pinned": false, "mention_everyone": false, "tts": false, "timestamp": now, "edited_timestamp": nil, "flags": 0,
	}
}

func matches(wantMethod, pattern, method, p string) bool {
	return (wantMethod == "" || wantMethod == method) && match(pattern, p)
}

func match(pattern, p string) bool {
	ok, err := path.Match(pattern, p)
	return err == nil && ok
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// sortedIDs sorts snowflakes numerically (they all have the same length here).
func sortedIDs(ids []string) []string {
	for i := 1; i < len(ids); i++ {
		for j := i; j > 0 && (len(ids[j]) < len(ids[j-1]) || (len(ids[j]) == len(ids[j-1]) && ids[j] < ids[j-1])); j-- {
			ids[j], ids[j-1] = ids[j-1], ids[j]
		}
	}
	return ids
}
