package discord

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
)

// Custom ids of the components this adapter handles itself (card buttons carry bot.Action ids).
const (
	customOpenModal = "tbd:open"
	// customCategoryModal + a category id is the form of that category's questions.
	customCategoryModal = "tbd:open:cat:"
	// questionInput + a question id is the custom id of a question's text input.
	questionInput = "q:"
	// customRateModal + "ID:SCORE" is the rating comment form.
	customRateModal  = "tbd:rate:"
	customPanelOpen  = "tbd:panel"
	customJoinPrefix = "tbd:join:"
)

// Discord's size limits.
const (
	maxContent     = 2000
	maxEmbedTitle  = 256
	maxEmbedDesc   = 4096
	maxFieldValue  = 1024
	maxFieldName   = 256
	maxModalTitle  = 45
	maxInputLabel  = 45
	maxPlaceholder = 100
	maxModalInputs = 5
	maxThreadName  = 100
	maxChoiceName  = 100
	maxChoices     = 25
	maxButtonLabel = 80
)

var statusColors = map[core.Status]int{
	core.StatusOpen:       0x3B82F6,
	core.StatusInProgress: 0xF59E0B,
	core.StatusWaiting:    0xA855F7,
	core.StatusResolved:   0x22C55E,
	core.StatusClosed:     0x6B7280,
}

// ephemeral is a reply only the caller sees.
func ephemeral(text string) *discordgo.InteractionResponse {
	return replyResponse(bot.Reply{Text: text, Ephemeral: true})
}

// replyResponse renders a bot reply as an interaction response (a modal when it asks for one).
// Cards in replies carry no buttons: the buttons live on the card in the ticket's thread.
func replyResponse(r bot.Reply) *discordgo.InteractionResponse {
	if r.Modal {
		if r.Category != nil {
			return categoryModal(*r.Category)
		}
		if len(r.Categories) > 0 {
			return categoryPicker(r.Categories)
		}
		return modalResponse()
	}
	return &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: replyData(r),
	}
}

func replyData(r bot.Reply) *discordgo.InteractionResponseData {
	d := &discordgo.InteractionResponseData{
		Content:         replyContent(r),
		AllowedMentions: noMentions(),
	}
	if r.Card != nil {
		d.Embeds = []*discordgo.MessageEmbed{cardEmbed(*r.Card)}
	}
	if r.Ephemeral {
		d.Flags = discordgo.MessageFlagsEphemeral
	}
	return d
}

func replyContent(r bot.Reply) string {
	var b strings.Builder
	b.WriteString(escapeText(r.Text))
	for _, t := range r.Tickets {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(ticketLine(t, r.ListedIn))
	}
	if b.Len() == 0 && r.Card == nil {
		b.WriteString("Done.")
	}
	return truncate(b.String(), maxContent)
}

// ticketLine is one line of a listing read in ws: "`#12` VPN is down — open · high".
func ticketLine(t core.Ticket, ws core.Workspace) string {
	return fmt.Sprintf("`%s` %s — %s · %s", bot.RefOf(t, ws), escapeText(truncate(t.Title, 80)),
		bot.StatusLabel(t.Status), bot.PriorityLabel(t.Priority))
}

// modalResponse opens the "open a ticket" form.
func modalResponse() *discordgo.InteractionResponse {
	row := func(c discordgo.TextInput) discordgo.MessageComponent {
		return discordgo.ActionsRow{Components: []discordgo.MessageComponent{c}}
	}
	return &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseModal,
		Data: &discordgo.InteractionResponseData{
			CustomID: customOpenModal,
			Title:    "Open a ticket",
			Components: []discordgo.MessageComponent{
				row(discordgo.TextInput{CustomID: "title", Label: "Title", Style: discordgo.TextInputShort,
					Placeholder: "What do you need help with?", Required: true, MinLength: 1, MaxLength: core.MaxTitleRunes}),
				row(discordgo.TextInput{CustomID: "description", Label: "Description", Style: discordgo.TextInputParagraph,
					Placeholder: "Steps, error messages, what you already tried", MaxLength: core.MaxDescriptionRunes}),
				row(discordgo.TextInput{CustomID: "priority", Label: "Priority", Style: discordgo.TextInputShort,
					Placeholder: "normal (or low, high, urgent)", MaxLength: 6}),
			},
		},
	}
}

