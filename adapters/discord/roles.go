package discord

import (
	"context"
	"net/http"
	"slices"

	"github.com/bwmarrin/discordgo"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
)

// adminPermissions make a member a helpdesk admin.
const adminPermissions = discordgo.PermissionAdministrator | discordgo.PermissionManageGuild

// roleFunc resolves a member's role from the interaction payload: admin with Manage Server or
// Administrator (member.permissions), staff with the guild's configured staff role
// (member.roles), requester otherwise. Only a member with roles costs a settings lookup.
func (a *Adapter) roleFunc(ws core.Workspace, m *discordgo.Member) bot.RoleFunc {
	return func(ctx context.Context) (core.Role, error) {
		return a.memberRole(ctx, ws, m)
	}
}

func (a *Adapter) memberRole(ctx context.Context, ws core.Workspace, m *discordgo.Member) (core.Role, error) {
	if m == nil {
		return core.RoleRequester, nil
	}
	if m.Permissions&adminPermissions != 0 {
		return core.RoleAdmin, nil
	}
	if len(m.Roles) == 0 {
		return core.RoleRequester, nil
	}
	st, err := a.bot.Settings(ctx, ws)
	if err != nil {
		return "", err
	}
	if st.StaffGroup != "" && slices.Contains(m.Roles, st.StaffGroup) {
		return core.RoleStaff, nil
	}
	return core.RoleRequester, nil
}

// platformInfo answers the bot's questions about Discord: is a channel private (its
// @everyone permission overwrite denies View Channel)?
type platformInfo struct {
	a     *Adapter
	guild string
}

// Channel describes channel id. Errors: not_found, unavailable.
func (p platformInfo) Channel(ctx context.Context, id string) (bot.ChannelInfo, error) {
	ch, err := p.a.api.Channel(ctx, id)
	if err != nil {
		if apiStatus(err) == http.StatusNotFound || apiStatus(err) == http.StatusForbidden {
			return bot.ChannelInfo{}, core.Errorf(core.ENotFound, "channel not found")
		}
		return bot.ChannelInfo{}, &core.Error{Code: core.EUnavailable, Message: "Discord did not answer about that channel; try again", Err: err}
	}
	info := bot.ChannelInfo{Name: ch.Name, BotIn: true}
	for _, o := range ch.PermissionOverwrites {
		if o != nil && o.ID == p.guild && o.Type == discordgo.PermissionOverwriteTypeRole && o.Deny&discordgo.PermissionViewChannel != 0 {
			info.Private = true
		}
	}
	return info, nil
}

// WorkspaceName is the guild's name (bot.WorkspaceNamer), shown on the cards of a helpdesk
// that staffs it. Errors: unavailable.
func (p platformInfo) WorkspaceName(ctx context.Context) (string, error) {
	g, err := p.a.api.Guild(ctx, p.guild)
	if err != nil {
		return "", &core.Error{Code: core.EUnavailable, Message: "Discord did not answer about this server", Err: err}
	}
	return g.Name, nil
}
