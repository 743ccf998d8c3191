package slack

import (
	"fmt"
	"strconv"
	"strings"

	slackgo "github.com/slack-go/slack"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
)

// Block Kit limits ticketbot renders within.
const (
	maxSectionText = 3000
	maxFieldText   = 2000
	maxModalInput  = 3000
	maxListed      = 40
)

// Ids of the adapter's own interactive elements; card buttons carry bot.Action ids.
const (
	openCallbackID    = "tb:open"
	draftOpenAction   = "tbslack:draft:open"
	draftCancelAction = "tbslack:draft:cancel"
)

func plain(s string) *slackgo.TextBlockObject {
	return slackgo.NewTextBlockObject(slackgo.PlainTextType, s, false, false)
}

func mrkdwn(s string) *slackgo.TextBlockObject {
	return slackgo.NewTextBlockObject(slackgo.MarkdownType, s, false, false)
}

func section(blockID, text string) *slackgo.SectionBlock {
	return slackgo.NewSectionBlock(mrkdwn(text), nil, nil, slackgo.SectionBlockOptionBlockID(blockID))
}

// cardMessage is the ticket card: heading, description, fields, Claim/Close (or Reopen)
// buttons and a status menu.
func cardMessage(c bot.Card) message {
	return message{Text: cardText(c), Blocks: cardBlocks(c, true)}
}

// requesterCardMessage is t's requester card; replies in its thread reach the helpdesk.
func requesterCardMessage(t core.Ticket) message {
	c := bot.RequesterCard(t)
	blocks := cardBlocks(c, false)
	blocks = append(blocks, slackgo.NewContextBlock("tb:rcard:hint:"+strconv.FormatInt(t.ID, 10),
		mrkdwn("Reply in this thread to talk with the helpdesk.")))
	return message{Text: cardText(c), Blocks: blocks}
}

// cardText is the card's notification text.
func cardText(c bot.Card) string {
	return escapeCut(fmt.Sprintf("Ticket %s (%s)", c.Heading(), bot.StatusLabel(c.Status)), maxSectionText)
}

// cardBlocks renders c; a posted card (posted) invites replies in its thread.
func cardBlocks(c bot.Card, posted bool) []slackgo.Block {
	id := strconv.FormatInt(c.TicketID, 10)
	blocks := []slackgo.Block{
		section("tb:card:head:"+id, "*"+escapeCut(c.Heading(), maxSectionText-2)+"*"),
	}
	if c.Description != "" {
		blocks = append(blocks, section("tb:card:desc:"+id, escapeCut(c.Description, maxSectionText)))
	}
	fields := make([]*slackgo.TextBlockObject, 0, len(c.Fields))
	var answers []string
	for _, f := range c.Fields {
		if f.Answer {
			answers = append(answers, "*"+escape(f.Name)+"*\n"+fieldValue(f))
			continue
		}
		fields = append(fields, mrkdwn("*"+escape(f.Name)+"*\n"+fieldValue(f)))
	}
	if len(fields) > 10 {
		fields = fields[:10]
	}
	if len(fields) > 0 {
		blocks = append(blocks, slackgo.NewSectionBlock(nil, fields, nil, slackgo.SectionBlockOptionBlockID("tb:card:fields:"+id)))
	}
	if len(answers) > 0 {
		// The answers to the category's questions, full width: they can be long.
		blocks = append(blocks, section("tb:card:answers:"+id, cut(strings.Join(answers, "\n"), maxSectionText)))
	}
	var elems []slackgo.BlockElement
	for _, b := range c.Buttons {
		btn := slackgo.NewButtonBlockElement(b.ID, id, plain(b.Label))
		switch b.Style {
		case bot.StylePrimary:
			btn = btn.WithStyle(slackgo.StylePrimary)
		case bot.StyleDanger:
			btn = btn.WithStyle(slackgo.StyleDanger)
		}
		elems = append(elems, btn)
	}
	if c.StatusMenu != "" {
		var current *slackgo.OptionBlockObject
		opts := make([]*slackgo.OptionBlockObject, 0, len(core.Statuses()))
		for _, st := range core.Statuses() {
			o := slackgo.NewOptionBlockObject(string(st), plain(capitalise(bot.StatusLabel(st))), nil)
			if st == c.Status {
				current = o
			}
			opts = append(opts, o)
		}
		sel := slackgo.NewOptionsSelectBlockElement(slackgo.OptTypeStatic, plain("Set status"), c.StatusMenu, opts...)
		if current != nil {
			sel = sel.WithInitialOption(current)
		}
		elems = append(elems, sel)
	}
	if len(elems) > 0 {
		blocks = append(blocks, slackgo.NewActionBlock("tb:card:actions:"+id, elems...))
	}
	if posted {
		blocks = append(blocks, slackgo.NewContextBlock("tb:card:hint:"+id,
			mrkdwn("Reply in this thread to talk about the ticket; replies are kept with it.")))
	}
	return blocks
}

