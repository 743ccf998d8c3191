package discord

import (
	"context"

	"github.com/bwmarrin/discordgo"

	"github.com/ticketbot/ticketbot/core"
)

// SignInRole is user's role in the guild ws by the server's staff role (a guild member
// lookup with the bot's token), for Sign in with Discord on the web. Manage Server and
// Administrator are read by the web from the user's own guild list, not here.
// Errors: unavailable, internal.
func (a *Adapter) SignInRole(ctx context.Context, ws core.Workspace, user string) (core.Role, error) {
	sa, ok := a.api.(sessionAPI)
	if ws.Platform != core.PlatformDiscord || !ok {
		return core.RoleRequester, nil
	}
	m, err := sa.s.GuildMember(ws.ExternalID, user, discordgo.WithContext(ctx))
	if err != nil {
		return "", &core.Error{Code: core.EUnavailable, Op: "discord.SignInRole", Message: "Discord did not list the member's roles", Err: err}
	}
	m.Permissions = 0 // not sent for a member lookup; never trusted from here
	return a.memberRole(ctx, ws, m)
}
