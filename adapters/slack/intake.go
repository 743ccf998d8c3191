package slack

import (
	"context"
	"encoding/json"

	slackgo "github.com/slack-go/slack"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
)

// slashPayload is what the intake keeps of a slash command: what its work and its answer
// need (not the verification token).
type slashPayload struct {
	Team        string `json:"team"`
	Channel     string `json:"channel"`
	User        string `json:"user"`
	UserName    string `json:"user_name,omitempty"`
	Text        string `json:"text"`
	ResponseURL string `json:"response_url"`
	Trigger     string `json:"trigger"`
}

// intakePayload is what the intake keeps of a Slack request: a slash command, or with Form a
// submitted ticket form. (Requests stored before forms were kept are slash commands.)
type intakePayload struct {
	slashPayload
	Form *formPayload `json:"form,omitempty"`
}

func payloadOf(sc slackgo.SlashCommand) slashPayload {
	return slashPayload{Team: sc.TeamID, Channel: sc.ChannelID, User: sc.UserID, UserName: sc.UserName,
		Text: sc.Text, ResponseURL: sc.ResponseURL, Trigger: sc.TriggerID}
}

func (p slashPayload) command() slackgo.SlashCommand {
	return slackgo.SlashCommand{TeamID: p.Team, ChannelID: p.Channel, UserID: p.User, UserName: p.UserName,
		Text: p.Text, ResponseURL: p.ResponseURL, TriggerID: p.Trigger}
}

// intakeKey names a slash command in the intake: its team and trigger id, which a proxy's
// retry or a replay of the signed request repeats and Slack gives no other command.
func intakeKey(sc slackgo.SlashCommand) string {
	return "slack:" + sc.TeamID + ":cmd:" + sc.TriggerID
}

// takesIntake reports whether sc (parsed as cmd) goes through the intake: an open with its
// text, with a trigger id to know its replays by and a response_url for a later answer.
func (a *Adapter) takesIntake(sc slackgo.SlashCommand, cmd bot.Command) bool {
	return a.intake != nil && sc.TriggerID != "" && sc.ResponseURL != "" && bot.Intakeable(cmd)
}

// intakeCommand stores the command (one INSERT) before anything else is done and answers
// Slack: with the command's outcome when the intake is idle and the work is done within the
// acknowledgement's time, and otherwise at once with "queued", the answer following through
// response_url — from this process, or, after a restart or kill -9, from whichever takes the
// request up. key is the command's trigger mark (firstTrigger).
func (a *Adapter) intakeCommand(ctx context.Context, sc slackgo.SlashCommand, key string, req bot.Request) any {
	payload, err := json.Marshal(intakePayload{slashPayload: payloadOf(sc)})
	if err != nil {
		return commandReply(bot.NotStoredReply(err))
	}
	acc, err := a.intake.Accept(ctx, core.IntakeRequest{Key: intakeKey(sc), Platform: core.PlatformSlack, Payload: payload})
	switch {
	case err != nil:
		a.log.Warn("slack: a slash command could not be stored", "team", sc.TeamID, "err", err)
		if !core.IsOutcomeUnknown(err) {
			a.forgetTrigger(ctx, key) // nothing was stored: the user's retry is a new request
		}
		return commandReply(bot.NotStoredReply(err))
	case !acc.Created && acc.Request.DoneAt == nil:
		return commandReply(queuedReply()) // a replay of a request still to be done
	case !acc.Created:
		// A replay of a request done with: it says what became of the first (the ticket it
		// opened is found by its request id).
		return commandReply(a.bot.Dispatch(ctx, req))
	case !acc.Inline:
		return commandReply(queuedReply())
	}
	reply, queued := a.runAccepted(ctx, acc, req, func(ctx context.Context, reply bot.Reply) { a.lateCommandReply(ctx, sc, reply) })
	if queued {
		return commandReply(queuedReply())
	}
	return commandReply(reply)
}

// runAccepted does the work of req, accepted inline as acc, within the acknowledgement's
// time if it can, and records its outcome on acc. queued is set when the acknowledgement must
// say the request is queued: the work outlasted its time (answer then gets the reply once it
// is done), or it failed for a passing reason (the workers try again, and answer).
func (a *Adapter) runAccepted(ctx context.Context, acc core.Accepted, req bot.Request, answer func(ctx context.Context, r bot.Reply)) (reply bot.Reply, queued bool) {
	work := func(ctx context.Context) bot.Reply {
		ctx, cancel := context.WithTimeout(ctx, a.intake.Timeout())
		defer cancel()
		return a.bot.Dispatch(ctx, req)
	}
	reply, late := a.runInTime(ctx, work, func(ctx context.Context, reply bot.Reply) {
		err := bot.IntakeOutcome(reply)
		if err == nil {
			answer(ctx, reply)
		}
		acc.Done(ctx, err) // a passing failure: the workers try again
	})
	if late {
		acc.RunningLate()
		return reply, true
	}
	outcome := bot.IntakeOutcome(reply)
	if outcome == nil && (reply.Modal || refused(reply)) {
		// Nothing was changed, and the user may send it again at once (a form shows what to
		// fix): the request is done with before the answer says so, or the resend would find
		// it still to do and be told it is queued.
		acc.Done(ctx, nil)
		return reply, false
	}
	a.bg.Go(func() { acc.Done(ctx, outcome) })
	return reply, outcome != nil
}

// ProcessIntake does the work of a request stored in the intake: a ticket form's
// (processForm), or a slash command's, whose answer it sends through the command's
// response_url. A passing failure (the database busy or away) answers
// nothing and is tried again, unless last; any other outcome is answered, a failure as what
// could not be done. Errors: unavailable (tried again later).
func (a *Adapter) ProcessIntake(ctx context.Context, r core.IntakeRequest, last bool) error {
	var stored intakePayload
	err := json.Unmarshal(r.Payload, &stored)
	if err == nil && stored.Form != nil {
		return a.processForm(ctx, r, *stored.Form, last)
	}
	p := stored.slashPayload
	if err != nil || !validCommand(p.command()) {
		a.log.Error("slack: an intake request cannot be read; it is dropped", "id", r.ID, "err", err)
		return nil
	}
	sc := p.command()
	ctx = withTeam(ctx, sc.TeamID)
	req, err := a.commandRequest(sc)
	if err != nil {
		a.lateCommandReply(ctx, sc, bot.Reply{Ephemeral: true, Text: capitalise(core.ErrorMessage(err)) + "."})
		return nil
	}
	req.Resumed = r.Attempts > 1
	reply := a.bot.Dispatch(bot.Deferred(ctx), req)
	if err := bot.IntakeOutcome(reply); err != nil && !last {
		return err
	}
	if err := a.respond(ctx, sc, bot.Undone(reply)); err != nil && !last {
		return &core.Error{Code: core.EUnavailable, Message: "Slack did not take the answer", Err: err}
	}
	return nil
}

// respond sends reply through sc's response_url. Errors: Slack's.
func (a *Adapter) respond(ctx context.Context, sc slackgo.SlashCommand, reply bot.Reply) error {
	err := a.api.respond(ctx, sc.ResponseURL, replyMessage(reply), false)
	if err != nil {
		a.log.Warn("slack: could not send a queued command's answer", "err", bot.Redact(err))
	}
	return err
}

var _ core.IntakeHandler = (*Adapter)(nil)
