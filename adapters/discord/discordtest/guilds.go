package discordtest

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// Application flags GET /applications/@me reports: the Message Content intent, approved (for
// bots in 100 or more servers) or enabled in the app's settings (under 100).
const (
	FlagGatewayMessageContent        = 1 << 18
	FlagGatewayMessageContentLimited = 1 << 19
)

// NonceWindow is how long Discord remembers a nonce sent with enforce_nonce.
const NonceWindow = 5 * time.Minute

// Guild is a server the fake knows.
type Guild struct {
	ID, Name, OwnerID string
	// Roles are the guild's roles besides @everyone (whose id is the guild's, with
	// PermMember unless a role with that id is given).
	Roles []Role
}

// Role is a guild role.
type Role struct {
	ID, Name    string
	Permissions int64
	Position    int
}

// Member is a member of a guild.
type Member struct {
	User  User
	Nick  string
	Roles []string
}

// Overwrite is a channel's permission overwrite: Type 0 for a role, 1 for a member.
type Overwrite struct {
	ID          string
	Type        int
	Allow, Deny int64
}

// Channel is a guild channel the fake knows (threads it made are Threads).
type Channel struct {
	ID, GuildID, Name string
	// Type is 0 for text, 4 for a category, 5 for announcements, 15 for a forum.
	Type       int
	ParentID   string
	Overwrites []Overwrite
}

// world is the guild side of the fake: guilds, channels, members, the application.
type world struct {
	guilds   map[string]*Guild
	channels map[string]*Channel
	members  map[string]map[string]*Member // guild → user → member
	appFlags int
	oa       oauthState
}

func newWorld() world {
	return world{
		guilds:   map[string]*Guild{},
		channels: map[string]*Channel{},
		members:  map[string]map[string]*Member{},
		appFlags: FlagGatewayMessageContentLimited,
		oa:       newOAuthState(),
	}
}

// AddGuild adds (or replaces) a guild.
func (a *API) AddGuild(g Guild) {
	a.mu.Lock()
	defer a.mu.Unlock()
	g.Roles = slices.Clone(g.Roles)
	a.guilds[g.ID] = &g
	if a.members[g.ID] == nil {
		a.members[g.ID] = map[string]*Member{}
	}
}

// AddMember adds (or replaces) a member of guild.
func (a *API) AddMember(guild string, m Member) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.members[guild] == nil {
		a.members[guild] = map[string]*Member{}
	}
	m.Roles = slices.Clone(m.Roles)
	a.members[guild][m.User.ID] = &m
}

// AddChannel adds (or replaces) a guild channel.
func (a *API) AddChannel(c Channel) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c.Overwrites = slices.Clone(c.Overwrites)
	a.channels[c.ID] = &c
}

// SetApplicationFlags sets the flags GET /applications/@me reports (e.g. 0: no Message
// Content intent).
func (a *API) SetApplicationFlags(flags int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.appFlags = flags
}

// nonceOf reads a nonce, which Discord takes as a string or an integer.
func nonceOf(v any) string {
	switch n := v.(type) {
	case string:
		return n
	case float64:
		return strconv.FormatFloat(n, 'f', 0, 64)
	}
	return ""
}

// byNonce returns the bot's message created with nonce within NonceWindow; a.mu is held.
func (a *API) byNonce(nonce string) *Message {
	for _, id := range slices.Backward(a.order) {
		m := a.messages[id]
		if m.Nonce == nonce && time.Since(m.created) < NonceWindow {
			return m
		}
	}
	return nil
}