// categoryModal is the form of category c: its questions (at most five, a modal's limit),
// after a title when there is room for one and a description when there is room for that too.
// A choice question is a text input whose placeholder lists the options (a modal holds only
// text inputs); the core matches the answer to an option, ignoring case.
func categoryModal(c core.Category) *discordgo.InteractionResponse {
	row := func(c discordgo.TextInput) discordgo.MessageComponent {
		return discordgo.ActionsRow{Components: []discordgo.MessageComponent{c}}
	}
	var rows []discordgo.MessageComponent
	if len(c.Questions) < maxModalInputs {
		rows = append(rows, row(discordgo.TextInput{CustomID: "title", Label: "Title", Style: discordgo.TextInputShort,
			Placeholder: "What do you need help with?", Required: true, MinLength: 1, MaxLength: core.MaxTitleRunes}))
	}
	if len(c.Questions) < maxModalInputs-1 {
		rows = append(rows, row(discordgo.TextInput{CustomID: "description", Label: "Description", Style: discordgo.TextInputParagraph,
			Placeholder: "Steps, error messages, what you already tried", MaxLength: core.MaxDescriptionRunes}))
	}
	for _, q := range c.Questions {
		in := discordgo.TextInput{CustomID: questionInput + q.ID, Label: truncate(q.Label, maxInputLabel), Style: discordgo.TextInputShort,
			Required: q.Required, MaxLength: q.MaxAnswer()}
		switch q.Kind {
		case core.QuestionLong:
			in.Style = discordgo.TextInputParagraph
		case core.QuestionChoice:
			in.Placeholder = truncate("One of: "+strings.Join(q.Options, ", "), maxPlaceholder)
		}
		rows = append(rows, row(in))
	}
	return &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseModal,
		Data: &discordgo.InteractionResponseData{
			CustomID:   customCategoryModal + strconv.FormatInt(c.ID, 10),
			Title:      truncate("Open a ticket: "+c.Name, maxModalTitle),
			Components: rows,
		},
	}
}

// rateModalResponse asks for an optional comment with the rating score of ticket id.
func rateModalResponse(id int64, score int) *discordgo.InteractionResponse {
	return &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseModal,
		Data: &discordgo.InteractionResponseData{
			CustomID: customRateModal + strconv.FormatInt(id, 10) + ":" + strconv.Itoa(score),
			Title:    truncate("Rate it "+bot.RatingLabel(score), 45),
			Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
				discordgo.TextInput{CustomID: "comment", Label: "Anything to add? (optional)", Style: discordgo.TextInputParagraph,
					MaxLength: core.MaxRatingCommentRunes},
			}}},
		},
	}
}

// cardEmbed renders a ticket card as an embed: heading, description, and the card's fields
// (status, priority, reporter, assignee).
func cardEmbed(c bot.Card) *discordgo.MessageEmbed {
	e := &discordgo.MessageEmbed{
		Type:        discordgo.EmbedTypeRich,
		Title:       truncate(fmt.Sprintf("#%d %s", c.Number, escapeText(c.Title)), maxEmbedTitle),
		Description: truncate(escapeText(c.Description), maxEmbedDesc),
		Color:       statusColors[c.Status],
	}
	for _, f := range c.Fields {
		v := escapeText(f.Value)
		if isSnowflake(f.UserID) {
			// Someone of another platform (a linked helpdesk's staff) is shown by name.
			v = userMention(f.UserID)
		}
		e.Fields = append(e.Fields, &discordgo.MessageEmbedField{Name: truncate(escapeText(f.Name), maxFieldName),
			Value: truncate(v, maxFieldValue), Inline: !f.Answer})
	}
	return e
}

// cardComponents renders the card's buttons (Claim / Close, or Reopen) and its status menu.
func cardComponents(c bot.Card) []discordgo.MessageComponent {
	var buttons []discordgo.MessageComponent
	for _, b := range c.Buttons {
		style := discordgo.SecondaryButton
		switch b.Style {
		case bot.StylePrimary:
			style = discordgo.PrimaryButton
		case bot.StyleDanger:
			style = discordgo.DangerButton
		}
		buttons = append(buttons, discordgo.Button{CustomID: b.ID, Label: truncate(b.Label, maxButtonLabel), Style: style})
	}
	var rows []discordgo.MessageComponent
	for len(buttons) > 0 { // at most five buttons a row
		n := min(len(buttons), 5)
		if len(buttons) > 5 && len(buttons) <= 10 && c.Status == core.StatusClosed {
			n = len(buttons) - 5 // Reopen alone, the five ratings together
		}
		rows = append(rows, discordgo.ActionsRow{Components: buttons[:n]})
		buttons = buttons[n:]
	}
	if c.StatusMenu != "" {
		var opts []discordgo.SelectMenuOption
		for _, st := range core.Statuses() {
			opts = append(opts, discordgo.SelectMenuOption{Label: bot.StatusLabel(st), Value: string(st), Default: st == c.Status})
		}
		one := 1
		rows = append(rows, discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.SelectMenu{CustomID: c.StatusMenu, Placeholder: "Set the status", MinValues: &one, MaxValues: 1, Options: opts},
		}})
	}
	return rows
}

