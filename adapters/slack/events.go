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
// messages in a ticket's places are stored (and relayed by the core), edits and deletions
// follow, and DMs to the bot become draft tickets. A failure worth a redelivery (the database
// is down) is returned with the event id forgotten, so Slack's retry is processed; anything
// else is logged and swallowed.
func (a *Adapter) handleEvent(ctx context.Context, env envelope) error {
	if env.Type != slackevents.CallbackEvent {
		return nil
	}
	var err error
	_, _ = a.bot.Once(ctx, "slack:event:"+env.EventID, dedupeTTL, func(ctx context.Context) error {
		err = a.onEvent(ctx, env)
		return err
	})
	switch {
	case err == nil:
		return nil
	case bot.Passing(err):
		return err
	default:
		a.log.Warn("slack: event not processed", "event", env.EventID, "err", err)
		return nil
	}
}

func (a *Adapter) onEvent(ctx context.Context, env envelope) error {
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(env.Event, &head); err != nil {
		return nil
	}
	switch head.Type {
	case "reaction_added":
		return a.onReaction(ctx, workspace(env.TeamID), env.Event)
	case "message":
	default:
		return nil
	}
	var m slackevents.MessageEvent
	if err := json.Unmarshal(env.Event, &m); err != nil {
		a.log.Debug("slack: unreadable message event", "event", env.EventID, "err", err)
		return nil
	}
	return a.onMessage(ctx, workspace(env.TeamID), &m)
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
	case m.SubType == "":
		return a.onRequestChannel(ctx, ws, m)
	}
	return nil
}

// fromBot reports whether a message was written by a bot (this app or another).
func (a *Adapter) fromBot(botID, user string) bool {
	return botID != "" || user == "" || user == a.self.UserID
}

// onThreadReply stores a human message written in one of a ticket's places, keyed by its ts;
// the core decides whether it is public or internal and copies it to the other places. A
// message stored in the staff's triage thread gets a reaction saying which it became.
func (a *Adapter) onThreadReply(ctx context.Context, ws core.Workspace, m *slackevents.MessageEvent) error {
	t, place, err := a.svc.PlaceForThread(ctx, ws, m.Channel, m.ThreadTimeStamp)
	if core.IsCode(err, core.ENotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	// Whoever Slack lets write in the place takes part in the conversation: the role only
	// decides, in a triage thread, whether the message follows the reply mode.
	role, name := core.RoleRequester, ""
	if place.Side() == core.SideStaff {
		p, err := a.person(ctx, ws, m.User)
		if err != nil {
			return err
		}
		role, name = p.role(), p.Name
		if !role.AtLeast(core.RoleStaff) {
			role = core.RoleStaff // a member of the triage channel is staff
		}
	} else if p, err := a.person(ctx, ws, m.User); err == nil {
		name = p.Name
	}
	actor := core.Actor{User: core.UserRef{ID: m.User, Name: name}, Role: role, Workspace: ws}
	in := core.MessageInput{ExternalID: m.TimeStamp, Content: unescape(m.Text), Source: "slack", PlaceID: place.ID}
	if m.Message != nil {
		in.Attachments = attachments(m.Message.Files)
	}
	stored, created, err := a.svc.AddMessage(ctx, actor, t.ID, in)
	switch core.ErrorCode(err) {
	case "":
	case core.EForbidden, core.ENotFound, core.EInvalid:
		a.log.Debug("slack: thread reply not stored", "ticket", t.ID, "user", m.User, "err", err)
		return nil
	default:
		return err
	}
	if created && place.Side() == core.SideRequester && t.Status == core.StatusClosed {
		channel, thread := m.Channel, m.ThreadTimeStamp
		a.background(ctx, "say the ticket is closed", func(ctx context.Context) error {
			_, _, err := a.api.post(ctx, channel, thread, message{Text: fmt.Sprintf(
				"Ticket #%d is closed, so nobody may be watching it. Press Reopen on its card above (or type /ticket reopen %d) if you still need help.", t.Number, t.Number)})
			return err
		})
	}
	if created && place.Kind == core.PlaceTriage {
		reaction := "outbox_tray"
		if stored.Internal {
			reaction = "lock"
		}
		channel, ts := m.Channel, m.TimeStamp
		a.background(ctx, "react to a stored message", func(ctx context.Context) error {
			return a.api.react(ctx, channel, ts, reaction)
		})
	}
	return nil
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
	t, _, err := a.svc.PlaceForThread(ctx, ws, m.Channel, n.ThreadTimestamp)
	if core.IsCode(err, core.ENotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	actor := core.Actor{User: core.UserRef{ID: n.User}, Role: core.RoleRequester, Workspace: ws}
	_, err = a.svc.EditMessage(ctx, actor, t.ID, n.Timestamp, unescape(n.Text), false)
	if core.IsCode(err, core.ENotFound) || core.IsCode(err, core.EForbidden) {
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
	t, _, err := a.svc.PlaceForThread(ctx, ws, m.Channel, prev.ThreadTimestamp)
	if core.IsCode(err, core.ENotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	actor := core.Actor{User: core.UserRef{ID: prev.User}, Role: core.RoleRequester, Workspace: ws}
	_, err = a.svc.EditMessage(ctx, actor, t.ID, m.DeletedTimeStamp, "", true)
	if core.IsCode(err, core.ENotFound) || core.IsCode(err, core.EForbidden) {
		return nil
	}
	return err
}

// onDirectMessage keeps a DM to the bot as a draft and asks whether to open a ticket with it.
func (a *Adapter) onDirectMessage(ctx context.Context, ws core.Workspace, m *slackevents.MessageEvent) error {
	text := unescape(m.Text)
	title, _ := bot.SplitText(text)
	if title == "" {
		return nil
	}
	id, err := a.bot.SaveDraft(ctx, ws, m.User, text)
	if err != nil {
		return fmt.Errorf("slack: save draft: %w", err)
	}
	channel := m.Channel
	a.background(ctx, "ask about a draft", func(ctx context.Context) error {
		_, _, err := a.api.post(ctx, channel, "", draftMessage(text, id))
		return err
	})
	return nil
}