// fieldValue renders a card field: a mention for a Slack user, else the escaped value.
func fieldValue(f bot.Field) string {
	if isUserID(f.UserID) {
		return "<@" + f.UserID + ">"
	}
	return escapeCut(f.Value, maxFieldText)
}

// userText names u in a message: a mention for a Slack user, else the escaped name.
func userText(u core.UserRef) string {
	switch {
	case isUserID(u.ID):
		return "<@" + u.ID + ">"
	case u.Name != "":
		return escape(u.Name)
	default:
		return escape(u.ID)
	}
}

// replyMessage renders a bot.Reply: its text, then its card or ticket list.
func replyMessage(r bot.Reply) message {
	text := escapeCut(r.Text, maxSectionText)
	if r.Card == nil && len(r.Tickets) == 0 {
		return message{Text: text}
	}
	var blocks []slackgo.Block
	if text != "" {
		blocks = append(blocks, section("tb:reply", text))
	}
	if r.Card != nil {
		if text == "" {
			text = cardText(*r.Card)
		}
		blocks = append(blocks, cardBlocks(*r.Card, false)...)
	}
	for i, t := range r.Tickets {
		if i == maxListed {
			break
		}
		blocks = append(blocks, section("tb:list:"+strconv.FormatInt(t.ID, 10), ticketLine(t, r.ListedIn)))
	}
	return message{Text: text, Blocks: blocks}
}

// ticketLine is one ticket of a listing read in ws.
func ticketLine(t core.Ticket, ws core.Workspace) string {
	s := fmt.Sprintf("*%s* %s — %s · %s", bot.RefOf(t, ws), escapeCut(t.Title, core.MaxTitleRunes*5), bot.StatusLabel(t.Status), bot.PriorityLabel(t.Priority))
	if !t.Assignee.IsZero() {
		s += " · " + userText(t.Assignee)
	}
	return s
}

// commandResponse is the body of a slash command's answer (HTTP response or Socket Mode ack).
type commandResponse struct {
	ResponseType string          `json:"response_type"`
	Text         string          `json:"text"`
	Blocks       []slackgo.Block `json:"blocks,omitempty"`
}

func commandReply(r bot.Reply) commandResponse {
	m := replyMessage(r)
	rt := slackgo.ResponseTypeEphemeral
	if !r.Ephemeral {
		rt = slackgo.ResponseTypeInChannel
	}
	return commandResponse{ResponseType: rt, Text: m.Text, Blocks: m.Blocks}
}

// Block and action ids of the ticket form's category parts.
const (
	categoryBlock = "category"
	// questionBlock + a question id is the block (and action) of a question's input.
	questionBlock = "q:"
)

// openModal is the "open a ticket" form; originChannel rides along in private_metadata.
// With categories it starts with a category menu (choosing one updates the form through a
// block action, see onCategoryChosen); with chosen, that category's questions follow the
// priority: short and long text inputs, and a menu of a choice's options.
func openModal(originChannel string, cats []core.Category, chosen *core.Category) slackgo.ModalViewRequest {
	title := slackgo.NewInputBlock("title", plain("Title"), plain("One line: what do you need help with?"),
		slackgo.NewPlainTextInputBlockElement(plain("My VPN is down"), "title").WithMaxLength(core.MaxTitleRunes))
	desc := slackgo.NewInputBlock("description", plain("Description"), nil,
		slackgo.NewPlainTextInputBlockElement(plain("What happened, and what have you tried?"), "description").
			WithMultiline(true).WithMaxLength(maxModalInput)).WithOptional(true)
	var normal *slackgo.OptionBlockObject
	opts := make([]*slackgo.OptionBlockObject, 0, len(core.Priorities()))
	for _, p := range core.Priorities() {
		o := slackgo.NewOptionBlockObject(string(p), plain(capitalise(bot.PriorityLabel(p))), nil)
		if p == core.PriorityNormal {
			normal = o
		}
		opts = append(opts, o)
	}
	prio := slackgo.NewInputBlock("priority", plain("Priority"), nil,
		slackgo.NewOptionsSelectBlockElement(slackgo.OptTypeStatic, plain("Priority"), "priority", opts...).WithInitialOption(normal))
	var blocks []slackgo.Block
	if len(cats) > 0 {
		blocks = append(blocks, categoryMenu(cats, chosen))
	}
	blocks = append(blocks, title, desc, prio)
	if chosen != nil {
		for _, q := range chosen.Questions {
			blocks = append(blocks, questionInput(q))
		}
	}
	return slackgo.ModalViewRequest{
		Type:            slackgo.VTModal,
		CallbackID:      openCallbackID,
		Title:           plain("Open a ticket"),
		Submit:          plain("Open"),
		Close:           plain("Cancel"),
		PrivateMetadata: originChannel,
		Blocks:          slackgo.Blocks{BlockSet: blocks},
	}
}

