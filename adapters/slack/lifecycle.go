package slack

import (
	"context"
	"encoding/json"

	"github.com/slack-go/slack/slackevents"
)

// handleEnvelope is handleEvent on behalf of the envelope's team (its Web API calls use that
// team's token), with the app's lifecycle events handled first: tokens_revoked (of the bot
// token) and app_uninstalled stop the team's token from being used.
func (a *Adapter) handleEnvelope(ctx context.Context, env envelope) error {
	ctx = withTeam(ctx, env.TeamID)
	if env.Type == slackevents.CallbackEvent {
		var ev struct {
			Type   string `json:"type"`
			Tokens struct {
				Bot []string `json:"bot"`
			} `json:"tokens"`
		}
		if err := json.Unmarshal(env.Event, &ev); err == nil {
			switch {
			case ev.Type == "app_uninstalled", ev.Type == "tokens_revoked" && len(ev.Tokens.Bot) > 0:
				return a.revokeTeam(ctx, env.TeamID, ev.Type)
			case ev.Type == "tokens_revoked":
				return nil // only user tokens, which ticketbot does not keep
			}
		}
	}
	return a.handleEvent(ctx, env)
}

// revokeTeam stops using team's token, here at once and, through the install's record, in
// every replica within teamTTL. Errors: unavailable (Slack retries the event).
func (a *Adapter) revokeTeam(ctx context.Context, team, why string) error {
	if a.installs != nil {
		if err := a.installs.Revoke(ctx, workspace(team)); err != nil {
			return err
		}
	}
	a.teams.forget(team, true)
	a.log.Warn("slack: the workspace's token is no longer used; the app must be installed again to serve it", "team", team, "event", why)
	return nil
}
