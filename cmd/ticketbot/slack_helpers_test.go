package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// postSigned sends body to base+path signed with secret as Slack signs its requests, and
// returns the status and the answer's body.
func postSigned(t *testing.T, base, path, secret, body string) (int, string) {
	t.Helper()
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:%s", ts, body)
	req, err := http.NewRequest(http.MethodPost, base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// slashCommand is the form body of a /ticket command by user with text and trigger.
func slashCommand(user, text, trigger, responseURL string) string {
	return url.Values{
		"team_id": {"T1"}, "user_id": {user}, "user_name": {user}, "command": {"/ticket"},
		"text": {text}, "channel_id": {"C1"}, "trigger_id": {trigger},
		"response_url": {responseURL},
	}.Encode()
}

// ackText is the text of a slash command's acknowledgement ("" when it has none).
func ackText(body string) string {
	var m struct {
		Text string `json:"text"`
	}
	_ = json.Unmarshal([]byte(body), &m)
	return m.Text
}

// fakeSlack answers the Slack Web API methods ticketbot calls, in Slack's JSON shapes, and
// records which were called.
type fakeSlack struct {
	mu        sync.Mutex
	calls     []string
	responses map[string]string // a response URL's path → what was posted to it
}

func (f *fakeSlack) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	var body []byte
	if method == r.URL.Path { // not a Web API method: a post to a response URL
		body, _ = io.ReadAll(r.Body)
	}
	f.mu.Lock()
	f.calls = append(f.calls, method)
	if body != nil {
		if f.responses == nil {
			f.responses = map[string]string{}
		}
		f.responses[r.URL.Path] += string(body)
	}
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch method {
	case "auth.test":
		fmt.Fprint(w, `{"ok":true,"url":"https://acme.slack.com/","team":"Acme","user":"ticketbot","team_id":"T1","user_id":"UBOT","bot_id":"BBOT"}`)
	case "chat.postMessage":
		fmt.Fprint(w, `{"ok":true,"channel":"C1","ts":"1700000000.000100","message":{"text":"","ts":"1700000000.000100"}}`)
	case "users.info":
		fmt.Fprint(w, `{"ok":true,"user":{"id":"U1","name":"alice","is_admin":false,"is_owner":false}}`)
	case "conversations.members":
		fmt.Fprint(w, `{"ok":true,"members":[],"response_metadata":{"next_cursor":""}}`)
	case "chat.getPermalink":
		fmt.Fprint(w, `{"ok":true,"channel":"C1","permalink":"https://acme.slack.com/archives/C1/p1700000000000100"}`)
	default:
		fmt.Fprint(w, `{"ok":true}`)
	}
}

// response is what was posted to the response URL at path.
func (f *fakeSlack) response(path string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.responses[path]
}

func (f *fakeSlack) called(method string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.calls {
		if c == method {
			return true
		}
	}
	return false
}
