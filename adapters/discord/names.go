package discord

import (
	"context"
	"net/http"

	"github.com/ticketbot/ticketbot/core"
)

// Names (core.NameSource): a server's name (GET /guilds/{id}) and a member's display name in
// it (GET /guilds/{id}/members/{user}: the server nickname, else the global name, else the
// username). Interactions and messages carry the member, so most names are learnt for free.

// WorkspaceName is the guild's name. Errors: not_found, unavailable.
func (a *Adapter) WorkspaceName(ctx context.Context, ws core.Workspace) (string, error) {
	if ws.Platform != core.PlatformDiscord {
		return "", core.Errorf(core.ENotFound, "not a Discord server")
	}
	g, err := a.api.Guild(ctx, ws.ExternalID)
	switch {
	case apiStatus(err) == http.StatusNotFound || apiStatus(err) == http.StatusForbidden:
		return "", core.Errorf(core.ENotFound, "the bot is not in that server")
	case err != nil:
		return "", &core.Error{Code: core.EUnavailable, Op: "discord.WorkspaceName", Message: "Discord did not answer about the server", Err: err}
	}
	return g.Name, nil
}

// UserName is user's display name in the guild ws. Errors: not_found, unavailable.
func (a *Adapter) UserName(ctx context.Context, ws core.Workspace, user string) (string, error) {
	if ws.Platform != core.PlatformDiscord {
		return "", core.Errorf(core.ENotFound, "not a Discord server")
	}
	m, err := a.api.GuildMember(ctx, ws.ExternalID, user)
	switch {
	case apiStatus(err) == http.StatusNotFound || apiStatus(err) == http.StatusForbidden:
		return "", core.Errorf(core.ENotFound, "no such member")
	case err != nil:
		return "", &core.Error{Code: core.EUnavailable, Op: "discord.UserName", Message: "Discord did not answer about the member", Err: err}
	}
	if m.Nick != "" {
		return m.Nick, nil
	}
	return displayName(m.User), nil
}

// learn keeps the display name of u in ws, from an interaction or a message (the member's
// own, so as good as a look-up).
func (a *Adapter) learn(ws core.Workspace, u core.UserRef) {
	if a.cfg.Names != nil && u.ID != "" {
		a.cfg.Names.Learn(core.PersonKey(ws, u.ID), u.Name, true)
	}
}
