package discord

import (
	"context"
	"slices"

	"github.com/ticketbot/ticketbot/core"
)

// SignInRole is user's role in the guild ws, for Sign in with Discord on the web and its
// periodic re-checks: admin for the owner and for a member whose roles grant Administrator
// or Manage Server (the server's roles, read with the bot's token), staff with the server's
// staff role, else requester. Errors: unavailable, internal.
func (a *Adapter) SignInRole(ctx context.Context, ws core.Workspace, user string) (core.Role, error) {
	if ws.Platform != core.PlatformDiscord {
		return core.RoleRequester, nil
	}
	m, err := a.api.GuildMember(ctx, ws.ExternalID, user)
	if err != nil {
		if s := apiStatus(err); s == 404 {
			return core.RoleRequester, nil // no longer a member
		}
		return "", &core.Error{Code: core.EUnavailable, Op: "discord.SignInRole", Message: "Discord did not list the member's roles", Err: err}
	}
	g, err := a.api.Guild(ctx, ws.ExternalID)
	if err != nil {
		return "", &core.Error{Code: core.EUnavailable, Op: "discord.SignInRole", Message: "Discord did not list the server's roles", Err: err}
	}
	if g.OwnerID == user {
		return core.RoleAdmin, nil
	}
	var perms int64
	for _, r := range g.Roles {
		if r != nil && (r.ID == g.ID || slices.Contains(m.Roles, r.ID)) {
			perms |= r.Permissions
		}
	}
	m.Permissions = perms // computed here from the server's roles, never taken from elsewhere
	return a.memberRole(ctx, ws, m)
}
