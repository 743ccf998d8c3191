package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
)

// dedupeTTL is how long an event id is remembered; Slack retries within minutes.
const dedupeTTL = time.Hour

// envelope is the outer Events API payload (HTTP body, or a Socket Mode events_api payload).
type envelope struct {
	Type      string          `json:"type"`
	Challenge string          `json:"challenge"`
	TeamID    string          `json:"team_id"`
	EventID   string          `json:"event_id"`
	Event     json.RawMessage `json:"event"`
}

// parseEnvelope reads an Events API payload. Errors: errMalformed.
func parseEnvelope(raw []byte) (envelope, error) {
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil || env.Type == "" {
		return envelope{}, errMalformed
	}
	if env.Type == slackevents.CallbackEvent && (env.EventID == "" || !validTeam(env.TeamID) || len(env.Event) == 0) {
		return envelope{}, errMalformed
	}
	return env, nil
}

// handleEvent processes one event_callback: de-duplicated by event_id before any work, then
// thread replies, edits and deletions are stored and DMs to the bot become draft tickets.
// A failure worth a redelivery (the database is down) is returned after forgetting the event
// id, so Slack's retry is processed; anything else is logged and swallowed.
func (a *Adapter) handleEvent(ctx context.Context, env envelope) error {
	if env.Type != slackevents.CallbackEvent {
		return nil
	}
	key := "slack:event:" + env.EventID
	if !a.svc.FirstDelivery(ctx, key, dedupeTTL) {
		return nil
	}
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(env.Event, &head); err != nil || head.Type != "message" {
		return nil
	}
	var m slackevents.MessageEvent
	if err := json.Unmarshal(env.Event, &m); err != nil {
		a.log.Debug("slack: unreadable message event", "event", env.EventID, "err", err)
		return nil
	}
	err := a.onMessage(ctx, workspace(env.TeamID), &m)
	switch core.ErrorCode(err) {
	case "":
		return nil
	case core.EUnavailable:
		// Let Slack's retry in. ctx may be what ran out (the database answered too slowly), so
		// the forgetting gets a moment of its own.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		if ferr := a.svc.ForgetDelivery(fctx, key); ferr != nil {
			a.log.Warn("slack: could not forget a failed event; its redelivery is ignored", "event", env.EventID, "err", ferr)
		}
		return err
	default:
		a.log.Warn("slack: event not processed", "event", env.EventID, "err", err)
		return nil
	}
}

// onMessage dispatches a message event by subtype.
func (a *Adapter) onMessage(ctx context.Context, ws core.Workspace, m *slackevents.MessageEvent) error {
	switch m.SubType {
	case "", "thread_broadcast", "file_share":
	case "message_changed":
		return a.onEdit(ctx, ws, m)
	case "message_deleted":
		return a.onDelete(ctx, ws, m)
	default:
		return nil // joins, topic changes, bot_message, …
	}
	if a.fromBot(m.BotID, m.User) {
		return nil
	}
	switch {
	case m.ThreadTimeStamp != "" && m.ThreadTimeStamp != m.TimeStamp:
		return a.onThreadReply(ctx, ws, m)
	case m.ChannelType == slackevents.ChannelTypeIM && m.SubType == "":
		return a.onDirectMessage(ctx, ws, m)
	}
	return nil
}

// fromBot reports whether a message was written by a bot (this app or another).
func (a *Adapter) fromBot(botID, user string) bool {
	return botID != "" || user == "" || user == a.self.UserID
}

// onThreadReply stores a human reply in a ticket's thread, keyed by its ts.
func (a *Adapter) onThreadReply(ctx context.Context, ws core.Workspace, m *slackevents.MessageEvent) error {
	t, err := a.svc.TicketForThread(ctx, ws, m.Channel, m.ThreadTimeStamp)
	if core.IsCode(err, core.ENotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	p, err := a.person(ctx, ws, m.User)
	if err != nil {
		return err
	}
	// The thread is the ticket's conversation: every human message written in it is stored,
	// whoever wrote it, as core's rule for thread messages says. The adapter vouches for that with the
	// staff role, which only lets this message be stored; the author is who wrote it.
	role := p.role()
	if !role.AtLeast(core.RoleStaff) {
		role = core.RoleStaff
	}
	actor := core.Actor{User: core.UserRef{ID: m.User, Name: p.Name}, Role: role, Workspace: ws}
	in := core.MessageInput{ExternalID: m.TimeStamp, Content: unescape(m.Text), Source: "slack"}
	if m.Message != nil {
		in.Attachments = attachments(m.Message.Files)
	}
	_, _, err = a.svc.AddMessage(ctx, actor, t.ID, in)
	switch core.ErrorCode(err) {
	case core.EForbidden, core.ENotFound, core.EInvalid:
		a.log.Debug("slack: thread reply not stored", "ticket", t.ID, "user", m.User, "err", err)
		return nil
	}
	return err
}

func attachments(files []slackgo.File) []core.Attachment {
	var out []core.Attachment
	for _, f := range files {
		u := f.Permalink
		if u == "" {
			u = f.URLPrivate
		}
		if u != "" {
			out = append(out, core.Attachment{Name: f.Name, URL: u})
		}
	}
	return out
}

// onEdit records the new text of a stored thread reply.
func (a *Adapter) onEdit(ctx context.Context, ws core.Workspace, m *slackevents.MessageEvent) error {
	n := m.Message
	if n == nil || a.fromBot(n.BotID, n.User) || n.ThreadTimestamp == "" || n.ThreadTimestamp == n.Timestamp {
		return nil
	}
	t, err := a.svc.TicketForThread(ctx, ws, m.Channel, n.ThreadTimestamp)
	if core.IsCode(err, core.ENotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = a.svc.EditMessage(ctx, t.ID, n.Timestamp, unescape(n.Text), false)
	if core.IsCode(err, core.ENotFound) {
		return nil
	}
	return err
}

// onDelete marks a stored thread reply deleted.
func (a *Adapter) onDelete(ctx context.Context, ws core.Workspace, m *slackevents.MessageEvent) error {
	prev := m.PreviousMessage
	if prev == nil || m.DeletedTimeStamp == "" || prev.ThreadTimestamp == "" || prev.ThreadTimestamp == m.DeletedTimeStamp {
		return nil
	}
	t, err := a.svc.TicketForThread(ctx, ws, m.Channel, prev.ThreadTimestamp)
	if core.IsCode(err, core.ENotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = a.svc.EditMessage(ctx, t.ID, m.DeletedTimeStamp, "", true)
	if core.IsCode(err, core.ENotFound) {
		return nil
	}
	return err
}

// onDirectMessage keeps a DM to the bot as a draft and asks whether to open a ticket with it.
func (a *Adapter) onDirectMessage(ctx context.Context, ws core.Workspace, m *slackevents.MessageEvent) error {
	text := unescape(m.Text)
	cmd := bot.DraftCommand(text)
	if cmd.Title == "" {
		return nil
	}
	id, err := a.bot.SaveDraft(ctx, ws, m.User, text)
	if err != nil {
		return fmt.Errorf("slack: save draft: %w", err)
	}
	channel := m.Channel
	a.background(ctx, "ask about a draft", func(ctx context.Context) error {
		_, _, err := a.api.post(ctx, channel, "", draftMessage(cmd, id))
		return err
	})
	return nil
}
