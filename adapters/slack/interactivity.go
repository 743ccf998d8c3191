package slack

import (
	"context"
	"errors"
	"strings"

	slackgo "github.com/slack-go/slack"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
)

// errMalformed is a payload that does not say who acted where (answered 400 over HTTP).
var errMalformed = errors.New("malformed payload")

// modalFields are the block ids of the ticket form, named like core.Error fields.
var modalFields = map[string]bool{"title": true, "description": true, "priority": true}

// handleInteraction handles a block action or a view submission and returns the
// acknowledgement's payload (nil for an empty 200). Replies to button presses go to the
// pressing user only, through response_url, after the acknowledgement. Errors: errMalformed.
func (a *Adapter) handleInteraction(ctx context.Context, cb slackgo.InteractionCallback) (any, error) {
	team := cb.Team.ID
	if team == "" {
		team = cb.User.TeamID
	}
	if !validTeam(team) || cb.User.ID == "" {
		return nil, errMalformed
	}
	ws := workspace(team)
	user := core.UserRef{ID: cb.User.ID, Name: cb.User.Name}
	a.learn(ws, cb.User.ID, cb.User.Name, false)
	switch cb.Type {
	case slackgo.InteractionTypeViewSubmission:
		if cb.View.CallbackID != openCallbackID {
			return nil, nil
		}
		key, first := a.firstTrigger(ctx, submissionID(cb))
		if !first {
			a.log.Info("slack: repeated view submission ignored", "team", team, "user", cb.User.ID, "view", cb.View.ID)
			return nil, nil
		}
		payload, reply := a.submitView(ctx, ws, user, cb)
		if reply.Modal || refused(reply) {
			// Nothing was opened: the form shows what to fix, and its next submission (or a
			// retry once the database is back) must get through.
			a.forgetTrigger(ctx, key)
		}
		return payload, nil
	case slackgo.InteractionTypeShortcut, slackgo.InteractionTypeMessageAction:
		if _, first := a.firstTrigger(ctx, cb.TriggerID); first {
			a.onShortcut(ctx, ws, user, cb)
		}
	case slackgo.InteractionTypeBlockActions:
		for _, act := range cb.ActionCallback.BlockActions {
			if act != nil {
				a.blockAction(ctx, ws, user, cb, *act)
			}
		}
	}
	return nil, nil
}

// submissionID names one submission of a view: its trigger_id, new for every submission, or
// else the view's id and hash.
func submissionID(cb slackgo.InteractionCallback) string {
	if cb.TriggerID != "" {
		return cb.TriggerID
	}
	if cb.View.ID == "" {
		return ""
	}
	return "view:" + cb.View.ID + ":" + cb.View.Hash
}

// submitView opens a ticket from the form and returns the acknowledgement's payload and the
// bot's reply; core validation errors show beside their field.
func (a *Adapter) submitView(ctx context.Context, ws core.Workspace, user core.UserRef, cb slackgo.InteractionCallback) (any, bot.Reply) {
	value := func(block string) slackgo.BlockAction {
		if cb.View.State == nil {
			return slackgo.BlockAction{}
		}
		return cb.View.State.Values[block][block]
	}
	if strings.TrimSpace(value("title").Value) == "" {
		// The form's title is required, whatever else was filled in.
		return slackgo.NewErrorsViewSubmissionResponse(map[string]string{"title": "A ticket needs a title."}),
			bot.Reply{Modal: true}
	}
	req := a.request(ws, user, cb.View.PrivateMetadata)
	req.RequestID = submissionID(cb)
	req.Command = bot.Command{Name: "open",
		Args: bot.OpenArgs(value("title").Value, value("description").Value, value("priority").SelectedOption.Value)}
	reply := a.bot.Dispatch(ctx, req)
	switch {
	case reply.Modal:
		return slackgo.NewErrorsViewSubmissionResponse(map[string]string{"title": "A ticket needs a title."}), reply
	case reply.Error != nil:
		field := reply.Error.Field
		if !modalFields[field] {
			field = "title"
		}
		return slackgo.NewErrorsViewSubmissionResponse(map[string]string{field: cut(reply.Text, 500)}), reply
	}
	return slackgo.NewUpdateViewSubmissionResponse(doneModal(reply.Text)), reply
}

// blockAction runs a pressed card button, status menu or draft button.
func (a *Adapter) blockAction(ctx context.Context, ws core.Workspace, user core.UserRef, cb slackgo.InteractionCallback, act slackgo.BlockAction) {
	channel := cb.Channel.ID
	if channel == "" {
		channel = cb.Container.ChannelID
	}
	req := a.request(ws, user, channel)
	switch act.ActionID {
	case draftOpenAction:
		reply := a.bot.OpenDraft(ctx, req, act.Value)
		a.replyTo(ctx, cb, channel, reply, reply.Error == nil)
		return
	case draftCancelAction:
		_, _ = a.bot.TakeDraft(ctx, ws, user.ID, act.Value)
		a.replyTo(ctx, cb, channel, bot.Reply{Ephemeral: true, Text: "OK, no ticket then."}, true)
		return
	}
	action, err := bot.ParseAction(act.ActionID)
	if err != nil {
		return // not ours (a link button, another app's element)
	}
	value := act.Value
	if action.Verb == "status" {
		value = act.SelectedOption.Value
	}
	cmd, err := action.Command(value)
	if err != nil {
		a.replyTo(ctx, cb, channel, bot.Reply{Ephemeral: true, Text: capitalise(core.ErrorMessage(err)) + "."}, false)
		return
	}
	req.Command = cmd
	a.replyTo(ctx, cb, channel, a.bot.Dispatch(ctx, req), false)
}

// replyTo sends reply to the user who acted, after the acknowledgement: through the
// interaction's response_url (replacing the message acted on when replace is set), or as an
// ephemeral message in the channel.
func (a *Adapter) replyTo(ctx context.Context, cb slackgo.InteractionCallback, channel string, reply bot.Reply, replace bool) {
	m := replyMessage(reply)
	if m.Text == "" {
		return
	}
	a.background(ctx, "reply to an interaction", func(ctx context.Context) error {
		if cb.ResponseURL != "" {
			return a.api.respond(ctx, cb.ResponseURL, m, replace)
		}
		if channel == "" {
			return nil
		}
		return a.api.ephemeral(ctx, channel, cb.User.ID, m)
	})
}
