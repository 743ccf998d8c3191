package slacktest

import (
	"fmt"
	"github.com/ticketbot/ticketbot/core/coretest"
	"regexp"
	"strings"
)

// Finding is a recorded call that carried something it must not.
type Finding struct {
	Call Call
	// Match is what was found (a mention, a secret); Text the string it was found in.
	Match, Text string
}

func (f Finding) String() string {
	return fmt.Sprintf("%s to %s%s carried %q in %q", f.Call.Method, f.Call.Channel, threadNote(f.Call), f.Match, truncate(f.Text, 200))
}

func threadNote(c Call) string {
	if t := c.Thread; t != "" {
		return " (thread " + t + ")"
	}
	return ""
}

// liveMention matches what pings many people: Slack's special mentions and user-group
// mentions, and the bare words Slack turns into them.
var liveMention = regexp.MustCompile(`<!(channel|here|everyone)(\|[^>]*)?>|<!subteam\^|(^|[^\w])(?i:@(everyone|here|channel))\b`)

// Mentions scans what every message-posting call showed (text, blocks, attachments, views)
// for live mentions: <!channel>, <!here>, <!everyone>, <!subteam^…>, @everyone, @here,
// @channel. Escaped forms ("&lt;!channel&gt;", "@\u200bhere") are not live.
func (s *Server) Mentions() []Finding {
	var out []Finding
	for _, c := range s.Calls() {
		for _, str := range c.Visible() {
			if m := liveMention.FindString(str); m != "" {
				out = append(out, Finding{Call: c, Match: strings.TrimLeft(m, " \t\n(,.;:"), Text: str})
			}
		}
	}
	return out
}

// visibleAt reports whether c put something a person can read at one of places: "C1" is
// a channel (every message in it, its threads too), "C1/1700000000.000100" one thread
// (its replies and, for a DM thread, the parent).
func visibleAt(c Call, places []string) bool {
	ch := c.Channel
	if ch == "" {
		ch = c.Params["channel"]
	}
	if ch == "" {
		return false
	}
	thread := c.Thread
	for _, p := range places {
		pc, pt, isThread := strings.Cut(p, "/")
		if pc != ch {
			continue
		}
		if !isThread || thread == pt || c.TS == pt {
			return true
		}
	}
	return false
}

// Leaked reports every recorded call that showed one of secrets (the internal notes' texts,
// say) at one of places (requester-facing channels "C1" or threads "C1/ts"): posts,
// updates, ephemerals and response_url answers alike, whether or not Slack answered ok.
func (s *Server) Leaked(places []string, secrets ...string) []Finding {
	var out []Finding
	for _, c := range s.Calls() {
		if c.Status == 0 || !visibleAt(c, places) {
			continue
		}
		for _, str := range c.Visible() {
			for _, sec := range secrets {
				if sec != "" && strings.Contains(str, sec) {
					out = append(out, Finding{Call: c, Match: sec, Text: str})
				}
			}
		}
	}
	return out
}

// Errorer is what the Assert helpers need of a test.
type Errorer interface {
	Helper()
	Errorf(format string, args ...any)
}

// AssertNoLeaks fails tb for every Leaked finding.
func (s *Server) AssertNoLeaks(tb Errorer, places []string, secrets ...string) {
	tb.Helper()
	for _, f := range s.Leaked(places, secrets...) {
		tb.Errorf("slacktest: leaked: %s", f)
	}
}

// AssertNoMentions fails tb for every live mention any call showed.
func (s *Server) AssertNoMentions(tb Errorer) {
	tb.Helper()
	for _, f := range s.Mentions() {
		tb.Errorf("slacktest: live mention: %s", f)
	}
}

// Strings returns every string inside a decoded JSON value (map keys aside).
func Strings(v any) []string { return coretest.JSONStrings(v, nil) }