// threadOnMessage starts a public thread on message mid in channel ch; the thread's id is the
// message's, as in Discord; a.mu is held.
func (a *API) threadOnMessage(ch, mid string, in obj, now string) (int, any, map[string]string) {
	m, ok := a.messages[mid]
	if !ok || m.ChannelID != ch || m.Deleted {
		return apiError(http.StatusNotFound, 10008, "Unknown Message")
	}
	if _, exists := a.threads[mid]; exists {
		return apiError(http.StatusBadRequest, 160004, "A thread has already been created for this message")
	}
	name, _ := in["name"].(string)
	if name == "" {
		return apiError(http.StatusBadRequest, 50035, "Invalid Form Body")
	}
	dur, _ := in["auto_archive_duration"].(float64)
	t := &Thread{ID: mid, ParentID: ch, Name: name, Type: 11, AutoArchiveDuration: int(dur), Members: []string{BotUserID}}
	a.threads[t.ID] = t
	return 201, a.threadJSON(t, now), nil
}

func roleJSON(r Role) obj {
	return obj{"id": r.ID, "name": r.Name, "permissions": strconv.FormatInt(r.Permissions, 10), "position": r.Position,
		"color": 0, "hoist": false, "managed": false, "mentionable": false, "flags": 0, "icon": nil, "unicode_emoji": nil}
}

// roles returns guild g's roles with @everyone first; a.mu is held.
func (a *API) roles(g *Guild) []Role {
	everyone := Role{ID: g.ID, Name: "@everyone", Permissions: PermMember}
	out := []Role{everyone}
	for _, r := range g.Roles {
		if r.ID == g.ID {
			out[0] = r
			continue
		}
		out = append(out, r)
	}
	return out
}

// permissions is what member u has in guild g (roles only, no channel overwrites); a.mu is held.
func (a *API) permissions(g *Guild, u string) int64 {
	if g.OwnerID == u {
		return PermAdministrator | PermManageGuild | PermMember
	}
	m := a.members[g.ID][u]
	var perms int64
	for _, r := range a.roles(g) {
		if r.ID == g.ID || (m != nil && slices.Contains(m.Roles, r.ID)) {
			perms |= r.Permissions
		}
	}
	return perms
}

func (a *API) channelJSON(c *Channel) obj {
	ows := []obj{}
	for _, o := range c.Overwrites {
		ows = append(ows, obj{"id": o.ID, "type": o.Type, "allow": strconv.FormatInt(o.Allow, 10), "deny": strconv.FormatInt(o.Deny, 10)})
	}
	var parent any
	if c.ParentID != "" {
		parent = c.ParentID
	}
	return obj{"id": c.ID, "type": c.Type, "guild_id": c.GuildID, "name": c.Name, "parent_id": parent, "position": 0,
		"permission_overwrites": ows, "nsfw": false, "topic": nil, "rate_limit_per_user": 0, "last_message_id": nil, "flags": 0}
}

func memberJSON(m *Member) obj {
	out := m.User.member()
	delete(out, "permissions")
	out["roles"] = nonNil(m.Roles)
	if m.Nick != "" {
		out["nick"] = m.Nick
	}
	return out
}

func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

