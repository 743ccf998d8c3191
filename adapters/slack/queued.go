package slack

import (
	"context"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/ticketbot/ticketbot/bot"
)

// ackMargin is what is kept of a request's deadline for writing the acknowledgement once the
// work is given up waiting for.
const ackMargin = 400 * time.Millisecond

// dispatchInTime runs req with a context of its own (backgroundTimeout, marked bot.Deferred)
// and waits for its reply as long as ctx's deadline allows, less ackMargin. When the reply
// comes in time it is returned; otherwise late is true, the work goes on, and then hands its
// reply to later (with a context that outlives the request). A busy database thus delays an
// answer — the user is told the request is queued — instead of cutting a change short
// with an outcome nobody knows.
func (a *Adapter) dispatchInTime(ctx context.Context, req bot.Request, later func(ctx context.Context, r bot.Reply)) (reply bot.Reply, late bool) {
	return a.runInTime(ctx, func(ctx context.Context) bot.Reply { return a.bot.Dispatch(ctx, req) }, later)
}

// runInTime is dispatchInTime for any work of the bot that answers with a reply (a
// dispatched request, a draft opened by its button): work gets a bot.Deferred context.
func (a *Adapter) runInTime(ctx context.Context, work func(ctx context.Context) bot.Reply, later func(ctx context.Context, r bot.Reply)) (reply bot.Reply, late bool) {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), backgroundTimeout)
	done := make(chan bot.Reply, 1)
	a.bg.Go(func() { done <- work(bot.Deferred(wctx)) })
	wait := 2 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		wait = time.Until(dl) - ackMargin
	}
	t := time.NewTimer(max(wait, 0))
	defer t.Stop()
	select {
	case r := <-done:
		cancel()
		return r, false
	case <-t.C:
	}
	a.bg.Go(func() {
		defer cancel()
		later(wctx, <-done)
	})
	return bot.Reply{}, true
}

// queuedReply is the acknowledgement of a command still running when Slack's 3 s are up.
func queuedReply() bot.Reply { return bot.QueuedReply() }

// lateCommandReply sends the reply of a slash command that outlasted its acknowledgement
// through the command's response_url. A form cannot be opened any more (its trigger expired
// with the 3 s), so the user is told how to open a ticket without one.
func (a *Adapter) lateCommandReply(ctx context.Context, sc slackgo.SlashCommand, reply bot.Reply) {
	if reply.Modal {
		reply = bot.Reply{Ephemeral: true, Text: "Type /ticket followed by what you need help with."}
	}
	m := replyMessage(reply)
	if m.Text == "" && len(m.Blocks) == 0 {
		return
	}
	if sc.ResponseURL == "" {
		a.log.Warn("slack: a late command reply has nowhere to go (no response_url)", "team", sc.TeamID, "user", sc.UserID)
		return
	}
	if err := a.api.respond(ctx, sc.ResponseURL, m, false); err != nil {
		a.log.Warn("slack: could not send a late command reply", "err", bot.Redact(err))
	}
}

// replyInTime runs work for an interaction (a button press, a menu choice) and sends its
// reply to the user who acted (replyTo). When the work outlasts the acknowledgement's time,
// the user is told at once that it is queued, and its reply follows once it is done —
// whatever it says: done, or busy with nothing changed.
func (a *Adapter) replyInTime(ctx context.Context, cb slackgo.InteractionCallback, channel string, replace func(bot.Reply) bool, work func(ctx context.Context) bot.Reply) {
	queued := make(chan struct{})
	reply, late := a.runInTime(ctx, work, func(ctx context.Context, reply bot.Reply) {
		<-queued // the queued note first, then what became of the work
		a.replyNow(ctx, cb, channel, reply, replace(reply))
	})
	if !late {
		a.replyTo(ctx, cb, channel, reply, replace(reply))
		return
	}
	a.bg.Go(func() {
		defer close(queued)
		qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), backgroundTimeout)
		defer cancel()
		a.replyNow(qctx, cb, channel, queuedReply(), false)
	})
}

// lateViewAnswer shows the reply of a form submission that outlasted its acknowledgement
// in the form (view viewID), as view renders it; a failure is logged.
func (a *Adapter) lateViewAnswer(ctx context.Context, viewID string, reply bot.Reply, view func(text string, done bool) *slackgo.ModalViewRequest) {
	_ = a.showFormOutcome(ctx, viewID, reply, view)
}

// showFormOutcome shows reply in the form viewID, as view renders it. Errors: Slack's
// (logged).
func (a *Adapter) showFormOutcome(ctx context.Context, viewID string, reply bot.Reply, view func(text string, done bool) *slackgo.ModalViewRequest) error {
	text := reply.Text
	if reply.Modal {
		text = "A ticket needs a title. Please open the form again."
	}
	err := a.api.updateView(ctx, viewID, "", *view(text, reply.Error == nil && !reply.Modal))
	if err != nil {
		a.log.Warn("slack: could not show a late form answer", "err", bot.Redact(err))
	}
	return err
}

// queuedText is what a submitted form shows while its work waits for a busy database.
const queuedText = "The helpdesk is busy — your request is queued, and this window will say when it is done. No need to send it again."

// openedModal replaces the ticket form once it was submitted, titled "Ticket opened" once
// it was (done).
func openedModal(text string, done bool) *slackgo.ModalViewRequest {
	v := doneModal(text)
	if !done {
		v.Title = plain("New ticket")
	}
	return v
}
