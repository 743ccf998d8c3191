package slacktest

import (
	"encoding/json"
	"fmt"
	"github.com/ticketbot/ticketbot/core/coretest"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Call is one request the fake received: a Web API method, or "response_url" for a post to
// a response URL.
type Call struct {
	Method string
	// Params are the request's parameters: form values, or the top-level fields of a JSON
	// body (strings as they are, other values re-encoded as JSON). The token is not among them.
	Params map[string]string
	// JSON is the parameters decoded: a JSON body as sent, form values holding JSON
	// ("blocks", "metadata", "view") decoded.
	JSON map[string]any
	// Strings are every string inside the parameters, JSON decoded.
	Strings []string
	Token   string
	// Status is the HTTP status answered (0: the client went away during a hang); Error the
	// Slack error code answered ("" when ok).
	Status int
	Error  string
	// Fault names the injected fault that shaped the answer, if one did.
	Fault string
	// Channel and TS say where the message the call made or changed is; Thread is the
	// thread it is in ("" at the top level).
	Channel, TS, Thread string
	// At is when the request arrived, Answered when its answer was sent (later than the
	// action under a late-answer fault).
	At, Answered time.Time
}

// OK reports whether Slack answered the call with ok: true.
func (c Call) OK() bool { return c.Status == http.StatusOK && c.Error == "" }

// Decode unmarshals parameter k (a JSON value such as "blocks", "view" or "metadata") into v.
func (c Call) Decode(k string, v any) error {
	raw, ok := c.Params[k]
	if !ok {
		return fmt.Errorf("slacktest: %s has no parameter %q", c.Method, k)
	}
	return json.Unmarshal([]byte(raw), v)
}

// Visible returns the strings of the call a person can read: text, blocks and attachments
// (not metadata, not ids).
func (c Call) Visible() []string {
	var out []string
	for _, k := range []string{"text", "blocks", "attachments", "view"} {
		if v, ok := c.JSON[k]; ok {
			out = coretest.JSONStrings(v, out)
		}
	}
	return out
}

// Pred selects calls.
type Pred func(Call) bool

// Param selects calls whose parameter k is v ("" also matches an absent parameter).
func Param(k, v string) Pred { return func(c Call) bool { return c.Params[k] == v } }

// Containing selects calls where some string contains sub.
func Containing(sub string) Pred {
	return func(c Call) bool {
		return slices.ContainsFunc(c.Strings, func(s string) bool { return strings.Contains(s, sub) })
	}
}

// InChannel selects calls whose message is in channel.
func InChannel(channel string) Pred {
	return func(c Call) bool { return c.Channel == channel || c.Params["channel"] == channel }
}

// Failed selects calls Slack did not answer with ok (an error code, an HTTP error, a hang).
func Failed() Pred { return func(c Call) bool { return !c.OK() } }

// Calls returns every call so far, in arrival order of their records.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// Attempts returns every call of method (any outcome) matching every pred.
func (s *Server) Attempts(method string, preds ...Pred) []Call {
	var out []Call
	for _, c := range s.Calls() {
		if (method == "" || c.Method == method) && all(c, preds) {
			out = append(out, c)
		}
	}
	return out
}

// Find returns the successful calls of method ("" = any) matching every pred.
func (s *Server) Find(method string, preds ...Pred) []Call {
	return s.Attempts(method, append([]Pred{func(c Call) bool { return c.OK() }}, preds...)...)
}

func all(c Call, preds []Pred) bool {
	for _, p := range preds {
		if !p(c) {
			return false
		}
	}
	return true
}

// DefaultWait is how long Wait waits.
const DefaultWait = 15 * time.Second

// Wait waits up to DefaultWait for a successful call of method matching every pred and
// returns the latest; it fails tb with the calls so far otherwise.
func (s *Server) Wait(tb Fataler, method string, preds ...Pred) Call {
	tb.Helper()
	cs := s.WaitFor(tb, DefaultWait, method, 1, preds...)
	return cs[len(cs)-1]
}

// WaitFor waits until at least n successful calls match method and every pred and returns
// them; it fails tb after timeout.
func (s *Server) WaitFor(tb Fataler, timeout time.Duration, method string, n int, preds ...Pred) []Call {
	tb.Helper()
	ok := s.WaitUntil(timeout, func() bool { return len(s.Find(method, preds...)) >= n })
	got := s.Find(method, preds...)
	if !ok {
		tb.Fatalf("slacktest: waited %v for %d matching %s calls, got %d; all calls:\n%s", timeout, n, method, len(got), s.Dump())
	}
	return got
}

// WaitUntil evaluates cond after every change the fake sees (a call, a Socket Mode ack, a
// connection), and at least every 20 ms, until it holds or timeout passes; it reports
// whether it held. It needs no test, for benchmarks.
func (s *Server) WaitUntil(timeout time.Duration, cond func() bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond() {
			return true
		}
		select {
		case <-ch:
		case <-tick.C:
		case <-deadline.C:
			return cond()
		}
	}
}

// Dump lists the calls so far, one a line, for failure messages.
func (s *Server) Dump() string {
	var b strings.Builder
	for _, c := range s.Calls() {
		ps := make([]string, 0, len(c.Params))
		for k, v := range c.Params {
			ps = append(ps, k+"="+truncate(v, 200))
		}
		slices.Sort(ps)
		fmt.Fprintf(&b, "  %d %s %s%s %s\n", c.Status, c.Method, c.Error, faultNote(c.Fault), strings.Join(ps, " "))
	}
	return b.String()
}

func faultNote(f string) string {
	if f == "" {
		return ""
	}
	return " [fault " + f + "]"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
