package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/adapters/discord/discordtest"
	"github.com/ticketbot/ticketbot/adapters/slack/slacktest"
)

// The binary's wiring end to end: SLACK_API_URL points the Slack adapter at a fake; a signed
// /ticket reaches the core, and the card reaches "Slack" through the outbox.
func TestServeWiresSlackThroughTheOutbox(t *testing.T) {
	api := slacktest.Start(t, slacktest.Options{Team: "T1", BotToken: "xoxb-e2e"})
	api.AddUser(slacktest.User{ID: "U1", Name: "alice"})
	const secret = "e2e-signing-secret"
	env := sqliteEnv(t)
	env["SLACK_BOT_TOKEN"] = "xoxb-e2e"
	env["SLACK_SIGNING_SECRET"] = secret
	env["SLACK_API_URL"] = api.APIURL()
	srv := startServe(t, env)
	base, logs := srv.base, srv.logs

	client := slacktest.Client{BaseURL: base, Signer: slacktest.Signer{Secret: secret}}
	resp, err := client.Command(context.Background(), slacktest.Command{Team: "T1", User: "U1", UserName: "alice",
		Channel: "C1", Text: "printer on fire", ResponseURL: api.ResponseURL("C1", "")})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != http.StatusOK || !strings.HasPrefix(resp.Text("text"), "Ticket #1 opened") {
		t.Fatalf("/slack/commands = %d %s", resp.Status, resp.Body)
	}
	if !api.WaitUntil(10*time.Second, func() bool {
		return len(api.Find("chat.postMessage", slacktest.InChannel("C1"), slacktest.Containing("printer on fire"))) > 0
	}) {
		t.Fatalf("the card never reached Slack; calls:\n%s\n%s", api.Dump(), logs.String())
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

// With SLACK_CLIENT_ID and no SLACK_BOT_TOKEN, serve starts the Slack adapter for installs:
// /slack/install sends the browser to the install page beside SLACK_API_URL.
func TestServeWiresSlackInstalls(t *testing.T) {
	api := slacktest.Start(t, slacktest.Options{})
	env := sqliteEnv(t)
	env["SLACK_CLIENT_ID"], env["SLACK_CLIENT_SECRET"] = api.ClientID(), api.ClientSecret()
	env["SLACK_SIGNING_SECRET"] = "install-signing-secret"
	env["SLACK_API_URL"] = api.APIURL()
	env["TICKETBOT_SECRET_KEY"] = b64key(3)
	srv := startServe(t, env)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(srv.base + "/slack/install")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, api.InstallURL()+"?") {
		t.Fatalf("/slack/install = %d → %q\n%s", resp.StatusCode, loc, srv.logs.String())
	}
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
}
