package discordtest

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime"
	"mime/multipart"
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
	// Files are the files of a multipart request (its JSON part is Body).
	Files []File
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
	// Hang holds matching requests until the release Inject returns is called; a request
	// whose client gave up meanwhile is never served (recorded with Status 0).
	Hang bool
	// Late serves matching requests at once (the action happens) but answers only after
	// this long, so a client with a shorter timeout loses the answer.
	Late time.Duration
	// Times is how many requests fail; 0 means all of them.
	Times int
	// For ends the fault this long after it was injected; 0 means never.
	For time.Duration
}

type fault struct {
	Fault
	used    int
	until   time.Time
	release chan struct{}
}

// live reports whether f still applies to method and p.
func (f *fault) live(method, p string) bool {
	return (f.Times == 0 || f.used < f.Times) && (f.until.IsZero() || time.Now().Before(f.until)) && matches(f.Method, f.Path, method, p)
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
	// Nonce is the nonce it was created with; Files the files uploaded with it.
	Nonce   string
	Files   []File
	Deleted bool
	created time.Time
}

// File is a file uploaded with a message (multipart/form-data).
type File struct {
	Field, Name, ContentType string
	Data                     []byte
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
	world
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
		world:    newWorld(),
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

// Inject adds a fault; the function it returns releases the requests a Hang holds and ends
// the fault.
func (a *API) Inject(f Fault) (release func()) {
	ft := &fault{Fault: f, release: make(chan struct{})}
	if f.For > 0 {
		ft.until = time.Now().Add(f.For)
	}
	a.mu.Lock()
	a.faults = append(a.faults, ft)
	a.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			a.mu.Lock()
			ft.Times, ft.used = 1, 1
			a.mu.Unlock()
			close(ft.release)
		})
	}
}

// Hang holds requests matching method and pattern until release is called: a black hole.
func (a *API) Hang(method, pattern string) (release func()) {
	return a.Inject(Fault{Method: method, Path: pattern, Hang: true})
}

// LateAnswer serves the next times requests matching method and pattern at once but answers
// them only after d: the action happens, a client that gives up sooner never hears of it.
func (a *API) LateAnswer(method, pattern string, d time.Duration, times int) {
	a.Inject(Fault{Method: method, Path: pattern, Late: d, Times: times})
}

// Fail answers the next times requests matching method and pattern with status and Discord's
// JSON error code (times 0: all of them).
func (a *API) Fail(method, pattern string, status, code, times int) {
	a.Inject(Fault{Method: method, Path: pattern, Status: status, Code: code, Times: times})
}

// RateLimitFor answers requests matching method and pattern with 429 for d.
func (a *API) RateLimitFor(method, pattern string, retryAfter, d time.Duration) {
	a.Inject(Fault{Method: method, Path: pattern, Status: http.StatusTooManyRequests, RetryAfter: retryAfter, For: d})
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
	body, files := readBody(r)
	p := strings.TrimPrefix(r.URL.Path, "/")
	for _, base := range []string{"api/v10/", "api/v9/"} {
		p = strings.TrimPrefix(p, base)
	}
	call := Call{Method: r.Method, Path: p, Query: r.URL.RawQuery, Body: json.RawMessage(body), Auth: r.Header.Get("Authorization"),
		Files: files, At: time.Now()}

	delay, hang, late := a.holds(r.Method, p)
	if hang != nil {
		select {
		case <-hang.release:
		case <-r.Context().Done():
			a.mu.Lock()
			a.calls = append(a.calls, call) // Status 0: never served
			a.touch()
			a.mu.Unlock()
			return
		}
	}
	time.Sleep(delay)

	a.mu.Lock()
	status, resp, hdr := a.route(r.Method, p, r.URL.Query(), body, call.Auth, files)
	call.Status = status
	a.calls = append(a.calls, call)
	a.touch()
	a.mu.Unlock()

	if late != nil {
		t := time.NewTimer(late.Late)
		select {
		case <-t.C:
		case <-late.release:
		case <-r.Context().Done():
		}
		t.Stop()
	}
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

// holds takes the delay, hang and late-answer faults matching a request.
func (a *API) holds(method, p string) (delay time.Duration, hang, late *fault) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, f := range a.faults {
		if !f.live(method, p) {
			continue
		}
		switch {
		case f.Hang && hang == nil:
			hang = f
			f.used++
		case f.Late > 0 && late == nil && f.Status == 0:
			late = f
			f.used++
		case f.Delay > 0:
			delay = max(delay, f.Delay)
			if f.Status == 0 {
				f.used++
			}
		}
	}
	return delay, hang, late
}

