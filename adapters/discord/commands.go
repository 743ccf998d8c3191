package discord

import (
	"context"
	"fmt"
	"math"
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
// Send Messages in Threads, Create Private Threads, Manage Threads (archive and unarchive
// ticket threads, add members to them), Embed Links (cards) and Read Message History.
const Permissions int64 = discordgo.PermissionViewChannel |
	discordgo.PermissionSendMessages |
	discordgo.PermissionSendMessagesInThreads |
	discordgo.PermissionCreatePrivateThreads |
	discordgo.PermissionManageThreads |
	discordgo.PermissionEmbedLinks |
	discordgo.PermissionReadMessageHistory

// Intents are the gateway intents ticketbot identifies with: guilds (threads), guild messages
// and the privileged Message Content intent (to store what is written in ticket threads).
const Intents = discordgo.IntentsGuilds | discordgo.IntentsGuildMessages | discordgo.IntentMessageContent

// InviteURL is the OAuth2 URL that adds the bot (with Permissions) and its commands to a server.
func InviteURL(appID string) string {
	return "https://discord.com/oauth2/authorize?client_id=" + appID +
		"&scope=bot+applications.commands&permissions=" + strconv.FormatInt(Permissions, 10)
}

// commandDefinitions are /ticket and /ticket-admin, registered with one bulk overwrite so
// renamed or removed commands disappear.
func commandDefinitions() []*discordgo.ApplicationCommand {
	guildOnly := &[]discordgo.InteractionContextType{discordgo.InteractionContextGuild}
	guildInstall := &[]discordgo.ApplicationIntegrationType{discordgo.ApplicationIntegrationGuildInstall}
	no := false
	manageGuild := int64(discordgo.PermissionManageGuild)
	one := 1.0
	number := func(desc string) *discordgo.ApplicationCommandOption {
		return &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionInteger, Name: "number",
			Description: desc, Required: true, Autocomplete: true, MinValue: &one}
	}
	str := func(name, desc string, required bool, maxLen int) *discordgo.ApplicationCommandOption {
		return &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionString, Name: name,
			Description: desc, Required: required, MaxLength: maxLen}
	}
	choices := func(names ...string) []*discordgo.ApplicationCommandOptionChoice {
		var cs []*discordgo.ApplicationCommandOptionChoice
		for _, n := range names {
			cs = append(cs, &discordgo.ApplicationCommandOptionChoice{Name: strings.ReplaceAll(n, "_", " "), Value: n})
		}
		return cs
	}
	var statuses, priorities []string
	for _, s := range core.Statuses() {
		statuses = append(statuses, string(s))
	}
	for _, p := range core.Priorities() {
		priorities = append(priorities, string(p))
	}
	sub := func(name, desc string, opts ...*discordgo.ApplicationCommandOption) *discordgo.ApplicationCommandOption {
		return &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionSubCommand, Name: name, Description: desc, Options: opts}
	}
	priority := str("priority", "How urgent it is (normal if not given)", false, 0)
	priority.Choices = choices(priorities...)
	listStatus := str("status", "Only tickets with this status (active ones if not given)", false, 0)
	listStatus.Choices = choices(append(statuses, "all")...)
	setStatus := str("status", "The new status", true, 0)
	setStatus.Choices = choices(statuses...)

	return []*discordgo.ApplicationCommand{
		{
			Name:             cmdTicket,
			Type:             discordgo.ChatApplicationCommand,
			Description:      "Ask the helpdesk for help and follow your tickets",
			DMPermission:     &no,
			Contexts:         guildOnly,
			IntegrationTypes: guildInstall,
			Options: []*discordgo.ApplicationCommandOption{
				sub("open", "Open a ticket (without options a form opens)",
					str("title", "What you need help with", false, core.MaxTitleRunes),
					str("description", "Details: steps, error messages, what you tried", false, core.MaxDescriptionRunes),
					priority),
				sub("list", "List tickets (yours; staff see all)",
					listStatus,
					&discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionBoolean, Name: "mine",
						Description: "Staff: only tickets assigned to you"}),
				sub("show", "Show a ticket", number("The ticket's number")),
				sub("status", "Set a ticket's status (staff)", number("The ticket's number"), setStatus,
					str("note", "A note for the reporter", false, core.MaxDescriptionRunes)),
				sub("close", "Close a ticket (staff, or its reporter)", number("The ticket's number"),
					str("reason", "Why it is closed", false, core.MaxDescriptionRunes)),
				sub("reopen", "Reopen a resolved or closed ticket (staff, or its reporter)", number("The ticket's number")),
				sub("claim", "Assign a ticket to yourself (staff)", number("The ticket's number")),
				sub("assign", "Assign a ticket to someone (staff)", number("The ticket's number"),
					&discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionUser, Name: "user",
						Description: "Who handles it", Required: true}),
			},
		},
		{
			Name:                     cmdAdmin,
			Type:                     discordgo.ChatApplicationCommand,
			Description:              "Set up the helpdesk (Manage Server)",
			DefaultMemberPermissions: &manageGuild,
			DMPermission:             &no,
			Contexts:                 guildOnly,
			IntegrationTypes:         guildInstall,
			Options: []*discordgo.ApplicationCommandOption{
				sub("setup", "Choose the support channel and the staff role",
					&discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionChannel, Name: "channel",
						Description: "Where ticket threads are made", Required: true,
						ChannelTypes: []discordgo.ChannelType{discordgo.ChannelTypeGuildText}},
					&discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionRole, Name: "staff_role",
						Description: "Members of this role handle tickets"}),
				sub("panel", "Post an \"Open a ticket\" button",
					&discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionChannel, Name: "channel",
						Description:  "Where to post it (this channel if not given)",
						ChannelTypes: []discordgo.ChannelType{discordgo.ChannelTypeGuildText}}),
			},
		},
	}
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
	if err := a.api.OverwriteCommands(ctx, a.cfg.AppID, commandDefinitions()); err != nil {
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

// options is a subcommand's options by name.
type options map[string]*discordgo.ApplicationCommandInteractionDataOption

// subcommand returns the invoked subcommand's name and options.
func subcommand(d discordgo.ApplicationCommandInteractionData) (string, options) {
	opts := options{}
	if len(d.Options) == 0 || d.Options[0] == nil || d.Options[0].Type != discordgo.ApplicationCommandOptionSubCommand {
		return "", opts
	}
	for _, o := range d.Options[0].Options {
		if o != nil {
			opts[o.Name] = o
		}
	}
	return d.Options[0].Name, opts
}

// str returns a string option ("" when absent or of another type). It never panics.
func (o options) str(name string) string {
	if v, ok := o[name]; ok {
		if s, ok := v.Value.(string); ok {
			return strings.TrimSpace(s)
		}
	}
	return ""
}

// int returns an integer option; autocomplete sends what was typed so far as a string.
func (o options) int(name string) (int64, bool) {
	v, ok := o[name]
	if !ok {
		return 0, false
	}
	switch x := v.Value.(type) {
	case float64:
		if x != math.Trunc(x) || math.Abs(x) > 1<<53 {
			return 0, false
		}
		return int64(x), true
	case string:
		n, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(x), "#"), 10, 64)
		return n, err == nil
	}
	return 0, false
}

