package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
)

// ticketReaction is the reaction that opens a ticket from a message.
const ticketReaction = "ticket"

// source is a message a ticket may be opened from.
type source struct {
	Channel, TS, ThreadTS string
	User, Text            string
	BotID                 string
}

// openFromMessage opens a ticket from m on behalf of its author: the title is its first line
// (at most the title limit), the description the whole message, and the message's thread
// becomes the ticket's requester side. One message makes at most one ticket: the message is
// the request's id, so a second reaction or shortcut finds the first ticket.
func (a *Adapter) openFromMessage(ctx context.Context, ws core.Workspace, m source) bot.Reply {
	if m.User == "" || m.BotID != "" || m.User == a.self.UserID || strings.TrimSpace(m.Text) == "" {
		return bot.Reply{Ephemeral: true, Text: "I can only open tickets from messages people wrote.", Error: &bot.ReplyError{Code: core.EInvalid}}
	}
	if m.ThreadTS != "" && m.ThreadTS != m.TS {
		if _, _, err := a.svc.PlaceForThread(ctx, ws, m.Channel, m.ThreadTS); err == nil {
			return bot.Reply{Ephemeral: true, Text: "That message is already part of a ticket's conversation.", Error: &bot.ReplyError{Code: core.EConflict}}
		}
	}
	author := core.UserRef{ID: m.User}
	if p, err := a.person(ctx, ws, m.User); err == nil {
		author.Name = p.Name
	}
	req := a.request(ws, author, m.Channel)
	req.Words.Conversation = "in the message's thread"
	req.RequestID = "message:" + m.Channel + ":" + m.TS
	title, desc := bot.SplitText(unescape(m.Text))
	if desc == "" || title != strings.TrimSpace(unescape(m.Text)) {
		desc = strings.TrimSpace(unescape(m.Text))
	}
	req.Command = bot.Command{Name: "open", Args: bot.OpenArgs(title, desc, "")}
	req.Command.Args["origin_message"] = m.TS
	return a.bot.Dispatch(ctx, req)
}

// message reads one message (conversations.history, or .replies for a thread reply).
func (a *Adapter) message(ctx context.Context, channel, ts string) (source, error) {
	msg, err := a.api.message(ctx, channel, ts)
	if err != nil {
		return source{}, err
	}
	return source{Channel: channel, TS: msg.Timestamp, ThreadTS: msg.ThreadTimestamp, User: msg.User, Text: msg.Text, BotID: msg.BotID}, nil
}

// onReaction opens a ticket from a message someone reacted to with :ticket:, in a channel
// the bot is in. Whoever reacted learns the outcome ephemerally.
func (a *Adapter) onReaction(ctx context.Context, ws core.Workspace, raw json.RawMessage) error {
	var r slackevents.ReactionAddedEvent
	if err := json.Unmarshal(raw, &r); err != nil || r.Reaction != ticketReaction || r.Item.Type != "message" || r.Item.Channel == "" {
		return nil
	}
	if r.User == a.self.UserID {
		return nil
	}
	m, err := a.message(ctx, r.Item.Channel, r.Item.Timestamp)
	if err != nil {
		a.log.Warn("slack: could not read the message a ticket reaction is on", "channel", r.Item.Channel, "err", bot.Redact(err))
		return nil
	}
	reply := a.openFromMessage(ctx, ws, m)
	if core.ErrorCode(errOf(reply)) == core.EUnavailable {
		return core.Errorf(core.EUnavailable, "%s", reply.Text) // Slack retries the event
	}
	who, channel := r.User, r.Item.Channel
	a.background(ctx, "tell who reacted", func(ctx context.Context) error {
		return a.api.ephemeral(ctx, channel, who, replyMessage(reply))
	})
	return nil
}

