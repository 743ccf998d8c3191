package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/ticketbot/ticketbot/bot"
)

// Application flags that say the Message Content intent is on: approved for a bot in 100 or
// more servers, or enabled in the developer portal below that.
const (
	flagGatewayMessageContent        = 1 << 18
	flagGatewayMessageContentLimited = 1 << 19
)

// staffPermissions are what the bot needs in a staff channel: post the new-ticket notice,
// start and write in its thread.
const staffPermissions int64 = discordgo.PermissionViewChannel |
	discordgo.PermissionSendMessages |
	discordgo.PermissionSendMessagesInThreads |
	discordgo.PermissionCreatePublicThreads |
	discordgo.PermissionEmbedLinks |
	discordgo.PermissionReadMessageHistory

// DoctorGuild is a guild with a helpdesk, as its settings name its channels.
type DoctorGuild struct {
	ID, Support, Staff string
}

// DoctorConfig is what `ticketbot doctor` checks of Discord.
type DoctorConfig struct {
	// BotToken is DISCORD_BOT_TOKEN, AppID DISCORD_APP_ID, APIURL DISCORD_API_URL.
	BotToken, AppID, APIURL string
	HTTPClient              *http.Client
	// Guilds are the guilds with settings.
	Guilds []DoctorGuild
}