// routeWorld serves the guild, channel and application reads; a.mu is held.
func (a *API) routeWorld(method, p string, seg []string, auth string) (int, any, bool) {
	if method != http.MethodGet {
		return 0, nil, false
	}
	notFound := func(code int, what string) (int, any, bool) {
		return http.StatusNotFound, obj{"message": "Unknown " + what, "code": code}, true
	}
	switch {
	case match("channels/*", p):
		if c, ok := a.channels[seg[1]]; ok {
			return 200, a.channelJSON(c), true
		}
		if t, ok := a.threads[seg[1]]; ok {
			j := a.threadJSON(t, time.Now().UTC().Format(time.RFC3339Nano))
			if parent, ok := a.channels[t.ParentID]; ok {
				j["guild_id"] = parent.GuildID
			}
			return 200, j, true
		}
		if u, ok := a.dmUser[seg[1]]; ok {
			return 200, obj{"id": seg[1], "type": 1, "last_message_id": nil, "flags": 0,
				"recipients": []obj{{"id": u, "username": "user" + u, "discriminator": "0", "global_name": nil, "avatar": nil}}}, true
		}
		return notFound(10003, "Channel")
	case match("guilds/*", p):
		g, ok := a.guilds[seg[1]]
		if !ok {
			return notFound(10004, "Guild")
		}
		var roles []obj
		for _, r := range a.roles(g) {
			roles = append(roles, roleJSON(r))
		}
		return 200, obj{"id": g.ID, "name": g.Name, "owner_id": g.OwnerID, "icon": nil, "features": []any{}, "roles": roles,
			"emojis": []any{}, "stickers": []any{}, "verification_level": 0, "default_message_notifications": 0,
			"explicit_content_filter": 0, "mfa_level": 0, "premium_tier": 0, "preferred_locale": "en-US", "nsfw_level": 0}, true
	case match("guilds/*/roles", p):
		g, ok := a.guilds[seg[1]]
		if !ok {
			return notFound(10004, "Guild")
		}
		roles := []obj{}
		for _, r := range a.roles(g) {
			roles = append(roles, roleJSON(r))
		}
		return 200, roles, true
	case match("guilds/*/channels", p):
		if _, ok := a.guilds[seg[1]]; !ok {
			return notFound(10004, "Guild")
		}
		out := []obj{}
		for _, id := range sortedIDs(keys(a.channels)) {
			if c := a.channels[id]; c.GuildID == seg[1] {
				out = append(out, a.channelJSON(c))
			}
		}
		return 200, out, true
	case match("guilds/*/members/*", p):
		if _, ok := a.guilds[seg[1]]; !ok {
			return notFound(10004, "Guild")
		}
		m, ok := a.members[seg[1]][seg[3]]
		if !ok {
			return notFound(10007, "Member")
		}
		return 200, memberJSON(m), true
	case p == "applications/@me" || p == "oauth2/applications/@me":
		return 200, obj{"id": AppID, "name": "ticketbot", "icon": nil, "description": "", "bot_public": false,
			"bot_require_code_grant": false, "verify_key": "", "flags": a.appFlags, "team": nil,
			"bot":   obj{"id": BotUserID, "username": "ticketbot", "discriminator": "0000", "bot": true, "avatar": nil},
			"owner": obj{"id": "1", "username": "owner", "discriminator": "0"}}, true
	case p == "users/@me":
		if u, ok := a.oauthUser(auth); ok {
			return 200, obj{"id": u.ID, "username": u.Name, "global_name": u.Name, "discriminator": "0", "avatar": nil,
				"bot": false, "mfa_enabled": false, "locale": "en-US", "flags": 0, "public_flags": 0}, true
		}
		if len(auth) > 7 && auth[:7] == "Bearer " {
			return http.StatusUnauthorized, obj{"message": "401: Unauthorized", "code": 0}, true
		}
		return 200, obj{"id": BotUserID, "username": "ticketbot", "discriminator": "0000", "bot": true, "avatar": nil, "global_name": nil}, true
	case p == "users/@me/guilds":
		u, ok := a.oauthUser(auth)
		if !ok {
			if len(auth) > 7 && auth[:7] == "Bearer " {
				return http.StatusUnauthorized, obj{"message": "401: Unauthorized", "code": 0}, true
			}
			u = User{ID: BotUserID}
		}
		out := []obj{}
		for _, id := range sortedIDs(keys(a.guilds)) {
			g := a.guilds[id]
			if _, member := a.members[id][u.ID]; !member && g.OwnerID != u.ID && u.ID != BotUserID {
				continue
			}
			out = append(out, obj{"id": g.ID, "name": g.Name, "icon": nil, "owner": g.OwnerID == u.ID,
				"permissions": strconv.FormatInt(a.permissions(g, u.ID), 10), "features": []any{}})
		}
		return 200, out, true
	}
	return 0, nil, false
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// Guild returns guild id's name and roles as the fake holds them.
func (a *API) Guild(id string) (Guild, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	g, ok := a.guilds[id]
	if !ok {
		return Guild{}, false
	}
	return *g, true
}

// String names a guild for failure messages.
func (g Guild) String() string { return fmt.Sprintf("%s (%s)", g.Name, g.ID) }