// onRequestChannel opens a ticket from a new top-level message in a request channel set to
// auto, unless its author is staff (staff talk there too, without opening tickets).
func (a *Adapter) onRequestChannel(ctx context.Context, ws core.Workspace, m *slackevents.MessageEvent) error {
	st, err := a.bot.Settings(ctx, ws)
	if err != nil {
		return err
	}
	rc, ok := st.RequestChannel(m.Channel)
	if !ok || !rc.Auto {
		return nil
	}
	p, err := a.person(ctx, ws, m.User)
	if err != nil {
		return err
	}
	if p.role().AtLeast(core.RoleStaff) {
		return nil
	}
	reply := a.openFromMessage(ctx, ws, source{Channel: m.Channel, TS: m.TimeStamp, User: m.User, Text: m.Text, BotID: m.BotID})
	if reply.Error != nil && reply.Error.Code == core.EUnavailable {
		return core.Errorf(core.EUnavailable, "%s", reply.Text)
	}
	return nil
}

// errOf is the reply's failure as an error, or nil.
func errOf(r bot.Reply) error {
	if r.Error == nil {
		return nil
	}
	return &core.Error{Code: r.Error.Code, Message: r.Text}
}

// onShortcut runs a global or message shortcut: "Open a ticket" opens the form; "Open a
// ticket" on a message opens one from it; "Send to requester" on a triage-thread message
// sends it to the requester.
func (a *Adapter) onShortcut(ctx context.Context, ws core.Workspace, user core.UserRef, cb slackgo.InteractionCallback) {
	switch cb.CallbackID {
	case ShortcutOpenTicket:
		cats, err := a.svc.Categories(ctx, core.Actor{User: user, Role: core.RoleRequester, Workspace: ws}, ws)
		if err != nil {
			a.log.Warn("slack: could not read the categories for the ticket form", "err", err)
		}
		if err := a.api.openView(ctx, cb.TriggerID, openModal("", cats, nil)); err != nil {
			a.log.Warn("slack: could not open the ticket form from the shortcut", "err", err)
		}
	case ShortcutOpenFromMessage:
		m := source{Channel: cb.Channel.ID, TS: cb.Message.Timestamp, ThreadTS: cb.Message.ThreadTimestamp,
			User: cb.Message.User, Text: cb.Message.Text, BotID: cb.Message.BotID}
		a.replyTo(ctx, cb, cb.Channel.ID, a.openFromMessage(ctx, ws, m), false)
	case ShortcutSendToRequester:
		a.replyTo(ctx, cb, cb.Channel.ID, a.sendToRequester(ctx, ws, user, cb), false)
	}
}

// sendToRequester makes a staff message in a ticket's triage thread public, so it reaches
// the requester (under the "notes" reply mode, or for a message marked as a note).
func (a *Adapter) sendToRequester(ctx context.Context, ws core.Workspace, user core.UserRef, cb slackgo.InteractionCallback) bot.Reply {
	thread := cb.Message.ThreadTimestamp
	if thread == "" || thread == cb.Message.Timestamp {
		return bot.Reply{Ephemeral: true, Text: "Use this on a reply in a ticket's thread in the triage channel."}
	}
	t, place, err := a.svc.PlaceForThread(ctx, ws, cb.Channel.ID, thread)
	if err != nil || place.Kind != core.PlaceTriage {
		return bot.Reply{Ephemeral: true, Text: "That message is not in a ticket's thread in the triage channel."}
	}
	p, err := a.person(ctx, ws, user.ID)
	if err != nil {
		return bot.Reply{Ephemeral: true, Text: "I couldn't check your role just now; please try again in a moment."}
	}
	actor := core.Actor{User: core.UserRef{ID: user.ID, Name: p.Name}, Role: p.role(), Workspace: ws}
	if !actor.Role.AtLeast(core.RoleStaff) {
		actor.Role = core.RoleStaff // a member of the triage channel is staff
	}
	m, err := a.svc.Publish(ctx, actor, t.ID, cb.Message.Timestamp)
	if err != nil {
		return bot.Reply{Ephemeral: true, Text: capitalise(core.ErrorMessage(err)) + "."}
	}
	channel, ts := cb.Channel.ID, m.ExternalID
	a.background(ctx, "mark a message sent", func(ctx context.Context) error {
		return a.api.react(ctx, channel, ts, "outbox_tray")
	})
	return bot.Reply{Ephemeral: true, Text: fmt.Sprintf("Sent to the requester of ticket #%d.", t.Number)}
}