// categoryMenu is the form's category menu; choosing an option dispatches a block action.
func categoryMenu(cats []core.Category, chosen *core.Category) *slackgo.InputBlock {
	var opts []*slackgo.OptionBlockObject
	var initial *slackgo.OptionBlockObject
	for _, c := range cats {
		var hint *slackgo.TextBlockObject
		if c.Description != "" {
			hint = plain(cut(c.Description, 75))
		}
		o := slackgo.NewOptionBlockObject(strconv.FormatInt(c.ID, 10), plain(cut(c.Name, 75)), hint)
		if chosen != nil && c.ID == chosen.ID {
			initial = o
		}
		opts = append(opts, o)
	}
	menu := slackgo.NewOptionsSelectBlockElement(slackgo.OptTypeStatic, plain("Choose a category"), categoryBlock, opts...)
	if initial != nil {
		menu = menu.WithInitialOption(initial)
	}
	b := slackgo.NewInputBlock(categoryBlock, plain("Category"), plain("Its questions follow below"), menu)
	b.DispatchAction = true
	return b
}

// questionInput is the input of one category question.
func questionInput(q core.Question) *slackgo.InputBlock {
	id := questionBlock + q.ID
	var el slackgo.BlockElement
	switch q.Kind {
	case core.QuestionChoice:
		opts := make([]*slackgo.OptionBlockObject, len(q.Options))
		for i, o := range q.Options {
			opts[i] = slackgo.NewOptionBlockObject(o, plain(cut(o, 75)), nil)
		}
		el = slackgo.NewOptionsSelectBlockElement(slackgo.OptTypeStatic, plain("Choose one"), id, opts...)
	default:
		in := slackgo.NewPlainTextInputBlockElement(nil, id).WithMaxLength(q.MaxAnswer())
		if q.Kind == core.QuestionLong {
			in = in.WithMultiline(true)
		}
		el = in
	}
	return slackgo.NewInputBlock(id, plain(q.Label), nil, el).WithOptional(!q.Required)
}

// rateCallbackID is the callback id of the rating form.
const rateCallbackID = "tb_rate"

// rateModal asks for an optional comment with the rating score of ticket id (both ride
// along in private_metadata as "ID:SCORE").
func rateModal(id int64, score int) slackgo.ModalViewRequest {
	comment := slackgo.NewInputBlock("comment", plain("Anything to add?"), nil,
		slackgo.NewPlainTextInputBlockElement(plain("What went well, what could be better"), "comment").
			WithMultiline(true).WithMaxLength(core.MaxRatingCommentRunes)).WithOptional(true)
	return slackgo.ModalViewRequest{
		Type:            slackgo.VTModal,
		CallbackID:      rateCallbackID,
		Title:           plain("Rate your ticket"),
		Submit:          plain("Send rating"),
		Close:           plain("Cancel"),
		PrivateMetadata: strconv.FormatInt(id, 10) + ":" + strconv.Itoa(score),
		Blocks: slackgo.Blocks{BlockSet: []slackgo.Block{
			section("tb:rate:score", "Your rating: *"+bot.RatingLabel(score)+"*"), comment}},
	}
}

// doneModal replaces the form after a successful submission.
func doneModal(text string) *slackgo.ModalViewRequest {
	return &slackgo.ModalViewRequest{
		Type:   slackgo.VTModal,
		Title:  plain("Ticket opened"),
		Close:  plain("Done"),
		Blocks: slackgo.Blocks{BlockSet: []slackgo.Block{section("tb:done", escapeCut(text, maxSectionText))}},
	}
}

// draftMessage asks the author of a DM whether to open a ticket with it.
func draftMessage(draft, id string) message {
	title, desc := bot.SplitText(draft)
	text := "Open a ticket with this?\n*" + escapeCut(title, core.MaxTitleRunes*5) + "*"
	if desc != "" {
		text += "\n" + escapeCut(desc, 500)
	}
	return message{
		Text: "Open a ticket with this?",
		Blocks: []slackgo.Block{
			section("tb:draft:text", text),
			slackgo.NewActionBlock("tb:draft:actions",
				slackgo.NewButtonBlockElement(draftOpenAction, id, plain("Open a ticket")).WithStyle(slackgo.StylePrimary),
				slackgo.NewButtonBlockElement(draftCancelAction, id, plain("No, thanks")),
			),
			slackgo.NewContextBlock("tb:draft:hint", mrkdwn("I keep this draft for 15 minutes.")),
		},
	}
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
