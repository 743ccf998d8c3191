package discordtest

import (
	"encoding/json"
	"fmt"
	"github.com/ticketbot/ticketbot/core/coretest"
	"strings"
)

// Finding is a recorded call that carried something it must not.
type Finding struct {
	Call Call
	// Match is what was found (a secret, a missing allowed_mentions); Text where.
	Match, Text string
}

func (f Finding) String() string {
	return fmt.Sprintf("%s %s: %s in %q", f.Call.Method, f.Call.Path, f.Match, truncate(f.Text, 200))
}

// messageCall reports whether c creates or edits a message, and in which channel ("" for
// an interaction's webhook, whose channel the path does not name).
func messageCall(c Call) (channel string, ok bool) {
	seg := strings.Split(c.Path, "/")
	switch {
	case c.Method == "POST" && match("channels/*/messages", c.Path):
		return seg[1], true
	case c.Method == "PATCH" && match("channels/*/messages/*", c.Path):
		return seg[1], true
	case c.Method == "POST" && match("channels/*/threads", c.Path): // a forum post's first message
		return seg[1], true
	case c.Method == "POST" && match("webhooks/*/*", c.Path), c.Method == "PATCH" && match("webhooks/*/*/messages/*", c.Path):
		return "", true
	case c.Method == "POST" && match("interactions/*/*/callback", c.Path):
		var cb struct {
			Type int `json:"type"`
		}
		_ = json.Unmarshal(c.Body, &cb)
		return "", cb.Type == 4 || cb.Type == 5 || cb.Type == 7 // a message, a deferred one, an update
	}
	return "", false
}

// visible returns the strings of a message call a person can read: content, embeds,
// components, and the text of files uploaded with it.
func visible(c Call) []string {
	var body map[string]any
	_ = json.Unmarshal(c.Body, &body)
	if d, ok := body["data"].(map[string]any); ok { // an interaction callback
		body = d
	}
	if m, ok := body["message"].(map[string]any); ok { // a forum post
		body = m
	}
	var out []string
	for _, k := range []string{"content", "embeds", "components"} {
		out = coretest.JSONStrings(body[k], out)
	}
	for _, f := range c.Files {
		out = append(out, f.Name, string(f.Data))
	}
	return out
}

// Leaked reports every recorded message create or edit into one of channels (requester-
// facing channels and threads: private ticket threads, DMs) that showed one of secrets.
func (a *API) Leaked(channels []string, secrets ...string) []Finding {
	var out []Finding
	for _, c := range a.Calls() {
		ch, ok := messageCall(c)
		if !ok || c.Status == 0 || !contains(channels, ch) {
			continue
		}
		for _, str := range visible(c) {
			for _, s := range secrets {
				if s != "" && strings.Contains(str, s) {
					out = append(out, Finding{Call: c, Match: s, Text: str})
				}
			}
		}
	}
	return out
}

// UnsafeMentions reports every message create or edit (REST, webhook, interaction
// callback) whose allowed_mentions is missing, has no empty parse list ([]), or lets
// anyone ping: roles, replied_user, or users other than allowUsers (a ticket's reporter).
func (a *API) UnsafeMentions(allowUsers ...string) []Finding {
	var out []Finding
	for _, c := range a.Calls() {
		if _, ok := messageCall(c); !ok {
			continue
		}
		var body map[string]any
		_ = json.Unmarshal(c.Body, &body)
		if d, ok := body["data"].(map[string]any); ok {
			body = d
		}
		if m, ok := body["message"].(map[string]any); ok {
			body = m
		} else if strings.HasSuffix(c.Path, "/threads") {
			continue // a thread made without a first message says nothing to anyone
		}
		add := func(what string) { out = append(out, Finding{Call: c, Match: what, Text: string(c.Body)}) }
		am, ok := body["allowed_mentions"].(map[string]any)
		if !ok {
			add("no allowed_mentions")
			continue
		}
		if parse, ok := am["parse"].([]any); !ok || len(parse) > 0 {
			add("allowed_mentions.parse is not []")
		}
		if l, _ := am["roles"].([]any); len(l) > 0 {
			add("allowed_mentions.roles names a role")
		}
		users, _ := am["users"].([]any)
		for _, u := range users {
			if id, _ := u.(string); !contains(allowUsers, id) {
				add("allowed_mentions.users names " + id)
			}
		}
		if r, _ := am["replied_user"].(bool); r {
			add("allowed_mentions.replied_user is set")
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
func (a *API) AssertNoLeaks(tb Errorer, channels []string, secrets ...string) {
	tb.Helper()
	for _, f := range a.Leaked(channels, secrets...) {
		tb.Errorf("discordtest: leaked: %s", f)
	}
}

// AssertNoMentions fails tb for every UnsafeMentions finding.
func (a *API) AssertNoMentions(tb Errorer, allowUsers ...string) {
	tb.Helper()
	for _, f := range a.UnsafeMentions(allowUsers...) {
		tb.Errorf("discordtest: %s", f)
	}
}
