package slack

import (
	"context"
	"fmt"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/ticketbot/ticketbot/core"
)

// Names (core.NameSource): the workspace's name from team.info and a person's display name
// from users.info (profile display name, else real name, else the handle), each with the
// token of that team. The web shows them; nothing here is asked for per page view.

// WorkspaceName is ws's name (team.info). Errors: not_found, unavailable.
func (a *Adapter) WorkspaceName(ctx context.Context, ws core.Workspace) (string, error) {
	if ws.Platform != core.PlatformSlack {
		return "", core.Errorf(core.ENotFound, "not a Slack workspace")
	}
	ctx = withTeam(ctx, ws.ExternalID)
	if d, held := a.paused(ctx, ws, "team"); held {
		return "", core.Errorf(core.EUnavailable, "Slack asked to wait %s before more team look-ups", d.Round(time.Second))
	}
	name, err := a.api.teamName(ctx)
	a.pauseOn(ctx, ws, "team", err)
	switch {
	case slackCode(err) == "team_not_found":
		return "", core.Errorf(core.ENotFound, "Slack knows no such team")
	case err != nil:
		return "", &core.Error{Code: core.EUnavailable, Op: "slack.WorkspaceName", Message: "Slack did not answer team.info", Err: err}
	}
	return name, nil
}

// UserName is user's display name in ws (users.info). Errors: not_found, unavailable.
func (a *Adapter) UserName(ctx context.Context, ws core.Workspace, user string) (string, error) {
	if ws.Platform != core.PlatformSlack {
		return "", core.Errorf(core.ENotFound, "not a Slack workspace")
	}
	ctx = withTeam(ctx, ws.ExternalID)
	if d, held := a.paused(ctx, ws, "users"); held {
		return "", core.Errorf(core.EUnavailable, "Slack asked to wait %s before more user look-ups", d.Round(time.Second))
	}
	u, err := a.api.user(ctx, user)
	a.pauseOn(ctx, ws, "users", err)
	switch {
	case slackCode(err) == "user_not_found" || slackCode(err) == "user_not_visible":
		return "", core.Errorf(core.ENotFound, "Slack knows no such user")
	case err != nil:
		return "", &core.Error{Code: core.EUnavailable, Op: "slack.UserName", Message: "Slack did not answer users.info", Err: fmt.Errorf("users.info: %w", err)}
	}
	return displayName(u), nil
}

// displayName is how Slack shows u: the profile's display name, else the real name, else
// the handle.
func displayName(u *slackgo.User) string {
	switch {
	case u == nil:
		return ""
	case u.Profile.DisplayName != "":
		return u.Profile.DisplayName
	case u.Profile.RealName != "":
		return u.Profile.RealName
	case u.RealName != "":
		return u.RealName
	}
	return u.Name
}

// learn keeps user's name in ws, learnt for free (fetched: from users.info, not a hint).
func (a *Adapter) learn(ws core.Workspace, user, name string, fetched bool) {
	if a.names != nil && user != "" {
		a.names.Learn(core.PersonKey(ws, user), name, fetched)
	}
}
