package slacktest

import (
	"math"
	"net/http"
	"path"
	"slices"
	"strconv"
	"time"
)

// Fault changes how matching Web API calls are answered. Set one of Error, Status, Hang,
// Delay or Late (Error or Status may be combined with Delay).
type Fault struct {
	// Method is a path.Match pattern of method names ("chat.postMessage", "chat.*", "*";
	// "response_url" for posts to response URLs).
	Method string
	// Where narrows the fault to calls it accepts (e.g. Param("channel", "C1")).
	Where Pred
	// Error answers HTTP 200 {"ok":false,"error":Error}: a Slack error code.
	Error string
	// Status answers this HTTP status: 429 (with Retry-After) or a 5xx.
	Status int
	// RetryAfter is the Retry-After of a 429 [1 s]; Slack sends whole seconds.
	RetryAfter time.Duration
	// Hang holds the call before it is served, until Release or HangFor passes; a call whose
	// client gave up meanwhile is never served (recorded with Status 0, "client_gone").
	Hang    bool
	HangFor time.Duration
	// Delay holds the call this long, then serves it even if its client gave up (a slow Slack).
	Delay time.Duration
	// Late serves the call at once (the action happens) but holds its answer this long, so
	// a client with a shorter timeout loses the answer.
	Late time.Duration
	// Times is how many calls the fault takes; 0 means every one.
	Times int
	// For ends the fault this long after it was injected; 0 means never.
	For time.Duration
}

type fault struct {
	Fault
	until   time.Time
	used    int
	release chan struct{}
}

// name is what a Call records of the fault.
func (f *fault) name() string {
	switch {
	case f.Status == http.StatusTooManyRequests:
		return "ratelimit"
	case f.Status != 0:
		return "http_" + strconv.Itoa(f.Status)
	case f.Error != "":
		return "error:" + f.Error
	case f.Hang:
		return "hang"
	case f.Late > 0:
		return "late"
	default:
		return "delay"
	}
}

// Inject adds a fault; it returns a function that releases the calls it holds (for Hang)
// and ends it.
func (s *Server) Inject(f Fault) (release func()) {
	ft := &fault{Fault: f, release: make(chan struct{})}
	s.mu.Lock()
	if f.For > 0 {
		ft.until = s.now().Add(f.For)
	}
	s.faults = append(s.faults, ft)
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		ft.end()
	}
}

// end releases the calls f holds and spends it; s.mu is held. Ending it again does nothing.
func (f *fault) end() {
	select {
	case <-f.release:
	default:
		close(f.release)
	}
	f.Times, f.used = 1, 1
}

// Fail answers the next times calls of method with Slack error code (times 0: all of them).
func (s *Server) Fail(method, code string, times int) {
	s.Inject(Fault{Method: method, Error: code, Times: times})
}

// FailStatus answers the next times calls of method with an HTTP status (a 5xx).
func (s *Server) FailStatus(method string, status, times int) {
	s.Inject(Fault{Method: method, Status: status, Times: times})
}

// RateLimit answers calls of method with 429 and Retry-After for d (d 0: until ClearFaults).
func (s *Server) RateLimit(method string, retryAfter, d time.Duration) {
	s.Inject(Fault{Method: method, Status: http.StatusTooManyRequests, RetryAfter: retryAfter, For: d})
}

// RateLimitTimes answers the next times calls of method with 429 and Retry-After.
func (s *Server) RateLimitTimes(method string, retryAfter time.Duration, times int) {
	s.Inject(Fault{Method: method, Status: http.StatusTooManyRequests, RetryAfter: retryAfter, Times: times})
}

// Hang holds every call of method until the returned release is called (or the client gives
// up, in which case the call is never served): a black hole.
func (s *Server) Hang(method string) (release func()) {
	return s.Inject(Fault{Method: method, Hang: true})
}

// Slow delays every call of method by d before serving it (even if its client gave up).
func (s *Server) Slow(method string, d time.Duration) {
	s.Inject(Fault{Method: method, Delay: d})
}

