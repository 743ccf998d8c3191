package slack_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/ticketbot/ticketbot/adapters/slack"
)

func TestManifest(t *testing.T) {
	t.Run("over HTTP every request URL is under the public URL", func(t *testing.T) {
		m, err := slack.NewManifest(slack.ManifestOptions{URL: "https://help.example.com/"})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{
			"command":       m.Features.SlashCommands[0].URL,
			"events":        m.Settings.EventSubscriptions.RequestURL,
			"interactivity": m.Settings.Interactivity.RequestURL,
		}
		want := map[string]string{
			"command":       "https://help.example.com/slack/commands",
			"events":        "https://help.example.com/slack/events",
			"interactivity": "https://help.example.com/slack/interactivity",
		}
		for k := range want {
			if got[k] != want[k] {
				t.Errorf("%s URL = %q, want %q", k, got[k], want[k])
			}
		}
		if m.Settings.SocketModeEnabled {
			t.Error("socket mode on over HTTP")
		}
		wantRedirects := []string{"https://help.example.com/slack/oauth/callback", "https://help.example.com/auth/slack/callback"}
		if !slices.Equal(m.OAuthConfig.RedirectURLs, wantRedirects) {
			t.Errorf("redirect URLs = %v", m.OAuthConfig.RedirectURLs)
		}
	})
	t.Run("in Socket Mode there are no request URLs", func(t *testing.T) {
		m, err := slack.NewManifest(slack.ManifestOptions{Socket: true})
		if err != nil {
			t.Fatal(err)
		}
		if !m.Settings.SocketModeEnabled {
			t.Error("socket mode off")
		}
		b, _ := m.JSON()
		if strings.Contains(string(b), "url") {
			t.Errorf("a URL in the Socket Mode manifest:\n%s", b)
		}
	})
	t.Run("in Socket Mode a URL gives only the OAuth redirects", func(t *testing.T) {
		m, err := slack.NewManifest(slack.ManifestOptions{Socket: true, URL: "https://help.example.com"})
		if err != nil {
			t.Fatal(err)
		}
		if len(m.OAuthConfig.RedirectURLs) != 2 || m.Settings.EventSubscriptions.RequestURL != "" || m.Features.SlashCommands[0].URL != "" {
			t.Errorf("%+v", m)
		}
	})
	for _, bad := range []string{"", "http://help.example.com", "https://", "help.example.com", "https://help.example.com/?x=1", "https://u:p@help.example.com", "https://h/#f"} {
		t.Run("refuses the URL "+bad, func(t *testing.T) {
			if _, err := slack.NewManifest(slack.ManifestOptions{URL: bad}); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestManifestDeclarations(t *testing.T) {
	m, err := slack.NewManifest(slack.ManifestOptions{URL: "https://h.example"})
	if err != nil {
		t.Fatal(err)
	}
	scopes := slack.RequiredScopes()
	if !slices.Equal(m.OAuthConfig.Scopes.Bot, scopes) {
		t.Errorf("manifest scopes %v differ from RequiredScopes %v", m.OAuthConfig.Scopes.Bot, scopes)
	}
	// Each subscribed event is delivered only with its scope.
	needs := map[string]string{
		"message.channels": "channels:history", "message.groups": "groups:history",
		"message.im": "im:history", "reaction_added": "reactions:read",
	}
	for _, ev := range m.Settings.EventSubscriptions.BotEvents {
		if s, ok := needs[ev]; ok && !slices.Contains(scopes, s) {
			t.Errorf("event %s needs scope %s", ev, s)
		}
	}
	for _, ev := range []string{"message.channels", "message.groups", "message.im", "reaction_added", "app_uninstalled", "tokens_revoked"} {
		if !slices.Contains(m.Settings.EventSubscriptions.BotEvents, ev) {
			t.Errorf("event %s not subscribed", ev)
		}
	}
	for _, s := range []string{"commands", "chat:write", "im:write", "groups:read", "users:read", "usergroups:read", "reactions:write", "channels:join"} {
		if !slices.Contains(scopes, s) {
			t.Errorf("scope %s missing", s)
		}
	}
	if slices.Contains(scopes, "chat:write.public") {
		t.Error("chat:write.public is asked for but never needed")
	}
	var ids []string
	for _, s := range m.Features.Shortcuts {
		ids = append(ids, s.Type+":"+s.CallbackID)
		if s.Name == "" || s.Description == "" || len(s.Description) > 150 {
			t.Errorf("shortcut %+v: Slack needs a name and a description of at most 150 characters", s)
		}
	}
	want := []string{"global:" + slack.ShortcutOpenTicket, "message:" + slack.ShortcutOpenFromMessage, "message:" + slack.ShortcutSendToRequester}
	if !slices.Equal(ids, want) {
		t.Errorf("shortcuts %v, want %v", ids, want)
	}
	if c := m.Features.SlashCommands; len(c) != 1 || c[0].Command != slack.SlashCommand || c[0].UsageHint == "" || !c[0].ShouldEscape {
		t.Errorf("slash command %+v", c)
	}
}

// The YAML and the JSON carry the same manifest, and the YAML says why each scope is there.
func TestManifestEncodings(t *testing.T) {
	m, err := slack.NewManifest(slack.ManifestOptions{URL: "https://h.example"})
	if err != nil {
		t.Fatal(err)
	}
	y, err := m.YAML("a header\nof two lines")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(y), "# a header\n# of two lines\n") {
		t.Errorf("header:\n%s", y)
	}
	if !strings.Contains(string(y), "- reactions:read # ") {
		t.Errorf("scopes carry no reason:\n%s", y)
	}
	var fromYAML, fromJSON slack.Manifest
	if err := yaml.Unmarshal(y, &fromYAML); err != nil {
		t.Fatal(err)
	}
	j, err := m.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(j, &fromJSON); err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(fromYAML)
	b, _ := json.Marshal(fromJSON)
	c, _ := json.Marshal(m)
	if string(a) != string(c) || string(b) != string(c) {
		t.Errorf("encodings differ:\nyaml %s\njson %s\nwant %s", a, b, c)
	}
}
