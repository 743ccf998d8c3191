package slack

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The app's declarations, in one place: the Slack app manifest (`ticketbot slack manifest`),
// the docs/ manifests generated from it and `ticketbot doctor`'s scope check all read them, so
// what Slack is told and what the code handles cannot drift apart.
const (
	// SlashCommand is the one slash command.
	SlashCommand = "/ticket"
	// ShortcutOpenTicket is the global shortcut's callback_id: it opens the ticket form.
	ShortcutOpenTicket = "open_ticket"
	// ShortcutOpenFromMessage is the message shortcut's callback_id: it opens a ticket from
	// the message it was used on.
	ShortcutOpenFromMessage = "open_ticket_from_message"
	// ShortcutSendToRequester is the message shortcut's callback_id that sends a triage-thread
	// message to the requester's side.
	ShortcutSendToRequester = "send_to_requester"
)

// The HTTP paths Slack calls, under the public URL.
const (
	PathCommands      = "/slack/commands"
	PathEvents        = "/slack/events"
	PathInteractivity = "/slack/interactivity"
	// PathInstallCallback is the OAuth v2 redirect of an install in a workspace.
	PathInstallCallback = "/slack/oauth/callback"
	// PathSignInCallback is the redirect of "Sign in with Slack" (OpenID Connect).
	PathSignInCallback = "/auth/slack/callback"
)

// declared is one scope or event with the reason this version needs it.
type declared struct{ name, why string }

// botScopes are the bot token scopes this version needs. Posting message metadata needs no
// scope, and reading it back (conversations.history with include_all_metadata) is covered by
// the *:history scopes; chat:write.public is not asked for, since ticketbot posts only where
// it is a member (the private triage channel, request channels it joined, DMs).
func botScopes() []declared {
	return []declared{
		{"commands", "/ticket and the shortcuts"},
		{"chat:write", "ticket cards, copies of messages, replies and DMs"},
		{"channels:history", "message.channels: request channels and card threads in public channels"},
		{"groups:history", "message.groups: the private triage channel's threads"},
		{"im:history", "message.im: DMs to the bot are the requester's side"},
		{"im:read", "conversations.info on a DM with the bot"},
		{"im:write", "conversations.open: the DM thread of a ticket's requester"},
		{"channels:read", "conversations.info: /ticket setup checks a channel"},
		{"groups:read", "conversations.members: the triage channel's members are staff"},
		{"users:read", "users.info: workspace admins and owners, authors' names"},
		{"team:read", "team.info: the workspace's name"},
		{"reactions:read", "reaction_added: a :ticket: reaction opens a ticket"},
		{"reactions:write", "the :lock: and :outbox_tray: marks on triage-thread messages"},
		{"usergroups:read", "usergroups.users.list: the staff user group"},
		{"channels:join", "conversations.join: a public request channel set with /ticket setup requests"},
	}
}

// botEvents are the Events API events this version subscribes to.
func botEvents() []declared {
	return []declared{
		{"message.channels", "messages in public request channels and card threads"},
		{"message.groups", "messages in the private triage channel's threads"},
		{"message.im", "DMs to the bot"},
		{"reaction_added", "a :ticket: reaction opens a ticket"},
		{"app_uninstalled", "stop using the workspace's token"},
		{"tokens_revoked", "stop using a revoked token"},
	}
}

// RequiredScopes lists the bot token scopes this version needs, for checking a token's
// granted scopes (the x-oauth-scopes header of auth.test) against them.
func RequiredScopes() []string {
	var out []string
	for _, s := range botScopes() {
		out = append(out, s.name)
	}
	return out
}

// ManifestOptions say where the app is reached.
type ManifestOptions struct {
	// URL is the public https URL that serves ticketbot (TICKETBOT_PUBLIC_URL); required over
	// HTTP. In Socket Mode it is optional and only gives the OAuth redirect URLs.
	URL string
	// Socket makes the app use Socket Mode: no request URLs.
	Socket bool
}

