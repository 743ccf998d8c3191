package discord

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
)

// Custom ids of the DM draft components: "tbd:dm:open:GUILD:DRAFT", "tbd:dm:no:GUILD:DRAFT",
// and the server picker "tbd:dm:pick" whose values are "GUILD:DRAFT".
const (
	customDMOpen = "tbd:dm:open:"
	customDMNo   = "tbd:dm:no:"
	customDMPick = "tbd:dm:pick"
)

// maxDMGuilds bounds the servers a DM draft offers (a select menu holds 25 options).
const maxDMGuilds = 25

// guildSet is the guilds this shard's gateway session is in (from READY and GUILD_CREATE).
type guildSet struct {
	mu  sync.Mutex
	ids []string
}

func (g *guildSet) set(ids []string) {
	g.mu.Lock()
	g.ids = slices.Clone(ids)
	g.mu.Unlock()
}

func (g *guildSet) add(id string) {
	g.mu.Lock()
	if !slices.Contains(g.ids, id) {
		g.ids = append(g.ids, id)
	}
	g.mu.Unlock()
}

func (g *guildSet) all() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.ids)
}

// guildChoice is a server a DM's author may open a ticket in.
type guildChoice struct {
	ID, Name, Draft string
}

// onDirectMessage offers to open a ticket with the text of a DM to the bot, in a server the
// bot shares with its author that has a helpdesk set up; with several, a menu asks which.
func (a *Adapter) onDirectMessage(ctx context.Context, m *discordgo.Message) {
	if m.Author == nil || m.Author.Bot || m.Author.System || m.WebhookID != "" {
		return
	}
	if title, _ := bot.SplitText(m.Content); title == "" {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_, _ = a.bot.Once(ctx, "discord:dm:"+m.ID, dedupeTTL, func(ctx context.Context) error {
		choices, err := a.helpdesksOf(ctx, m.Author.ID, m.Content)
		if err != nil {
			return err
		}
		if _, err := a.api.SendMessage(ctx, m.ChannelID, dmOffer(m.Content, choices)); err != nil {
			a.log.Warn("discord: could not answer a DM", "err", err)
		}
		return nil
	})
}

// helpdesksOf lists the servers with a helpdesk that user is a member of, each with a draft
// of text saved for it.
func (a *Adapter) helpdesksOf(ctx context.Context, user, text string) ([]guildChoice, error) {
	var out []guildChoice
	for _, g := range a.guilds.all() {
		ws := workspace(g)
		st, err := a.bot.Settings(ctx, ws)
		if err != nil {
			return nil, err
		}
		if st.SupportChannel == "" {
			continue
		}
		if _, err := a.api.GuildMember(ctx, g, user); err != nil {
			if apiStatus(err) != http.StatusNotFound {
				a.log.Debug("discord: membership lookup failed", "guild", g, "err", err)
			}
			continue
		}
		name := "your server"
		if gd, err := a.api.Guild(ctx, g); err == nil && gd.Name != "" {
			name = gd.Name
		}
		id, err := a.bot.SaveDraft(ctx, ws, user, text)
		if err != nil {
			return nil, err
		}
		out = append(out, guildChoice{ID: g, Name: name, Draft: id})
		if len(out) == maxDMGuilds {
			break
		}
	}
	return out, nil
}

// dmOffer is the answer to a DM: the draft and how to open it.
func dmOffer(text string, choices []guildChoice) *discordgo.MessageSend {
	title, _ := bot.SplitText(text)
	if len(choices) == 0 {
		return &discordgo.MessageSend{AllowedMentions: noMentions(),
			Content: "I can only open tickets in a server we share that has a helpdesk, and I found none. Use /ticket open in your server."}
	}
	head := truncate(fmt.Sprintf("Open a ticket with this?\n**%s**", escapeText(title)), maxContent)
	var row discordgo.ActionsRow
	if len(choices) == 1 {
		c := choices[0]
		row.Components = []discordgo.MessageComponent{
			discordgo.Button{CustomID: customDMOpen + c.ID + ":" + c.Draft, Style: discordgo.PrimaryButton,
				Label: truncate("Open a ticket in "+c.Name, maxButtonLabel)},
			discordgo.Button{CustomID: customDMNo + c.ID + ":" + c.Draft, Style: discordgo.SecondaryButton, Label: "No, thanks"},
		}
	} else {
		menu := discordgo.SelectMenu{CustomID: customDMPick, Placeholder: "Which server is it for?"}
		for _, c := range choices {
			menu.Options = append(menu.Options, discordgo.SelectMenuOption{Label: truncate(c.Name, 100), Value: c.ID + ":" + c.Draft})
		}
		row.Components = []discordgo.MessageComponent{menu}
	}
	return &discordgo.MessageSend{Content: head, Components: []discordgo.MessageComponent{row}, AllowedMentions: noMentions()}
}

// onDMComponent handles the draft's buttons and menu in a DM: the ticket is opened in the
// chosen server as any requester's, or the draft dropped.
func (a *Adapter) onDMComponent(ctx context.Context, it *discordgo.Interaction, d discordgo.MessageComponentInteractionData) *discordgo.InteractionResponse {
	user := core.UserRef{ID: it.User.ID, Name: displayName(it.User)}
	var verb, rest string
	switch {
	case strings.HasPrefix(d.CustomID, customDMOpen):
		verb, rest = "open", strings.TrimPrefix(d.CustomID, customDMOpen)
	case strings.HasPrefix(d.CustomID, customDMNo):
		verb, rest = "no", strings.TrimPrefix(d.CustomID, customDMNo)
	case d.CustomID == customDMPick && len(d.Values) == 1:
		verb, rest = "open", d.Values[0]
	default:
		return ephemeral("This button is no longer supported.")
	}
	guild, draft, ok := strings.Cut(rest, ":")
	if !ok || !isSnowflake(guild) || draft == "" {
		return ephemeral("This button is no longer supported.")
	}
	ws := workspace(guild)
	if verb == "no" {
		_, _ = a.bot.TakeDraft(ctx, ws, user.ID, draft)
		return updateMessage("OK, no ticket then.")
	}
	req := bot.Request{Workspace: ws, User: user, Surface: bot.SurfaceOptions, Words: words(), RequestID: it.ID}
	reply := a.bot.OpenDraft(ctx, req, draft)
	if reply.Error != nil {
		return ephemeral(reply.Text)
	}
	return updateMessage(replyContent(reply))
}

// updateMessage replaces the message a component is on with text and no components.
func updateMessage(text string) *discordgo.InteractionResponse {
	return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseUpdateMessage,
		Data: &discordgo.InteractionResponseData{Content: truncate(escapeText(text), maxContent),
			Components: []discordgo.MessageComponent{}, AllowedMentions: noMentions()}}
}