func (o options) bool(name string) bool {
	if v, ok := o[name]; ok {
		b, _ := v.Value.(bool)
		return b
	}
	return false
}

// ticketCommand turns /ticket SUB options into the bot command. Errors: invalid.
func ticketCommand(d discordgo.ApplicationCommandInteractionData) (bot.Command, error) {
	name, o := subcommand(d)
	c := bot.Command{Name: name}
	needNumber := func() error {
		n, ok := o.int("number")
		if !ok || n <= 0 {
			return core.Errorf(core.EInvalid, "give the ticket's number (1 or more)")
		}
		c.Number = n
		return nil
	}
	switch name {
	case "open":
		c.Title, c.Description, c.Priority = o.str("title"), o.str("description"), o.str("priority")
		if c.Title == "" && c.Description != "" {
			// A description alone: its first line becomes the title, as in Slack.
			d := bot.DraftCommand(c.Description)
			c.Title, c.Description = d.Title, d.Description
		}
		return c, nil
	case "list":
		c.ListStatus, c.Mine = o.str("status"), o.bool("mine")
		return c, nil
	case "show", "reopen", "claim":
		return c, needNumber()
	case "close":
		c.Note = o.str("reason")
		return c, needNumber()
	case "status":
		st, err := core.ParseStatus(o.str("status"))
		if err != nil {
			return bot.Command{}, err
		}
		c.Status, c.Note = st, o.str("note")
		return c, needNumber()
	case "assign":
		id := o.str("user")
		if !isSnowflake(id) {
			return bot.Command{}, core.Errorf(core.EInvalid, "choose who to assign the ticket to")
		}
		c.User = resolvedUser(d.Resolved, id)
		return c, needNumber()
	}
	return bot.Command{}, core.Errorf(core.EInvalid, "unknown subcommand %q", name)
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
