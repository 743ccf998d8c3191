package slack

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"

	slackgo "github.com/slack-go/slack"

	"github.com/ticketbot/ticketbot/bot"
)

// DoctorConfig is what `ticketbot doctor` checks of Slack.
type DoctorConfig struct {
	// BotToken is SLACK_BOT_TOKEN (may be empty when workspaces install through OAuth);
	// AppToken is SLACK_APP_TOKEN; APIURL is SLACK_API_URL [https://slack.com/api/].
	BotToken, AppToken, APIURL string
	// HTTPClient makes the calls [a client with a 10 s timeout].
	HTTPClient *http.Client
	// Triage maps the team id of every Slack workspace with settings to its triage channel
	// ("" when none is set).
	Triage map[string]string
	// Tokens maps teams installed through OAuth to their bot tokens; a team found in
	// neither Tokens nor SLACK_BOT_TOKEN's auth.test is reported as having no token.
	Tokens map[string]string
}

// Doctor checks the Slack side of the configuration against Slack: each bot token
// (auth.test), its scopes (the x-oauth-scopes header) against RequiredScopes, the triage
// channel of every workspace with settings (exists, private, has the bot) and, when set,
// the Socket Mode token (apps.connections.open). It returns one check per finding.
func Doctor(ctx context.Context, c DoctorConfig) []bot.Check {
	if c.APIURL == "" {
		c.APIURL = defaultAPIURL
	}
	if !strings.HasSuffix(c.APIURL, "/") {
		c.APIURL += "/"
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: apiTimeout}
	}
	var out []bot.Check
	checked := map[string]bool{}
	botTokenFailed := false
	if c.BotToken != "" {
		team, checks := doctorToken(ctx, c, "SLACK_BOT_TOKEN", c.BotToken, c.Triage)
		out = append(out, checks...)
		checked[team] = true
		botTokenFailed = team == ""
	}
	for _, team := range sortedKeys(c.Tokens) {
		if checked[team] {
			continue
		}
		_, checks := doctorToken(ctx, c, "the token installed for "+team, c.Tokens[team], map[string]string{team: c.Triage[team]})
		out = append(out, checks...)
		checked[team] = true
	}
	for _, team := range sortedKeys(c.Triage) {
		switch {
		case checked[team]:
		case botTokenFailed:
			out = append(out, bot.SkippedCheck("slack workspace "+team, "not checked: SLACK_BOT_TOKEN did not authenticate"))
		default:
			out = append(out, bot.FailedCheck("slack workspace "+team, "has helpdesk settings but no bot token",
				"install the app in that workspace again through /slack/install, or set SLACK_BOT_TOKEN to its xoxb- token"))
		}
	}
	if c.AppToken != "" {
		out = append(out, doctorSocket(ctx, c))
	}
	if len(out) == 0 {
		out = append(out, bot.SkippedCheck("slack", "SLACK_BOT_TOKEN is not set and no workspace has installed the app"))
	}
	return out
}

// doctorToken checks one bot token and the triage channels of its team (triage, keyed by
// team). It returns the token's team ("" when auth.test failed).
func doctorToken(ctx context.Context, c DoctorConfig, what, token string, triage map[string]string) (string, []bot.Check) {
	var (
		mu     sync.Mutex
		scopes []string
		seen   bool
	)
	client := slackgo.New(token, slackgo.OptionAPIURL(c.APIURL), slackgo.OptionHTTPClient(c.HTTPClient),
		slackgo.OptionOnResponseHeaders(func(path string, h http.Header) {
			if !strings.HasSuffix(path, "auth.test") {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			seen = true
			for _, s := range strings.Split(h.Get("X-OAuth-Scopes"), ",") {
				if s = strings.TrimSpace(s); s != "" {
					scopes = append(scopes, s)
				}
			}
		}))
	id, err := sdkAPI{c: client}.whoAmI(ctx)
	if err != nil {
		fix := "check " + what + ": copy the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page"
		if slackCode(err) == "" {
			fix = "check SLACK_API_URL and that this host reaches Slack"
		}
		return "", []bot.Check{bot.FailedCheck("slack token", what+": "+err.Error(), fix)}
	}
	name := "slack " + id.TeamID
	out := []bot.Check{bot.Passed(name+" token", fmt.Sprintf("%s is the bot user %s in team %s", what, id.UserID, id.TeamID))}
	mu.Lock()
	granted, answered := scopes, seen
	mu.Unlock()
	var missing []string
	for _, s := range RequiredScopes() {
		if !slices.Contains(granted, s) {
			missing = append(missing, s)
		}
	}
	switch {
	case !answered:
		out = append(out, bot.SkippedCheck(name+" scopes", "auth.test answered without an x-oauth-scopes header"))
	case len(missing) > 0:
		out = append(out, bot.FailedCheck(name+" scopes", "the token lacks "+strings.Join(missing, ", "),
			"add them to the app (ticketbot slack manifest prints every scope; paste it under App Manifest) and reinstall the app to the workspace"))
	default:
		out = append(out, bot.Passed(name+" scopes", fmt.Sprintf("all %d scopes this version needs are granted", len(RequiredScopes()))))
	}
	if ch, ok := triage[id.TeamID]; ok {
		out = append(out, doctorTriage(ctx, sdkAPI{c: client}, name, ch))
	}
	return id.TeamID, out
}

// doctorTriage checks a workspace's triage channel: it exists, is private and has the bot.
func doctorTriage(ctx context.Context, api slackAPI, name, channel string) bot.Check {
	name += " triage channel"
	const setup = "create a private channel, invite the bot (/invite @ticketbot) and run /ticket setup #that-channel in it"
	if channel == "" {
		return bot.FailedCheck(name, "not set", setup)
	}
	info, err := api.channelInfo(ctx, channel)
	switch {
	case slackCode(err) == "channel_not_found":
		return bot.FailedCheck(name, channel+" does not exist or the bot cannot see it", setup)
	case err != nil:
		return bot.FailedCheck(name, err.Error(), "check the token's scopes (channels:read, groups:read) and that Slack answers")
	case !info.Private:
		return bot.FailedCheck(name, "#"+info.Name+" ("+channel+") is public: anyone who joins it becomes staff", setup)
	case !info.BotIn:
		return bot.FailedCheck(name, "the bot is not a member of #"+info.Name+" ("+channel+")",
			"run /invite @ticketbot in #"+info.Name)
	}
	return bot.Passed(name, "#"+info.Name+" ("+channel+") is private and has the bot")
}

// doctorSocket checks the Socket Mode token with apps.connections.open.
func doctorSocket(ctx context.Context, c DoctorConfig) bot.Check {
	client := slackgo.New("", slackgo.OptionAPIURL(c.APIURL), slackgo.OptionHTTPClient(c.HTTPClient),
		slackgo.OptionAppLevelToken(c.AppToken))
	if _, _, err := client.StartSocketModeContext(ctx); err != nil {
		return bot.FailedCheck("slack socket mode", "SLACK_APP_TOKEN: apps.connections.open: "+bot.Redact(err).Error(),
			"make an app-level token with the connections:write scope (Basic Information → App-Level Tokens) and enable Socket Mode")
	}
	return bot.Passed("slack socket mode", "SLACK_APP_TOKEN opens a Socket Mode connection")
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
