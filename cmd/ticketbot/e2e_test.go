package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/adapters/discord/discordtest"
)

// fakeSlack answers the Slack Web API methods ticketbot calls, in Slack's JSON shapes, and
// records which were called.
type fakeSlack struct {
	mu    sync.Mutex
	calls []string
}

func (f *fakeSlack) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	f.mu.Lock()
	f.calls = append(f.calls, method)
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

// The binary's wiring end to end: SLACK_API_URL points the Slack adapter at a fake; a signed
// /ticket reaches the core, and the card reaches "Slack" through the outbox.
func TestServeWiresSlackThroughTheOutbox(t *testing.T) {
	fake := &fakeSlack{}
	api := httptest.NewServer(fake)
	defer api.Close()
	const secret = "e2e-signing-secret"
	env := sqliteEnv(t)
	env["SLACK_BOT_TOKEN"] = "xoxb-e2e"
	env["SLACK_SIGNING_SECRET"] = secret
	env["SLACK_API_URL"] = api.URL + "/api/"
	srv := startServe(t, env)
	base, logs := srv.base, srv.logs

	body := url.Values{
		"team_id": {"T1"}, "user_id": {"U1"}, "user_name": {"alice"}, "command": {"/ticket"},
		"text": {"printer on fire"}, "channel_id": {"C1"}, "trigger_id": {"1.2.3"},
		"response_url": {api.URL + "/respond"},
	}.Encode()
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:%s", ts, body)
	req, _ := http.NewRequest(http.MethodPost, base+"/slack/commands", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/slack/commands = %d", resp.StatusCode)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !fake.called("chat.postMessage") {
		if time.Now().After(deadline) {
			t.Fatalf("the card never reached Slack; calls: %v\n%s", fake.calls, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if strings.Contains(logs.String(), "xoxb-e2e") || strings.Contains(logs.String(), secret) {
		t.Fatal("a secret reached the log")
	}
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
}

// With DISCORD_API_URL at a fake, the binary registers the commands, serves signed
// interactions (PING) and exports the Discord metrics.
func TestServeWiresDiscord(t *testing.T) {
	api := discordtest.StartAPI(t, "discord-e2e-token")
	signer := discordtest.NewSigner()
	env := sqliteEnv(t)
	env["DISCORD_BOT_TOKEN"] = "discord-e2e-token"
	env["DISCORD_APP_ID"] = discordtest.AppID
	env["DISCORD_PUBLIC_KEY"] = signer.PublicKey
	env["DISCORD_API_URL"] = api.URL()
	env["DISCORD_GATEWAY"] = "false"
	srv := startServe(t, env)
	base, logs := srv.base, srv.logs

	body := []byte(`{"type":1,"id":"1","application_id":"` + discordtest.AppID + `","token":"t","version":1}`)
	resp, err := http.DefaultClient.Do(signer.Request(base+"/discord/interactions", body, time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(got), `"type":1`) {
		t.Fatalf("PING = %d %s\n%s", resp.StatusCode, got, logs.String())
	}
	if m := get(t, base+"/metrics", http.StatusOK); !strings.Contains(m, "ticketbot_discord_gateway_dropped_total") {
		t.Error("discord metrics missing")
	}
	if strings.Contains(logs.String(), "discord-e2e-token") {
		t.Fatal("the bot token reached the log")
	}
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
}
