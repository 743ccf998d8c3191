package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	slackgo "github.com/slack-go/slack"

	"github.com/ticketbot/ticketbot/adapters/slack/slacktest"
	"github.com/ticketbot/ticketbot/config"
	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/memstate"
)

func b64key(b byte) string { return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{b}, 32)) }

// installTeam2 has the fake issue a bot token to team T2 (as an OAuth install would) and
// stores it sealed with env's TICKETBOT_SECRET_KEY.
func installTeam2(t *testing.T, w *doctorWorld) string {
	t.Helper()
	ctx := context.Background()
	code := w.slack.IssueCode(slacktest.Grant{Team: "T2", TeamName: "Beta", User: "UADMIN"})
	resp, err := slackgo.GetOAuthV2ResponseContext(ctx, w.slack.Client(), w.slack.ClientID(), w.slack.ClientSecret(), code, "",
		slackgo.OAuthOptionAPIURL(w.slack.APIURL()))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(w.env)
	if err != nil {
		t.Fatal(err)
	}
	in, err := newInstalls(cfg, w.store, memstate.New(nil))
	if err != nil {
		t.Fatal(err)
	}
	ws := core.Workspace{Platform: core.PlatformSlack, ExternalID: "T2"}
	if err := in.Save(ctx, ws, resp.AccessToken, resp.BotUserID, resp.Scope, core.UserRef{ID: "UADMIN"}); err != nil {
		t.Fatal(err)
	}
	return resp.AccessToken
}

func TestDoctorChecksInstalledWorkspaces(t *testing.T) {
	w := newDoctorWorld(t)
	w.env["TICKETBOT_SECRET_KEY"] = b64key(1)
	installTeam2(t, w)
	save(t, w.store, core.Settings{Workspace: core.Workspace{Platform: core.PlatformSlack, ExternalID: "T2"}, TriageChannel: "CPUBLIC"})
	out, _, err := run(t, w.env, "", "doctor")
	if err == nil || !strings.Contains(out, "ok   slack T2 token: the token installed for T2 is the bot user UBOT in team T2") ||
		!strings.Contains(out, "FAIL slack T2 triage channel: #general (CPUBLIC) is public") ||
		!strings.Contains(out, "ok   slack T1 triage channel:") {
		t.Fatalf("%v\n%s", err, out)
	}

	w.env["TICKETBOT_SECRET_KEY"] = b64key(2)
	out, _, _ = run(t, w.env, "", "doctor")
	if !strings.Contains(out, "FAIL slack installs: 1 installed workspace token(s) do not open with TICKETBOT_SECRET_KEY") ||
		!strings.Contains(out, "FAIL slack workspace T2: has helpdesk settings but no bot token") {
		t.Fatalf("with another key:\n%s", out)
	}
}

func TestSecretsRotate(t *testing.T) {
	w := newDoctorWorld(t)
	w.env["TICKETBOT_SECRET_KEY"] = b64key(1)
	token := installTeam2(t, w)

	w.env["TICKETBOT_SECRET_KEY"], w.env["TICKETBOT_SECRET_KEY_OLD"] = b64key(2), b64key(1)
	out, _, err := run(t, w.env, "", "secrets", "rotate")
	if err != nil || !strings.Contains(out, "resealed 1 token(s)") {
		t.Fatalf("%v %s", err, out)
	}
	if out, _, _ := run(t, w.env, "", "secrets", "rotate"); !strings.Contains(out, "resealed 0 token(s)") {
		t.Fatalf("a second run: %s", out)
	}
	delete(w.env, "TICKETBOT_SECRET_KEY_OLD")
	cfg, err := config.Load(w.env)
	if err != nil {
		t.Fatal(err)
	}
	in, _ := newInstalls(cfg, w.store, memstate.New(nil))
	got, err := in.Token(context.Background(), core.Workspace{Platform: core.PlatformSlack, ExternalID: "T2"})
	if err != nil || got != token {
		t.Fatalf("with the new key alone: %q %v", got, err)
	}
}

func TestSecretKeyConfiguration(t *testing.T) {
	base := map[string]string{"TICKETBOT_DATABASE_URL": "sqlite://:memory:"}
	for name, tc := range map[string]struct {
		env  map[string]string
		want string // "" when valid
	}{
		"a key":                      {map[string]string{"TICKETBOT_SECRET_KEY": b64key(1)}, ""},
		"a short key":                {map[string]string{"TICKETBOT_SECRET_KEY": base64.StdEncoding.EncodeToString([]byte("short"))}, "TICKETBOT_SECRET_KEY must be 32 random bytes"},
		"not base64":                 {map[string]string{"TICKETBOT_SECRET_KEY": "not base64!"}, "TICKETBOT_SECRET_KEY must be 32 random bytes"},
		"a bad old key":              {map[string]string{"TICKETBOT_SECRET_KEY": b64key(1), "TICKETBOT_SECRET_KEY_OLD": b64key(2) + ",nope"}, "TICKETBOT_SECRET_KEY_OLD must be"},
		"an old key alone":           {map[string]string{"TICKETBOT_SECRET_KEY_OLD": b64key(2)}, "without TICKETBOT_SECRET_KEY"},
		"installs without a key":     {map[string]string{"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s", "SLACK_SIGNING_SECRET": "x"}, "TICKETBOT_SECRET_KEY is required with SLACK_CLIENT_ID"},
		"a client id without secret": {map[string]string{"SLACK_CLIENT_ID": "1.2"}, "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET go together"},
		"installs without signing":   {map[string]string{"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s", "TICKETBOT_SECRET_KEY": b64key(1)}, "SLACK_SIGNING_SECRET is required"},
		"installs":                   {map[string]string{"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s", "SLACK_SIGNING_SECRET": "x", "TICKETBOT_SECRET_KEY": b64key(1)}, ""},
	} {
		t.Run(name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range base {
				env[k] = v
			}
			for k, v := range tc.env {
				env[k] = v
			}
			cfg, err := config.Load(env)
			switch {
			case tc.want == "" && err != nil:
				t.Fatal(err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("err = %v, want %q", err, tc.want)
			case tc.want == "" && strings.Contains(fmtConfig(cfg), b64key(1)):
				t.Fatal("the key is printed")
			}
		})
	}
}

// fmtConfig is everything a log line or a %+v could show of c.
func fmtConfig(c config.Config) string { return fmt.Sprintf("%+v %#v %v", c, c, c.Summary()) }
