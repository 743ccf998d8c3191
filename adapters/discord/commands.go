package discord

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
)

// Command names.
const (
	cmdTicket = "ticket"
	cmdAdmin  = "ticket-admin"
)

// Permissions is the permission integer the bot is invited with: View Channel, Send Messages,
// Send Messages in Threads, Create Private Threads (tickets' requester side), Create Public
// Threads (the staff thread on a new-ticket notice), Manage Threads (archive and unarchive
// ticket threads, add members to them), Embed Links (cards) and Read Message History.
const Permissions int64 = discordgo.PermissionViewChannel |
	discordgo.PermissionSendMessages |
	discordgo.PermissionSendMessagesInThreads |
	discordgo.PermissionCreatePrivateThreads |
	discordgo.PermissionCreatePublicThreads |
	discordgo.PermissionManageThreads |
	discordgo.PermissionEmbedLinks |
	discordgo.PermissionReadMessageHistory

// Intents are the gateway intents ticketbot identifies with: guilds (threads), guild messages,
// direct messages (a DM to the bot offers to open a ticket) and the privileged Message Content
// intent (to store what is written in ticket threads).
const Intents = discordgo.IntentsGuilds | discordgo.IntentsGuildMessages | discordgo.IntentsDirectMessages | discordgo.IntentMessageContent

// InviteURL is the OAuth2 URL that adds the bot (with Permissions) and its commands to a server.
func InviteURL(appID string) string {
	return "https://discord.com/oauth2/authorize?client_id=" + appID +
		"&scope=bot+applications.commands&permissions=" + strconv.FormatInt(Permissions, 10)
}

// commandDefinitions are /ticket and /ticket-admin, derived from the bot's declarations:
// every subcommand of the structured surface with its options, the admin group under
// /ticket-admin with the Manage Server default permission. They are registered with one bulk
// overwrite so renamed or removed commands disappear.
func commandDefinitions(reg *bot.Registry) []*discordgo.ApplicationCommand {
	guildOnly := &[]discordgo.InteractionContextType{discordgo.InteractionContextGuild}
	guildInstall := &[]discordgo.ApplicationIntegrationType{discordgo.ApplicationIntegrationGuildInstall}
	no := false
	manageGuild := int64(discordgo.PermissionManageGuild)
	subs := func(g bot.Group) []*discordgo.ApplicationCommandOption {
		var out []*discordgo.ApplicationCommandOption
		for _, s := range reg.On(bot.SurfaceOptions, g) {
			sub := &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionSubCommand,
				Name: s.Name, Description: truncate(capitalise(s.Help), 100)}
			args := s.ArgsOn(bot.SurfaceOptions)
			// Discord wants required options first.
			for _, required := range []bool{true, false} {
				for _, a := range args {
					if a.Required == required {
						sub.Options = append(sub.Options, commandOption(a))
					}
				}
			}
			out = append(out, sub)
		}
		return out
	}
	return []*discordgo.ApplicationCommand{
		{
			Name:             cmdTicket,
			Type:             discordgo.ChatApplicationCommand,
			Description:      "Ask the helpdesk for help and follow your tickets",
			DMPermission:     &no,
			Contexts:         guildOnly,
			IntegrationTypes: guildInstall,
			Options:          subs(bot.GroupTicket),
		},
		{
			Name:                     cmdAdmin,
			Type:                     discordgo.ChatApplicationCommand,
			Description:              "Set up the helpdesk (Manage Server)",
			DefaultMemberPermissions: &manageGuild,
			DMPermission:             &no,
			Contexts:                 guildOnly,
			IntegrationTypes:         guildInstall,
			Options:                  subs(bot.GroupAdmin),
		},
	}
}

