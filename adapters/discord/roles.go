package discord

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
)

// settingsTTL bounds how long a replica trusts its cached copy of a guild's settings (the
// staff role, the support channel); the replica that runs /ticket-admin setup, and the one
// that delivers the settings.changed event, forget theirs at once, so other replicas may use
// the old values for at most this long after a setup.
const settingsTTL = 15 * time.Second

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
	st, err := a.guildSettings(ctx, ws)
	if err != nil {
		return "", err
	}
	if st.StaffRole != "" && slices.Contains(m.Roles, st.StaffRole) {
		return core.RoleStaff, nil
	}
	return core.RoleRequester, nil
}

// guildSettings returns ws's settings through the short-lived cache.
func (a *Adapter) guildSettings(ctx context.Context, ws core.Workspace) (core.Settings, error) {
	if st, ok := a.settings.get(ws.ExternalID); ok {
		return st, nil
	}
	st, err := a.svc.Settings(ctx, ws)
	if err != nil {
		return core.Settings{}, err
	}
	a.settings.put(ws.ExternalID, st)
	return st, nil
}

type cachedSettings struct {
	st  core.Settings
	exp time.Time
}

// settingsCache keeps guild settings for a few seconds; it is safe for concurrent use.
type settingsCache struct {
	mu    sync.Mutex
	m     map[string]cachedSettings
	ttl   time.Duration
	clock core.Clock
}

func (c *settingsCache) get(guild string) (core.Settings, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[guild]
	if !ok || !c.clock.Now().Before(e.exp) {
		return core.Settings{}, false
	}
	return e.st, true
}

func (c *settingsCache) put(guild string, st core.Settings) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) > 10000 {
		c.m = map[string]cachedSettings{}
	}
	c.m[guild] = cachedSettings{st: st, exp: c.clock.Now().Add(c.ttl)}
}

func (c *settingsCache) forget(guild string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, guild)
}
