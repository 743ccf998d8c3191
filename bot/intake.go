package bot

import (
	"strings"

	"github.com/ticketbot/ticketbot/core"
)

// Intakeable reports whether c may go through the intake — stored, acknowledged, and done
// then or later with its answer sent after the acknowledgement: an open with its text or
// title, from a command or a form, that opens a ticket at once (a category named in a
// command opens its form of questions, which only the acknowledgement could show).
func Intakeable(c Command) bool {
	return c.Name == "open" && strings.TrimSpace(c.Args.Str("text")+c.Args.Str("title")) != "" && !c.Args.Has("category")
}

// IntakeOutcome is what reply, the outcome of a request's work, means for the intake: a
// Retryable error when the work could not be done for a passing reason (the database
// unavailable or busy, the outcome unknown) and may be tried again, nil when the request is
// done with (opened, or refused for good: invalid, rate limited, forbidden).
func IntakeOutcome(reply Reply) error {
	if reply.Error != nil && reply.Error.Code == core.EUnavailable {
		return &core.Error{Code: core.EUnavailable, Message: reply.Text}
	}
	return nil
}

// Undone is the answer of a stored request whose work failed for good: it says what could
// not be done ("I could not open your ticket: the helpdesk can't reach its database …").
func Undone(reply Reply) Reply {
	if reply.Error == nil || reply.Text == "" {
		return reply
	}
	r := reply
	r.Ephemeral = true
	r.Text = "I could not open your ticket: " + strings.ToLower(reply.Text[:1]) + reply.Text[1:]
	return r
}

// QueuedReply is the acknowledgement of a request stored for the workers: honest that the
// answer comes later, and that sending it again is not needed.
func QueuedReply() Reply {
	return Reply{Ephemeral: true, Text: "The helpdesk is busy — your request is queued, and the answer will follow here shortly. No need to send it again."}
}

// NotStoredReply is the acknowledgement of a request the intake could not store (err from
// core.Intake.Accept): busy, with nothing changed, so trying again is safe; or, when the
// database may have stored it after all, how to check before sending it again.
func NotStoredReply(err error) Reply {
	r := Reply{Ephemeral: true, Error: &ReplyError{Code: core.ErrorCode(err)}}
	switch {
	case core.IsOutcomeUnknown(err):
		r.Text = "We could not confirm that your request was received: the database answered too late. If it was, the answer follows here shortly; `/ticket list` shows whether your ticket was opened."
	case core.IsBusy(err):
		r.Text = "The helpdesk is busy right now and did not get to your request; nothing was changed. Please try again in a minute."
	default:
		r.Text = "The helpdesk can't reach its database right now; nothing was changed. Please try again in a moment."
	}
	return r
}
