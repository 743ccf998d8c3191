package slack_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// fakeSlack is a Slack Web API (and Socket Mode endpoint) that records every call and answers
// in Slack's JSON shapes. Failures can be queued per method.
type fakeSlack struct {
	t        testing.TB
	srv      *httptest.Server
	team     string
	botToken string
	appToken string

	mu       sync.Mutex
	calls    []apiCall
	seq      int
	users    map[string]fakeUser
	members  map[string][]string
	failures map[string][]failure
	badChans map[string]string
	delays   map[string]time.Duration

	sockets chan *websocket.Conn
}

// fakeUser is a workspace member as users.info describes them.
type fakeUser struct {
	ID, Name string
	Admin    bool
	Owner    bool
}

// apiCall is one recorded request: its method, its parameters (form values, or top-level
// JSON fields re-encoded), every string inside it (JSON strings decoded), and the status sent.
type apiCall struct {
	Method  string
	Params  map[string]string
	Strings []string
	Status  int
	Error   string
	TS      string // the ts a post got
	At      time.Time
}

// failure is a queued answer: an HTTP status with Retry-After, or a Slack error code.
type failure struct {
	Status     int
	RetryAfter int
	Code       string
}

func newFakeSlack(t testing.TB, team string) *fakeSlack {
	f := &fakeSlack{
		t:        t,
		team:     team,
		botToken: "xoxb-test-bot-token-SECRET1",
		appToken: "xapp-test-app-token-SECRET2",
		users:    map[string]fakeUser{},
		members:  map[string][]string{},
		failures: map[string][]failure{},
		badChans: map[string]string{},
		delays:   map[string]time.Duration{},
		sockets:  make(chan *websocket.Conn, 8),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/", f.serveAPI)
	mux.HandleFunc("/response/", f.serveResponseURL)
	mux.HandleFunc("/socket", f.serveSocket)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeSlack) apiURL() string { return f.srv.URL + "/api/" }

func (f *fakeSlack) addUser(u fakeUser) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.users[u.ID] = u
}

func (f *fakeSlack) setMembers(channel string, ids ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.members[channel] = ids
}

// fail queues an answer for the next call of method.
func (f *fakeSlack) fail(method string, fl failure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures[method] = append(f.failures[method], fl)
}

// slow delays every answer to method by d.
func (f *fakeSlack) slow(method string, d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.delays[method] = d
}

// breakChannel makes every post into channel fail with code.
func (f *fakeSlack) breakChannel(channel, code string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.badChans[channel] = code
}

// all returns a copy of every recorded call.
func (f *fakeSlack) all() []apiCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// callsTo returns the successful calls of method matching every pred.
func (f *fakeSlack) callsTo(method string, preds ...func(apiCall) bool) []apiCall {
	var out []apiCall
next:
	for _, c := range f.all() {
		if c.Method != method || c.Status != http.StatusOK || c.Error != "" {
			continue
		}
		for _, p := range preds {
			if !p(c) {
				continue next
			}
		}
		out = append(out, c)
	}
	return out
}

// wait polls until method was called successfully with every pred, and returns that call.
func (f *fakeSlack) wait(method string, preds ...func(apiCall) bool) apiCall {
	f.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if cs := f.callsTo(method, preds...); len(cs) > 0 {
			return cs[len(cs)-1]
		}
		time.Sleep(10 * time.Millisecond)
	}
	f.t.Fatalf("fake Slack: no matching %s call; calls so far:\n%s", method, f.dump())
	return apiCall{}
}

func (f *fakeSlack) dump() string {
	var sb strings.Builder
	for _, c := range f.all() {
		fmt.Fprintf(&sb, "  %s %d %s %v\n", c.Method, c.Status, c.Error, c.Params)
	}
	return sb.String()
}

// param matches calls whose parameter k is v.
func param(k, v string) func(apiCall) bool {
	return func(c apiCall) bool { return c.Params[k] == v }
}

// containing matches calls where some string contains s.
func containing(s string) func(apiCall) bool {
	return func(c apiCall) bool {
		for _, x := range c.Strings {
			if strings.Contains(x, s) {
				return true
			}
		}
		return false
	}
}

func (f *fakeSlack) nextTS() string {
	f.seq++
	return fmt.Sprintf("1700000000.%06d", f.seq)
}

// read decodes a request into parameters and strings.
func read(r *http.Request) (apiCall, string) {
	c := apiCall{Params: map[string]string{}}
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	body, _ := io.ReadAll(r.Body)
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var m map[string]any
		_ = json.Unmarshal(body, &m)
		for k, v := range m {
			switch v := v.(type) {
			case string:
				c.Params[k] = v
			default:
				b, _ := json.Marshal(v)
				c.Params[k] = string(b)
			}
		}
		c.Strings = leaves(m, nil)
	} else {
		vals, _ := url.ParseQuery(string(body))
		for k, vs := range r.URL.Query() {
			vals[k] = append(vals[k], vs...)
		}
		for k := range vals {
			v := vals.Get(k)
			if k == "token" {
				token = v
				continue
			}
			c.Params[k] = v
			c.Strings = append(c.Strings, v)
			if strings.HasPrefix(v, "[") || strings.HasPrefix(v, "{") {
				var x any
				if json.Unmarshal([]byte(v), &x) == nil {
					c.Strings = leaves(x, c.Strings)
				}
			}
		}
	}
	return c, token
}

