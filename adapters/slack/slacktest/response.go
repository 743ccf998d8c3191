package slacktest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

// serveResponseURL takes a post to a response URL: it is recorded as a "response_url" call
// (Params["url"] is the path), and when the URL is bound to a message (ResponseURL),
// replace_original and delete_original act on it and an in_channel answer posts into its
// channel.
func (s *Server) serveResponseURL(w http.ResponseWriter, r *http.Request) {
	c, _ := readCall(r, "response_url", s.now())
	c.Params["url"] = r.URL.Path
	id := strings.TrimPrefix(r.URL.Path, "/response/")

	f, done := s.applyFault(w, r, c)
	if done {
		return
	}

	s.mu.Lock()
	code := ""
	if p, ok := s.responses[id]; ok {
		c.Channel = p.channel
		code = s.respond(c, p)
	}
	c.Status, c.Error, c.Answered = http.StatusOK, code, s.now()
	s.record(c)
	s.mu.Unlock()
	if f != nil && f.Late > 0 {
		f.wait(r, f.Late)
	}
	if code != "" {
		// Slack answers a bad response_url post with a status and a plain error.
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(code))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(obj{"ok": true})
}

// respond applies a response_url post to the message it is bound to; s.mu is held.
func (s *Server) respond(c *Call, p place) string {
	m := s.message(p.channel, p.ts)
	switch {
	case boolParam(c, "delete_original"):
		if m == nil {
			return "message_not_found"
		}
		s.remove(m)
		c.TS, c.Thread = m.TS, m.ThreadTS
	case boolParam(c, "replace_original"):
		if m == nil {
			return "message_not_found"
		}
		next := *m
		if code := content(c, &next); code != "" {
			return code
		}
		next.Edits++
		*m = next
		c.TS, c.Thread = m.TS, m.ThreadTS
	case c.Params["response_type"] == "in_channel":
		msg := &Message{Channel: p.channel, User: BotUserID, BotID: BotID, ThreadTS: c.Params["thread_ts"]}
		if code := content(c, msg); code != "" {
			return code
		}
		msg.TS = s.nextTS()
		s.channel(p.channel, true)
		s.add(msg)
		c.TS, c.Thread = msg.TS, msg.ThreadTS
	}
	return ""
}

// ToResponseURL selects the posts to response URL u (as ResponseURL returns it, or its path).
func ToResponseURL(u string) Pred {
	p := u
	if parsed, err := url.Parse(u); err == nil {
		p = parsed.Path
	}
	return func(c Call) bool { return c.Method == "response_url" && c.Params["url"] == p }
}

// Responses returns what was posted to response URL u and accepted, in arrival order: the
// answer's text is Params["text"], its flags (replace_original, response_type) beside it.
func (s *Server) Responses(u string) []Call {
	return s.Find("response_url", ToResponseURL(u))
}