// commandOption is one declared argument as a Discord option.
func commandOption(a bot.Arg) *discordgo.ApplicationCommandOption {
	o := &discordgo.ApplicationCommandOption{Name: a.Option(), Description: truncate(capitalise(a.Help), 100), Required: a.Required}
	one := 1.0
	switch a.Type {
	case bot.ArgTicket:
		o.Type, o.Autocomplete, o.MinValue = discordgo.ApplicationCommandOptionInteger, a.Autocomplete, &one
	case bot.ArgUser:
		o.Type = discordgo.ApplicationCommandOptionUser
	case bot.ArgChannel:
		o.Type = discordgo.ApplicationCommandOptionChannel
		o.ChannelTypes = []discordgo.ChannelType{discordgo.ChannelTypeGuildText}
	case bot.ArgGroup:
		o.Type = discordgo.ApplicationCommandOptionRole
	case bot.ArgFlag:
		o.Type = discordgo.ApplicationCommandOptionBoolean
	case bot.ArgCategory:
		o.Type, o.MaxLength, o.Autocomplete = discordgo.ApplicationCommandOptionString, a.MaxLen, a.Autocomplete
	default:
		o.Type, o.MaxLength = discordgo.ApplicationCommandOptionString, a.MaxLen
		o.Autocomplete = a.Autocomplete && a.SuggestWords != nil
		for _, c := range a.AllChoices() {
			o.Choices = append(o.Choices, &discordgo.ApplicationCommandOptionChoice{Name: strings.ReplaceAll(c, "_", " "), Value: c})
		}
	}
	return o
}

// registerCommands bulk-overwrites the global commands.
func (a *Adapter) registerCommands(ctx context.Context) error {
	a.cmdsMu.Lock()
	defer a.cmdsMu.Unlock()
	if a.cmdsOK {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := a.api.OverwriteCommands(ctx, a.cfg.AppID, commandDefinitions(a.bot.Registry())); err != nil {
		return fmt.Errorf("discord.registerCommands: %w", err)
	}
	a.cmdsOK = true
	a.log.Info("discord: slash commands registered", "commands", "/"+cmdTicket+", /"+cmdAdmin)
	return nil
}

// retryRegistration retries a failed registration with backoff until it succeeds or ctx ends.
func (a *Adapter) retryRegistration(ctx context.Context) {
	wait := 5 * time.Second
	for {
		a.cmdsMu.Lock()
		ok := a.cmdsOK
		a.cmdsMu.Unlock()
		if ok || !sleep(ctx, wait) {
			return
		}
		if err := a.registerCommands(ctx); err != nil {
			a.log.Warn("discord: command registration failed; will retry", "err", err, "in", wait)
			wait = min(wait*2, 10*time.Minute)
		}
	}
}

// subcommand returns the invoked subcommand's name and its options as the bot's options;
// a user option is resolved to its name from the interaction's resolved data.
func subcommand(d discordgo.ApplicationCommandInteractionData) (string, []bot.Option, *discordgo.ApplicationCommandInteractionDataOption) {
	if len(d.Options) == 0 || d.Options[0] == nil || d.Options[0].Type != discordgo.ApplicationCommandOptionSubCommand {
		return "", nil, nil
	}
	var opts []bot.Option
	var focused *discordgo.ApplicationCommandInteractionDataOption
	for _, o := range d.Options[0].Options {
		if o == nil {
			continue
		}
		if o.Focused {
			focused = o
			continue // what is being typed is no value yet
		}
		v := o.Value
		if o.Type == discordgo.ApplicationCommandOptionUser {
			if id, ok := v.(string); ok && isSnowflake(id) {
				v = resolvedUser(d.Resolved, id)
			}
		}
		opts = append(opts, bot.Option{Name: o.Name, Value: v})
	}
	return d.Options[0].Name, opts, focused
}

// resolvedUser names user id from the interaction's resolved data.
func resolvedUser(r *discordgo.ApplicationCommandInteractionDataResolved, id string) core.UserRef {
	u := core.UserRef{ID: id}
	if r == nil {
		return u
	}
	if m, ok := r.Members[id]; ok && m != nil && m.Nick != "" {
		u.Name = m.Nick
		return u
	}
	if du, ok := r.Users[id]; ok && du != nil {
		u.Name = displayName(du)
	}
	return u
}

// displayName is a user's global display name, or their username.
func displayName(u *discordgo.User) string {
	if u == nil {
		return ""
	}
	if u.GlobalName != "" {
		return u.GlobalName
	}
	return u.Username
}