// leaves collects every string in a decoded JSON value.
func leaves(v any, out []string) []string {
	switch v := v.(type) {
	case string:
		out = append(out, v)
	case []any:
		for _, x := range v {
			out = leaves(x, out)
		}
	case map[string]any:
		for _, x := range v {
			out = leaves(x, out)
		}
	}
	return out
}

func (f *fakeSlack) serveAPI(w http.ResponseWriter, r *http.Request) {
	c, token := read(r)
	c.Method = strings.TrimPrefix(r.URL.Path, "/api/")
	c.At = time.Now()
	f.mu.Lock()
	delay := f.delays[c.Method]
	f.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	answer := func(status int, v any) {
		c.Status = status
		f.calls = append(f.calls, c)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	slackErr := func(code string) {
		c.Error = code
		answer(http.StatusOK, map[string]any{"ok": false, "error": code})
	}
	want := f.botToken
	if c.Method == "apps.connections.open" {
		want = f.appToken
	}
	if token != want {
		slackErr("invalid_auth")
		return
	}
	if q := f.failures[c.Method]; len(q) > 0 {
		fl := q[0]
		f.failures[c.Method] = q[1:]
		if fl.Status != 0 {
			w.Header().Set("Retry-After", strconv.Itoa(fl.RetryAfter))
			answer(fl.Status, map[string]any{"ok": false, "error": "ratelimited"})
			return
		}
		slackErr(fl.Code)
		return
	}
	ok := func(fields map[string]any) {
		fields["ok"] = true
		answer(http.StatusOK, fields)
	}
	p := c.Params
	switch c.Method {
	case "auth.test":
		ok(map[string]any{"url": "https://fake.slack.com/", "team": "Fake", "user": "ticketbot",
			"team_id": f.team, "user_id": "UBOT", "bot_id": "BBOT"})
	case "chat.postMessage":
		if code := f.badChans[p["channel"]]; code != "" {
			slackErr(code)
			return
		}
		ts := f.nextTS()
		c.TS = ts
		ok(map[string]any{"channel": p["channel"], "ts": ts, "message": map[string]any{"text": p["text"], "ts": ts}})
	case "chat.update":
		ok(map[string]any{"channel": p["channel"], "ts": p["ts"], "text": p["text"]})
	case "chat.postEphemeral":
		ok(map[string]any{"message_ts": f.nextTS()})
	case "views.open":
		if p["trigger_id"] == "" {
			slackErr("invalid_trigger_id")
			return
		}
		ok(map[string]any{"view": map[string]any{"id": "V1", "type": "modal"}})
	case "users.info":
		u, found := f.users[p["user"]]
		if !found {
			slackErr("user_not_found")
			return
		}
		ok(map[string]any{"user": map[string]any{"id": u.ID, "name": u.Name, "team_id": f.team,
			"is_admin": u.Admin, "is_owner": u.Owner, "is_primary_owner": false}})
	case "conversations.members":
		// Two members a page, to exercise paging.
		all := f.members[p["channel"]]
		start, _ := strconv.Atoi(p["cursor"])
		end := min(start+2, len(all))
		next := ""
		if end < len(all) {
			next = strconv.Itoa(end)
		}
		ok(map[string]any{"members": all[start:end], "response_metadata": map[string]any{"next_cursor": next}})
	case "conversations.open":
		ok(map[string]any{"channel": map[string]any{"id": "D" + p["users"]}})
	case "chat.getPermalink":
		ok(map[string]any{"channel": p["channel"],
			"permalink": "https://fake.slack.com/archives/" + p["channel"] + "/p" + strings.ReplaceAll(p["message_ts"], ".", "")})
	case "apps.connections.open":
		ok(map[string]any{"url": "ws" + strings.TrimPrefix(f.srv.URL, "http") + "/socket"})
	default:
		slackErr("unknown_method")
	}
}

// serveResponseURL records a post to an interaction's response_url.
func (f *fakeSlack) serveResponseURL(w http.ResponseWriter, r *http.Request) {
	c, _ := read(r)
	c.Method = "response_url"
	c.At = time.Now()
	c.Params["url"] = r.URL.Path
	c.Status = http.StatusOK
	f.mu.Lock()
	f.calls = append(f.calls, c)
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"ok":true}`))
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// serveSocket accepts a Socket Mode connection, says hello, and hands it to the test.
func (f *fakeSlack) serveSocket(w http.ResponseWriter, r *http.Request) {
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	_ = conn.WriteJSON(map[string]any{"type": "hello", "num_connections": 1,
		"connection_info": map[string]any{"app_id": "A1"}, "debug_info": map[string]any{"host": "fake"}})
	f.sockets <- conn
}