// cardMessage is the first message of a ticket's thread: a greeting that pings the reporter
// (and nobody else), the card, its buttons.
func cardMessage(t core.Ticket) *discordgo.MessageSend {
	c := bot.ThreadCard(t)
	return &discordgo.MessageSend{
		Content: truncate(fmt.Sprintf("Ticket #%d for %s. The helpdesk answers in this thread; add anything that helps (steps, screenshots, error messages).",
			t.Number, userMention(t.Reporter.ID)), maxContent),
		Embeds:          []*discordgo.MessageEmbed{cardEmbed(c)},
		Components:      cardComponents(c),
		AllowedMentions: mentionUsers(reporterPing(t)),
	}
}

func reporterPing(t core.Ticket) string {
	if isSnowflake(t.Reporter.ID) {
		return t.Reporter.ID
	}
	return ""
}

// cardEdit updates the card in place (embed and components; the greeting stays).
func cardEdit(t core.Ticket, th thread) *discordgo.MessageEdit {
	c := bot.ThreadCard(t)
	embeds := []*discordgo.MessageEmbed{cardEmbed(c)}
	comps := cardComponents(c)
	return &discordgo.MessageEdit{
		Channel:         th.ThreadID,
		ID:              th.CardID,
		Embeds:          &embeds,
		Components:      &comps,
		AllowedMentions: noMentions(),
	}
}

// noticeMessage tells the staff channel (which requesters cannot see) about a new ticket, with
// a button that adds the staff member who presses it to the private thread. It pings nobody.
func noticeMessage(t core.Ticket) *discordgo.MessageSend {
	return &discordgo.MessageSend{
		Content: truncate(fmt.Sprintf("New ticket #%d: %s (%s priority) from %s. Staff: press Join to enter its private thread.",
			t.Number, escapeText(truncate(t.Title, 200)), bot.PriorityLabel(t.Priority), userMention(t.Reporter.ID)), maxContent),
		Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.Button{CustomID: customJoinPrefix + strconv.FormatInt(t.ID, 10), Label: fmt.Sprintf("Join ticket #%d", t.Number), Style: discordgo.SecondaryButton},
		}}},
		AllowedMentions: noMentions(),
	}
}

// threadMessage renders the copy of a message written elsewhere (another place, the dashboard,
// the API) for a thread.
func threadMessage(m core.Message) *discordgo.MessageSend {
	who := m.Author.Name
	if who == "" {
		who = m.Author.ID
	}
	label := ""
	if m.Internal {
		label = " 🔒 internal note"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "**%s** (via %s)%s: %s", escapeText(who), escapeText(m.Source), label, escapeText(m.Content))
	for _, at := range m.Attachments {
		fmt.Fprintf(&b, "\n📎 %s <%s>", escapeText(at.Name), strings.NewReplacer(">", "%3E", "@", "%40", " ", "%20").Replace(at.URL))
	}
	return &discordgo.MessageSend{Content: truncate(b.String(), maxContent), AllowedMentions: noMentions()}
}

// statusDM is the DM a reporter gets when their ticket's status changes.
func statusDM(t core.Ticket, th thread, by core.UserRef) *discordgo.MessageSend {
	text := escapeText(bot.StatusNotice(t, by))
	if th.ThreadID != "" {
		text += " " + channelMention(th.ThreadID)
	}
	return &discordgo.MessageSend{Content: truncate(text, maxContent), AllowedMentions: noMentions()}
}

// threadName is "#12 VPN is down", at most 100 characters.
func threadName(t core.Ticket) string {
	return truncate(fmt.Sprintf("#%d %s", t.Number, strings.Join(strings.Fields(t.Title), " ")), maxThreadName)
}
