package slack

import (
	"context"
	"encoding/json"
	"strings"

	slackgo "github.com/slack-go/slack"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
)

// formPayload is what the intake keeps of a submitted ticket form: what opening the ticket
// and showing its outcome in the form need.
type formPayload struct {
	Team     string `json:"team"`
	User     string `json:"user"`
	UserName string `json:"user_name,omitempty"`
	// ViewID is the form's view, which shows the outcome (views.update).
	ViewID string `json:"view_id"`
	// Submission names this submission (submissionID); Request the form (formRequestID).
	Submission string `json:"submission"`
	Request    string `json:"request"`
	// Channel is where the form was opened from (its private_metadata).
	Channel     string            `json:"channel,omitempty"`
	Title       string            `json:"title"`
	Description string            `json:"description,omitempty"`
	Priority    string            `json:"priority,omitempty"`
	Category    int64             `json:"category,omitempty"`
	Answers     map[string]string `json:"answers,omitempty"`
}

// formPayloadOf reads a submission of the ticket form.
func formPayloadOf(cb slackgo.InteractionCallback, team string) formPayload {
	value := func(block string) slackgo.BlockAction {
		if cb.View.State == nil {
			return slackgo.BlockAction{}
		}
		return cb.View.State.Values[block][block]
	}
	cat, answers := formCategory(cb)
	return formPayload{Team: team, User: cb.User.ID, UserName: cb.User.Name, ViewID: cb.View.ID,
		Submission: submissionID(cb), Request: formRequestID(cb), Channel: cb.View.PrivateMetadata,
		Title: value("title").Value, Description: value("description").Value,
		Priority: value("priority").SelectedOption.Value, Category: cat, Answers: answers}
}

// formRequestID is the request id of the tickets a form opens: its view's, the same for every
// submission of the form, so that a form whose ticket was opened answers so when it is sent
// again (after an answer that came too late, or a busy "could not confirm") instead of
// opening a second ticket; a form without a view id goes by its submission.
func formRequestID(cb slackgo.InteractionCallback) string {
	if cb.View.ID != "" {
		return "view:" + cb.View.ID
	}
	return submissionID(cb)
}

// request is the bot's open request of the form.
func (p formPayload) request(a *Adapter) bot.Request {
	req := a.request(workspace(p.Team), core.UserRef{ID: p.User, Name: p.UserName}, p.Channel)
	req.RequestID = p.Request
	req.Command = bot.Command{Name: "open",
		Args: bot.OpenArgs(p.Title, p.Description, p.Priority).WithCategory(p.Category, p.Answers)}
	return req
}

// intakeKey names the submission in the intake by its trigger id, which a proxy's retry or
// a replay of the signed request repeats and Slack gives every submission anew.
func (p formPayload) intakeKey() string { return "slack:" + p.Team + ":form:" + p.Submission }

// intakeForm stores a ticket form's submission before anything else is done and answers
// Slack as intakeCommand does: with the outcome when the intake is idle and the work is done
// in time, and otherwise at once with the form saying it is queued, the outcome replacing it
// once the work is done — by this process, or after a restart or kill -9 by whichever takes
// the request up. It returns the acknowledgement's payload and whether the submission changed
// nothing and may be sent again (a refusal, or nothing stored).
func (a *Adapter) intakeForm(ctx context.Context, p formPayload) (payload any, again bool) {
	raw, err := json.Marshal(intakePayload{Form: &p})
	if err != nil {
		return formReply(bot.NotStoredReply(err)), true
	}
	req := p.request(a)
	acc, err := a.intake.Accept(ctx, core.IntakeRequest{Key: p.intakeKey(), Platform: core.PlatformSlack, Payload: raw})
	switch {
	case err != nil:
		a.log.Warn("slack: a ticket form could not be stored", "team", p.Team, "err", err)
		return formReply(bot.NotStoredReply(err)), !core.IsOutcomeUnknown(err)
	case !acc.Created && acc.Request.DoneAt == nil:
		return queuedForm(), false // a replay of a submission still to be done
	case !acc.Created:
		// A replay of a submission done with: the form says what became of it (the ticket it
		// opened is found by the form's request id).
		return formReply(a.bot.Dispatch(ctx, req)), false
	case !acc.Inline:
		return queuedForm(), false
	}
	reply, queued := a.runAccepted(ctx, acc, req, func(ctx context.Context, reply bot.Reply) {
		a.lateViewAnswer(ctx, p.ViewID, reply, openedModal)
	})
	if queued {
		return queuedForm(), false
	}
	return formReply(reply), reply.Modal || refused(reply)
}

// queuedForm is the acknowledgement of a form whose outcome follows: the form says so.
func queuedForm() any { return slackgo.NewUpdateViewSubmissionResponse(openedModal(queuedText, false)) }

// processForm opens the ticket of a stored form submission and shows the outcome in the
// form. A passing failure shows nothing and is tried again unless last; a form Slack will
// not update any more (closed, or expired) is done with — its ticket's card reaches the
// requester's DM all the same. Errors: unavailable (tried again later).
func (a *Adapter) processForm(ctx context.Context, r core.IntakeRequest, p formPayload, last bool) error {
	if !validTeam(p.Team) || p.User == "" || strings.TrimSpace(p.Title) == "" {
		a.log.Error("slack: a stored ticket form cannot be read; it is dropped", "id", r.ID)
		return nil
	}
	ctx = withTeam(ctx, p.Team)
	req := p.request(a)
	req.Resumed = r.Attempts > 1
	reply := a.bot.Dispatch(bot.Deferred(ctx), req)
	if err := bot.IntakeOutcome(reply); err != nil && !last {
		return err
	}
	err := a.showFormOutcome(ctx, p.ViewID, bot.Undone(reply), openedModal)
	if err != nil && slackCode(err) == "" && !last {
		return &core.Error{Code: core.EUnavailable, Message: "Slack did not take the form's answer", Err: err}
	}
	return nil
}
