package slack

import (
	"context"
	"errors"
	"strconv"
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
		if cb.View.CallbackID == rateCallbackID {
			return a.submitRating(ctx, ws, user, cb), nil
		}
		if cb.View.CallbackID != openCallbackID {
			return nil, nil
		}
		key, first := a.firstTrigger(ctx, submissionID(cb))
		if !first {
			a.log.Info("slack: repeated view submission ignored", "team", team, "user", cb.User.ID, "view", cb.View.ID)
			return nil, nil
		}
		return a.submitView(ctx, cb, team, key), nil
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

// submitView opens a ticket from the form and returns the acknowledgement's payload; core
// validation errors show beside their field. With an intake the submission is stored first
// (intakeForm); without one, work that outlasts the acknowledgement's time goes on, the form
// says it is queued and then shows the outcome (dispatchInTime). key is the submission's
// trigger mark, forgotten when nothing was opened: the form shows what to fix, and its next
// submission (or a retry once the database is back) must get through.
func (a *Adapter) submitView(ctx context.Context, cb slackgo.InteractionCallback, team, key string) any {
	p := formPayloadOf(cb, team)
	if strings.TrimSpace(p.Title) == "" {
		// The form's title is required, whatever else was filled in.
		a.forgetTrigger(ctx, key)
		return formReply(bot.Reply{Modal: true})
	}
	if a.intake != nil && p.Submission != "" {
		payload, again := a.intakeForm(ctx, p)
		if again {
			a.forgetTrigger(ctx, key)
		}
		return payload
	}
	reply, late := a.dispatchInTime(ctx, p.request(a), func(ctx context.Context, reply bot.Reply) {
		if reply.Modal || refused(reply) {
			a.forgetTrigger(ctx, key)
		}
		a.lateViewAnswer(ctx, p.ViewID, reply, openedModal)
	})
	if late {
		return queuedForm()
	}
	if reply.Modal || refused(reply) {
		a.forgetTrigger(ctx, key)
	}
	return formReply(reply)
}

// formReply is the acknowledgement of a form submission whose work answered reply: the form
// shows what was opened, or the error beside its field.
func formReply(reply bot.Reply) any {
	switch {
	case reply.Modal:
		return slackgo.NewErrorsViewSubmissionResponse(map[string]string{"title": "A ticket needs a title."})
	case reply.Error != nil:
		field := reply.Error.Field
		if q, ok := strings.CutPrefix(field, "answers."); ok {
			field = questionBlock + q // the question's block
		}
		if !modalFields[field] && field != categoryBlock && !strings.HasPrefix(field, questionBlock) {
			field = "title"
		}
		return slackgo.NewErrorsViewSubmissionResponse(map[string]string{field: cut(reply.Text, 500)})
	}
	return slackgo.NewUpdateViewSubmissionResponse(doneModal(reply.Text))
}

// formCategory reads the form's chosen category and its answers (by question id).
func formCategory(cb slackgo.InteractionCallback) (int64, map[string]string) {
	if cb.View.State == nil {
		return 0, nil
	}
	id, _ := strconv.ParseInt(cb.View.State.Values[categoryBlock][categoryBlock].SelectedOption.Value, 10, 64)
	answers := map[string]string{}
	for block, acts := range cb.View.State.Values {
		q, ok := strings.CutPrefix(block, questionBlock)
		if !ok {
			continue
		}
		act := acts[block]
		v := act.Value
		if act.SelectedOption.Value != "" {
			v = act.SelectedOption.Value
		}
		if strings.TrimSpace(v) != "" {
			answers[q] = v
		}
	}
	return id, answers
}

// onCategoryChosen updates the open ticket form with the chosen category's questions (what
// was typed so far stays: Slack keeps the state of inputs whose block ids stay).
func (a *Adapter) onCategoryChosen(ctx context.Context, ws core.Workspace, user core.UserRef, cb slackgo.InteractionCallback, act slackgo.BlockAction) {
	actor := core.Actor{User: user, Role: core.RoleRequester, Workspace: ws}
	cats, err := a.svc.Categories(ctx, actor, ws)
	if err != nil {
		a.log.Warn("slack: could not read the categories for the ticket form", "err", err)
		return
	}
	var chosen *core.Category
	for i, c := range cats {
		if strconv.FormatInt(c.ID, 10) == act.SelectedOption.Value {
			chosen = &cats[i]
		}
	}
	if err := a.api.updateView(ctx, cb.View.ID, cb.View.Hash, openModal(cb.View.PrivateMetadata, cats, chosen)); err != nil {
		a.log.Warn("slack: could not show the category's questions", "err", err)
	}
}

// blockAction runs a pressed card button, status menu or draft button.
func (a *Adapter) blockAction(ctx context.Context, ws core.Workspace, user core.UserRef, cb slackgo.InteractionCallback, act slackgo.BlockAction) {
	if cb.View.CallbackID == openCallbackID && act.ActionID == categoryBlock {
		a.onCategoryChosen(ctx, ws, user, cb, act)
		return
	}
	channel := cb.Channel.ID
	if channel == "" {
		channel = cb.Container.ChannelID
	}
	req := a.request(ws, user, channel)
	switch act.ActionID {
	case draftOpenAction:
		a.replyInTime(ctx, cb, channel, func(r bot.Reply) bool { return r.Error == nil },
			func(ctx context.Context) bot.Reply { return a.bot.OpenDraft(ctx, req, act.Value) })
		return
	case draftCancelAction:
		_, _ = a.bot.TakeDraft(ctx, ws, user.ID, act.Value)
		a.replyTo(ctx, cb, channel, bot.Reply{Ephemeral: true, Text: "OK, no ticket then."}, true)
		return
	}
	if id, score, ok := bot.ParseRateAction(act.ActionID); ok {
		// The rating's optional comment is asked in a form; the rating is saved on submit.
		a.background(ctx, "open the rating form", func(ctx context.Context) error {
			return a.api.openView(ctx, cb.TriggerID, rateModal(id, score))
		})
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
	a.replyInTime(ctx, cb, channel, func(bot.Reply) bool { return false },
		func(ctx context.Context) bot.Reply { return a.bot.Dispatch(ctx, req) })
}

// submitRating saves the rating of the rating form and answers with the form's next view.
func (a *Adapter) submitRating(ctx context.Context, ws core.Workspace, user core.UserRef, cb slackgo.InteractionCallback) any {
	id, score, ok := bot.ParseRateAction("tb:rate:" + cb.View.PrivateMetadata)
	if !ok {
		return nil
	}
	comment := ""
	if cb.View.State != nil {
		comment = cb.View.State.Values["comment"]["comment"].Value
	}
	reply, late := a.runInTime(ctx, func(ctx context.Context) bot.Reply {
		return a.bot.Rate(ctx, a.request(ws, user, ""), id, score, comment)
	},
		func(ctx context.Context, reply bot.Reply) { a.lateViewAnswer(ctx, cb.View.ID, reply, ratingModal) })
	switch {
	case late:
		return slackgo.NewUpdateViewSubmissionResponse(ratingModal(queuedText, false))
	case reply.Error != nil && reply.Error.Field == "comment":
		return slackgo.NewErrorsViewSubmissionResponse(map[string]string{"comment": cut(reply.Text, 500)})
	}
	return slackgo.NewUpdateViewSubmissionResponse(ratingModal(reply.Text, true))
}

// ratingModal replaces the rating form once it was submitted (done or not: its title is the same).
func ratingModal(text string, _ bool) *slackgo.ModalViewRequest {
	v := doneModal(text)
	v.Title = plain("Rating")
	return v
}

// replyTo sends reply to the user who acted, after the acknowledgement: through the
// interaction's response_url (replacing the message acted on when replace is set), or as an
// ephemeral message in the channel.
func (a *Adapter) replyTo(ctx context.Context, cb slackgo.InteractionCallback, channel string, reply bot.Reply, replace bool) {
	if replyMessage(reply).Text == "" {
		return
	}
	a.bg.Go(func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), backgroundTimeout)
		defer cancel()
		a.replyNow(rctx, cb, channel, reply, replace)
	})
}

// replyNow is replyTo's delivery, in the caller's goroutine; a failure is logged.
func (a *Adapter) replyNow(ctx context.Context, cb slackgo.InteractionCallback, channel string, reply bot.Reply, replace bool) {
	m := replyMessage(reply)
	var err error
	switch {
	case m.Text == "":
	case cb.ResponseURL != "":
		err = a.api.respond(ctx, cb.ResponseURL, m, replace)
	case channel != "":
		err = a.api.ephemeral(ctx, channel, cb.User.ID, m)
	}
	if err != nil {
		a.log.Warn("slack: reply to an interaction failed", "err", bot.Redact(err))
	}
}