// LateAnswer serves the next times calls of method at once but answers only after d: the
// action happens, and a client that gives up sooner never learns of it.
func (s *Server) LateAnswer(method string, d time.Duration, times int) {
	s.Inject(Fault{Method: method, Late: d, Times: times})
}

// BreakChannel fails every chat.postMessage into channel with code (e.g. channel_not_found).
func (s *Server) BreakChannel(channel, code string) {
	s.Inject(Fault{Method: "chat.postMessage", Where: Param("channel", channel), Error: code})
}

// ClearFaults removes every fault and releases the calls held.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.faults {
		f.end()
	}
	s.faults = nil
}

// takeFault returns the first live fault matching c, counting the use, and names it in c.
func (s *Server) takeFault(c *Call) *fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for _, f := range s.faults {
		if f.Times > 0 && f.used >= f.Times {
			continue
		}
		if !f.until.IsZero() && !now.Before(f.until) {
			continue
		}
		if ok, err := path.Match(f.Method, c.Method); err != nil || !ok {
			continue
		}
		if f.Where != nil && !f.Where(*c) {
			continue
		}
		f.used++
		c.Fault = f.name()
		return f
	}
	return nil
}

// holding notes that a fault starts (on) or stops holding c, and wakes waiters.
func (s *Server) holding(c *Call, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if on {
		s.held = append(s.held, c)
	} else {
		s.held = slices.DeleteFunc(s.held, func(h *Call) bool { return h == c })
	}
	s.touch()
}

// Held returns the calls of method ("" = any) matching every pred that a Hang or Delay
// fault holds right now: arrived, not yet served, their client still waiting. A test waits
// on it to act while a client is inside a call (kill the process delivering a post, say).
func (s *Server) Held(method string, preds ...Pred) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.held {
		if (method == "" || c.Method == method) && all(*c, preds) {
			out = append(out, *c)
		}
	}
	return out
}

// WaitHeld waits up to timeout until a fault holds a call of method matching every pred and
// returns it; it fails tb with the calls so far otherwise.
func (s *Server) WaitHeld(tb Fataler, timeout time.Duration, method string, preds ...Pred) Call {
	tb.Helper()
	var got []Call
	if !s.WaitUntil(timeout, func() bool { got = s.Held(method, preds...); return len(got) > 0 }) {
		tb.Fatalf("slacktest: waited %v for a held %s call; all calls:\n%s", timeout, method, s.Dump())
	}
	return got[0]
}

// hold applies a fault's hang or delay; it reports false when the client gave up during a
// hang (the call is then not served).
func (f *fault) hold(r *http.Request, c *Call) bool {
	switch {
	case f.Hang:
		var timeout <-chan time.Time
		if f.HangFor > 0 {
			t := time.NewTimer(f.HangFor)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-f.release:
		case <-timeout:
		case <-r.Context().Done():
			return false
		}
		return r.Context().Err() == nil
	case f.Delay > 0:
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-f.release:
		}
	}
	return true
}

// wait holds an answer for d, or until release.
func (f *fault) wait(r *http.Request, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-f.release:
	case <-r.Context().Done():
	}
}

// answer is the failure a fault answers with.
func (f *fault) answer() (int, obj, http.Header) {
	if f.Error != "" && f.Status == 0 {
		return http.StatusOK, obj{"ok": false, "error": f.Error}, nil
	}
	if f.Status == http.StatusTooManyRequests {
		ra := f.RetryAfter
		if ra <= 0 {
			ra = time.Second
		}
		return f.Status, obj{"ok": false, "error": "ratelimited"},
			http.Header{"Retry-After": {strconv.Itoa(int(math.Ceil(ra.Seconds())))}}
	}
	code := f.Error
	if code == "" {
		code = "fatal_error"
	}
	return f.Status, obj{"ok": false, "error": code}, nil
}