// Doctor checks the Discord side of the configuration: the token (GET /users/@me), the
// application id and the Message Content intent (GET /applications/@me), and the bot's
// permissions in each helpdesk guild's support and staff channels, computed from the guild's
// roles, the bot member's roles and the channels' overwrites.
func Doctor(ctx context.Context, c DoctorConfig) []bot.Check {
	if c.APIURL == "" {
		c.APIURL = DefaultAPIURL
	}
	base, err := url.Parse(c.APIURL)
	if err != nil {
		return []bot.Check{bot.FailedCheck("discord api", "DISCORD_API_URL is not a URL", "set DISCORD_API_URL to https://discord.com/api/v10/ or unset it")}
	}
	if !strings.HasSuffix(base.Path, "/") {
		base.Path += "/"
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	sess, _, err := newSession(Config{BotToken: c.BotToken, HTTPClient: c.HTTPClient}, base)
	if err != nil {
		return []bot.Check{bot.FailedCheck("discord token", err.Error(), "set DISCORD_BOT_TOKEN to the bot's token (Developer Portal → Bot → Reset Token)")}
	}
	opt := discordgo.WithContext(ctx)
	me, err := sess.User("@me", opt)
	if err != nil {
		fix := "set DISCORD_BOT_TOKEN to the bot's token (Developer Portal → Bot → Reset Token)"
		if !isHTTPStatus(err, http.StatusUnauthorized) {
			fix = "check DISCORD_API_URL and that this host reaches Discord"
		}
		return []bot.Check{bot.FailedCheck("discord token", "GET /users/@me: "+bot.Redact(err).Error(), fix)}
	}
	out := []bot.Check{bot.Passed("discord token", fmt.Sprintf("the bot is %s (%s)", me.Username, me.ID))}
	app, err := application(sess, opt)
	if err != nil {
		return append(out, bot.FailedCheck("discord application", "GET /applications/@me: "+bot.Redact(err).Error(),
			"check that DISCORD_BOT_TOKEN is the bot token of the application"))
	}
	switch {
	case c.AppID == "":
		out = append(out, bot.FailedCheck("discord application id", "DISCORD_APP_ID is not set: slash commands are not registered",
			"set DISCORD_APP_ID="+app.ID))
	case c.AppID != app.ID:
		out = append(out, bot.FailedCheck("discord application id", "DISCORD_APP_ID is "+c.AppID+" but the token belongs to application "+app.ID,
			"set DISCORD_APP_ID="+app.ID))
	default:
		out = append(out, bot.Passed("discord application id", "DISCORD_APP_ID matches the token's application"))
	}
	if app.Flags&(flagGatewayMessageContent|flagGatewayMessageContentLimited) == 0 {
		out = append(out, bot.FailedCheck("discord message content intent", "the application does not have the Message Content intent: messages in ticket threads arrive empty",
			"enable it: Developer Portal → your app → Bot → Privileged Gateway Intents → Message Content Intent"))
	} else {
		out = append(out, bot.Passed("discord message content intent", "enabled"))
	}
	for _, g := range c.Guilds {
		out = append(out, doctorGuild(ctx, sess, me.ID, g)...)
	}
	return out
}

// doctorGuild checks the bot's permissions in g's support and staff channels.
func doctorGuild(ctx context.Context, sess *discordgo.Session, botID string, g DoctorGuild) []bot.Check {
	opt := discordgo.WithContext(ctx)
	name := "discord guild " + g.ID
	guild, err := sess.Guild(g.ID, opt)
	if err != nil {
		return []bot.Check{bot.FailedCheck(name, "GET /guilds/"+g.ID+": "+bot.Redact(err).Error(),
			"invite the bot to the server again (its invite URL is in the start-up log), or remove the server's settings")}
	}
	name = "discord " + guild.Name
	member, err := sess.GuildMember(g.ID, botID, opt)
	if err != nil {
		return []bot.Check{bot.FailedCheck(name, "the bot is not a member of the server: "+bot.Redact(err).Error(),
			"invite the bot to the server (the invite URL is in the start-up log)")}
	}
	var out []bot.Check
	for _, ch := range []struct {
		what, id string
		need     int64
		setup    string
	}{
		{"support channel", g.Support, Permissions, "/ticket-admin setup channel:#support"},
		{"staff channel", g.Staff, staffPermissions, "/ticket-admin setup staff_channel:#staff"},
	} {
		check := name + " " + ch.what
		if ch.id == "" {
			out = append(out, bot.FailedCheck(check, "not set", "run "+ch.setup))
			continue
		}
		c, err := sess.Channel(ch.id, opt)
		if err != nil {
			out = append(out, bot.FailedCheck(check, ch.id+": "+bot.Redact(err).Error(), "run "+ch.setup+" with a channel that exists"))
			continue
		}
		if missing := ch.need &^ channelPermissions(guild, c, botID, member.Roles); missing != 0 {
			out = append(out, bot.FailedCheck(check, "#"+c.Name+": the bot lacks "+permissionNames(missing),
				"grant the bot's role these permissions in #"+c.Name+" (Edit Channel → Permissions)"))
			continue
		}
		out = append(out, bot.Passed(check, "#"+c.Name+": the bot has every permission it needs"))
	}
	return out
}

// channelPermissions is what a member with roles has in channel c of guild g: @everyone's
// and the roles' permissions, then the channel's @everyone, role and member overwrites.
func channelPermissions(g *discordgo.Guild, c *discordgo.Channel, userID string, roles []string) int64 {
	if g.OwnerID == userID {
		return -1
	}
	has := map[string]bool{}
	for _, r := range roles {
		has[r] = true
	}
	var perms int64
	for _, r := range g.Roles {
		if r.ID == g.ID || has[r.ID] {
			perms |= r.Permissions
		}
	}
	if perms&discordgo.PermissionAdministrator != 0 {
		return -1
	}
	var allow, deny int64
	for _, o := range c.PermissionOverwrites {
		if o.Type == discordgo.PermissionOverwriteTypeRole && o.ID == g.ID {
			perms = perms&^o.Deny | o.Allow
		}
	}
	for _, o := range c.PermissionOverwrites {
		if o.Type == discordgo.PermissionOverwriteTypeRole && o.ID != g.ID && has[o.ID] {
			allow |= o.Allow
			deny |= o.Deny
		}
	}
	perms = perms&^deny | allow
	for _, o := range c.PermissionOverwrites {
		if o.Type == discordgo.PermissionOverwriteTypeMember && o.ID == userID {
			perms = perms&^o.Deny | o.Allow
		}
	}
	return perms
}

// permissionNames names the permission bits in p.
func permissionNames(p int64) string {
	var names []string
	for _, n := range []struct {
		bit  int64
		name string
	}{
		{discordgo.PermissionViewChannel, "View Channel"},
		{discordgo.PermissionSendMessages, "Send Messages"},
		{discordgo.PermissionSendMessagesInThreads, "Send Messages in Threads"},
		{discordgo.PermissionCreatePublicThreads, "Create Public Threads"},
		{discordgo.PermissionCreatePrivateThreads, "Create Private Threads"},
		{discordgo.PermissionManageThreads, "Manage Threads"},
		{discordgo.PermissionEmbedLinks, "Embed Links"},
		{discordgo.PermissionReadMessageHistory, "Read Message History"},
	} {
		if p&n.bit != 0 {
			names = append(names, n.name)
		}
	}
	return strings.Join(names, ", ")
}

// isHTTPStatus reports whether err is a REST answer with status.
func isHTTPStatus(err error, status int) bool {
	var re *discordgo.RESTError
	return errors.As(err, &re) && re.Response != nil && re.Response.StatusCode == status
}

// application is GET /applications/@me (discordgo's Application takes no context).
func application(sess *discordgo.Session, opt discordgo.RequestOption) (*discordgo.Application, error) {
	body, err := sess.RequestWithBucketID(http.MethodGet, discordgo.EndpointApplication("@me"), nil,
		discordgo.EndpointApplication(""), opt)
	if err != nil {
		return nil, err
	}
	var app discordgo.Application
	if err := json.Unmarshal(body, &app); err != nil {
		return nil, fmt.Errorf("GET /applications/@me: %w", err)
	}
	return &app, nil
}
