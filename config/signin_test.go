package config_test

import (
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/config"
)

func TestSignInSettings(t *testing.T) {
	c, err := config.Load(map[string]string{"SLACK_CLIENT_ID": "111.222", "SLACK_CLIENT_SECRET": "s", "SLACK_SIGNING_SECRET": "x", "TICKETBOT_SECRET_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
		"DISCORD_APP_ID": "42", "DISCORD_CLIENT_SECRET": "d"})
	if err != nil {
		t.Fatal(err)
	}
	if !c.Slack.SignIn() || !c.Discord.SignIn() || c.Slack.ClientSecret.Reveal() != "s" || c.Discord.ClientSecret.Reveal() != "d" {
		t.Fatalf("sign-in settings: %+v %+v", c.Slack, c.Discord)
	}
	if c, _ := config.Load(map[string]string{}); c.Slack.SignIn() || c.Discord.SignIn() {
		t.Fatal("sign-in on by default")
	}
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"SLACK_CLIENT_ID": "111.222"}, "SLACK_CLIENT_SECRET"},
		{map[string]string{"SLACK_CLIENT_SECRET": "s"}, "SLACK_CLIENT_ID"},
		{map[string]string{"DISCORD_CLIENT_SECRET": "d"}, "DISCORD_APP_ID"},
	} {
		if _, err := config.Load(tc.env); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Load(%v) = %v, want an error naming %s", tc.env, err, tc.want)
		}
	}
}