// Manifest is a Slack app manifest (the subset ticketbot uses), ready for YAML or JSON.
type Manifest struct {
	DisplayInformation manifestDisplay  `yaml:"display_information" json:"display_information"`
	Features           manifestFeatures `yaml:"features" json:"features"`
	OAuthConfig        manifestOAuth    `yaml:"oauth_config" json:"oauth_config"`
	Settings           manifestSettings `yaml:"settings" json:"settings"`
}

type manifestDisplay struct {
	Name            string `yaml:"name" json:"name"`
	Description     string `yaml:"description" json:"description"`
	BackgroundColor string `yaml:"background_color" json:"background_color"`
}

type manifestFeatures struct {
	AppHome       manifestAppHome   `yaml:"app_home" json:"app_home"`
	BotUser       manifestBotUser   `yaml:"bot_user" json:"bot_user"`
	Shortcuts     []manifestShort   `yaml:"shortcuts" json:"shortcuts"`
	SlashCommands []manifestCommand `yaml:"slash_commands" json:"slash_commands"`
}

type manifestAppHome struct {
	HomeTabEnabled             bool `yaml:"home_tab_enabled" json:"home_tab_enabled"`
	MessagesTabEnabled         bool `yaml:"messages_tab_enabled" json:"messages_tab_enabled"`
	MessagesTabReadOnlyEnabled bool `yaml:"messages_tab_read_only_enabled" json:"messages_tab_read_only_enabled"`
}

type manifestBotUser struct {
	DisplayName  string `yaml:"display_name" json:"display_name"`
	AlwaysOnline bool   `yaml:"always_online" json:"always_online"`
}

type manifestShort struct {
	Name        string `yaml:"name" json:"name"`
	Type        string `yaml:"type" json:"type"`
	CallbackID  string `yaml:"callback_id" json:"callback_id"`
	Description string `yaml:"description" json:"description"`
}

type manifestCommand struct {
	Command      string `yaml:"command" json:"command"`
	URL          string `yaml:"url,omitempty" json:"url,omitempty"`
	Description  string `yaml:"description" json:"description"`
	UsageHint    string `yaml:"usage_hint" json:"usage_hint"`
	ShouldEscape bool   `yaml:"should_escape" json:"should_escape"`
}

type manifestOAuth struct {
	RedirectURLs []string       `yaml:"redirect_urls,omitempty" json:"redirect_urls,omitempty"`
	Scopes       manifestScopes `yaml:"scopes" json:"scopes"`
}

type manifestScopes struct {
	Bot []string `yaml:"bot" json:"bot"`
	// User are the scopes "Sign in with Slack" (OpenID Connect) asks a person for.
	User []string `yaml:"user,omitempty" json:"user,omitempty"`
}

// signInScopes are the user scopes of "Sign in with Slack": who the person is, in which team.
var signInScopes = []string{"openid", "profile"}

type manifestSettings struct {
	EventSubscriptions   manifestEvents   `yaml:"event_subscriptions" json:"event_subscriptions"`
	Interactivity        manifestInteract `yaml:"interactivity" json:"interactivity"`
	OrgDeployEnabled     bool             `yaml:"org_deploy_enabled" json:"org_deploy_enabled"`
	SocketModeEnabled    bool             `yaml:"socket_mode_enabled" json:"socket_mode_enabled"`
	TokenRotationEnabled bool             `yaml:"token_rotation_enabled" json:"token_rotation_enabled"`
}

type manifestEvents struct {
	RequestURL string   `yaml:"request_url,omitempty" json:"request_url,omitempty"`
	BotEvents  []string `yaml:"bot_events" json:"bot_events"`
}

type manifestInteract struct {
	IsEnabled  bool   `yaml:"is_enabled" json:"is_enabled"`
	RequestURL string `yaml:"request_url,omitempty" json:"request_url,omitempty"`
}