func (a *API) touch() {
	close(a.changed)
	a.changed = make(chan struct{})
}

// readBody reads a request's JSON: the body, or the payload_json part of a multipart body,
// whose files it returns.
func readBody(r *http.Request) ([]byte, []File) {
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		body, _ := io.ReadAll(r.Body)
		return body, nil
	}
	var body []byte
	var files []File
	mr := multipart.NewReader(r.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err != nil {
			return body, files
		}
		data, _ := io.ReadAll(part)
		if part.FormName() == "payload_json" {
			body = data
			continue
		}
		if part.FileName() != "" {
			files = append(files, File{Field: part.FormName(), Name: part.FileName(), ContentType: part.Header.Get("Content-Type"), Data: data})
		}
	}
}

type obj = map[string]any

func apiError(status, code int, msg string) (int, any, map[string]string) {
	return status, obj{"message": msg, "code": code}, nil
}

// route serves one request; a.mu is held.
func (a *API) route(method, p string, q map[string][]string, body []byte, auth string, files []File) (int, any, map[string]string) {
	for _, f := range a.faults {
		if f.Status != 0 && f.live(method, p) {
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
	oauth2 := strings.HasPrefix(p, "oauth2/") && p != "oauth2/applications/@me"
	webhook := len(seg) > 0 && (seg[0] == "interactions" || seg[0] == "webhooks" || oauth2)
	bearer := strings.HasPrefix(auth, "Bearer ") && (p == "users/@me" || p == "users/@me/guilds")
	if a.token != "" && !webhook && !bearer && auth != "Bot "+a.token {
		return apiError(http.StatusUnauthorized, 0, "401: Unauthorized")
	}
	if oauth2 {
		return a.serveOAuth(method, p, q, body, auth)
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
		nonce := nonceOf(in["nonce"])
		if enforce, _ := in["enforce_nonce"].(bool); enforce && nonce != "" {
			if m := a.byNonce(nonce); m != nil {
				return 200, a.messageJSON(m, now), nil // Discord returns the first message, posts none
			}
		}
		m := &Message{ID: a.id(), ChannelID: seg[1], Nonce: nonce, Files: files, created: time.Now()}
		a.fill(m, in)
		a.messages[m.ID] = m
		a.order = append(a.order, m.ID)
		return 200, a.messageJSON(m, now), nil
	case method == "PATCH" && match("channels/*/messages/*", p):
		m, ok := a.messages[seg[3]]
		if !ok || m.ChannelID != seg[1] || m.Deleted {
			return apiError(http.StatusNotFound, 10008, "Unknown Message")
		}
		a.fill(m, in)
		m.Files = append(m.Files, files...)
		m.Edits++
		return 200, a.messageJSON(m, now), nil
	case method == "DELETE" && match("channels/*/messages/*", p):
		m, ok := a.messages[seg[3]]
		if !ok || m.ChannelID != seg[1] || m.Deleted {
			return apiError(http.StatusNotFound, 10008, "Unknown Message")
		}
		m.Deleted = true
		return 204, nil, nil
	case method == "POST" && match("channels/*/messages/*/threads", p):
		return a.threadOnMessage(seg[1], seg[3], in, now)
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
	if status, resp, ok := a.routeWorld(method, p, seg, auth); ok {
		return status, resp, nil
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
	atts := []obj{}
	for i, f := range m.Files {
		atts = append(atts, obj{"id": m.ID + strconv.Itoa(i), "filename": f.Name, "size": len(f.Data), "content_type": f.ContentType,
			"url": a.srv.URL + "/attachments/" + m.ChannelID + "/" + m.ID + "/" + f.Name, "proxy_url": a.srv.URL + "/attachments/" + m.ID + "/" + f.Name})
	}
	var nonce any
	if m.Nonce != "" {
		nonce = m.Nonce
	}
	return obj{
		"id": m.ID, "type": 0, "channel_id": m.ChannelID, "content": m.Content, "nonce": nonce,
		"author":      obj{"id": BotUserID, "username": "ticketbot", "discriminator": "0000", "global_name": nil, "avatar": nil, "bot": true},
		"attachments": atts, "embeds": emb, "components": comps, "mentions": []any{}, "mention_roles": []any{},
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