// NewManifest builds the manifest for o. Errors: a URL that is not an absolute https URL
// without query or fragment, or a missing URL over HTTP.
func NewManifest(o ManifestOptions) (Manifest, error) {
	base, err := manifestBase(o)
	if err != nil {
		return Manifest{}, err
	}
	at := func(path string) string {
		if o.Socket || base == "" {
			return ""
		}
		return base + path
	}
	m := Manifest{
		DisplayInformation: manifestDisplay{
			Name:            "ticketbot",
			Description:     "A helpdesk in Slack: /ticket opens a ticket, and its thread is the conversation.",
			BackgroundColor: "#1d3557",
		},
		Features: manifestFeatures{
			// People DM the bot to ask for help: the Messages tab must take input.
			AppHome: manifestAppHome{MessagesTabEnabled: true},
			BotUser: manifestBotUser{DisplayName: "ticketbot", AlwaysOnline: true},
			Shortcuts: []manifestShort{
				{Name: "Open a ticket", Type: "global", CallbackID: ShortcutOpenTicket,
					Description: "Ask the helpdesk for help"},
				{Name: "Open a ticket", Type: "message", CallbackID: ShortcutOpenFromMessage,
					Description: "Open a ticket from this message"},
				{Name: "Send to requester", Type: "message", CallbackID: ShortcutSendToRequester,
					Description: "Send this triage-thread message to the ticket's requester"},
			},
			SlashCommands: []manifestCommand{{
				Command:     SlashCommand,
				URL:         at(PathCommands),
				Description: "Open a ticket, or list and manage tickets (/ticket help)",
				UsageHint:   "[what you need] | list | show N | close N | reply N text | setup | help",
				// Slack then sends mentions as <@U…|name> and <#C…|name>, which assign and setup read.
				ShouldEscape: true,
			}},
		},
		OAuthConfig: manifestOAuth{Scopes: manifestScopes{Bot: RequiredScopes(), User: signInScopes}},
		Settings: manifestSettings{
			EventSubscriptions: manifestEvents{RequestURL: at(PathEvents)},
			Interactivity:      manifestInteract{IsEnabled: true, RequestURL: at(PathInteractivity)},
			SocketModeEnabled:  o.Socket,
		},
	}
	if base != "" {
		m.OAuthConfig.RedirectURLs = []string{base + PathInstallCallback, base + PathSignInCallback}
	}
	for _, e := range botEvents() {
		m.Settings.EventSubscriptions.BotEvents = append(m.Settings.EventSubscriptions.BotEvents, e.name)
	}
	return m, nil
}

// manifestBase checks o.URL and returns it without a trailing slash ("" when absent and
// allowed).
func manifestBase(o ManifestOptions) (string, error) {
	if o.URL == "" {
		if o.Socket {
			return "", nil
		}
		return "", errors.New("the public URL is required over HTTP (or use Socket Mode)")
	}
	u, err := url.Parse(o.URL)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%q is not an https URL such as https://helpdesk.example.com (Slack calls only https)", o.URL)
	}
	return strings.TrimRight(o.URL, "/"), nil
}

// JSON is the manifest as indented JSON.
func (m Manifest) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("slack.Manifest.JSON: %w", err)
	}
	return append(b, '\n'), nil
}

// YAML is the manifest as YAML, each scope and event commented with why it is needed, under
// a header comment (one "# " line per line of header; none when empty).
func (m Manifest) YAML(header string) ([]byte, error) {
	var doc yaml.Node
	if err := doc.Encode(m); err != nil {
		return nil, fmt.Errorf("slack.Manifest.YAML: %w", err)
	}
	doc.HeadComment = header
	comment(&doc, []string{"oauth_config", "scopes", "bot"}, botScopes())
	comment(&doc, []string{"settings", "event_subscriptions", "bot_events"}, botEvents())
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, fmt.Errorf("slack.Manifest.YAML: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("slack.Manifest.YAML: %w", err)
	}
	return buf.Bytes(), nil
}

// comment finds the sequence at path in the mapping n and gives each item whose value is a
// declared name its reason as a line comment.
func comment(n *yaml.Node, path []string, decls []declared) {
	for _, key := range path {
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				next = n.Content[i+1]
			}
		}
		if next == nil {
			return
		}
		n = next
	}
	why := map[string]string{}
	for _, d := range decls {
		why[d.name] = d.why
	}
	for _, item := range n.Content {
		item.LineComment = why[item.Value]
	}
}
