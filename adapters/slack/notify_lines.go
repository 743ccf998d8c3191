package slack

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
)

// statusLine is the requester side's line about a status change someone else made ("Sam
// marked this resolved: reason"), or "".
func statusLine(ev core.Event, t core.Ticket) string {
	if line := bot.WorkflowLine(ev, t); line != "" {
		return escape(line)
	}
	for _, c := range ev.Changes {
		if c.Field != "status" || c.Actor.ID == t.Reporter.ID {
			continue
		}
		s := actorText(c.Actor) + " marked this " + bot.StatusLabel(core.Status(c.To))
		if c.Note != "" {
			s += ": " + escapeCut(c.Note, 1000)
		}
		if !strings.ContainsAny(s[len(s)-1:], ".!?") {
			s += "."
		}
		return s
	}
	return ""
}

// changeNote is the short thread note of a change, one line per field; person names a
// person by id (userText's rule for the workspace's own tickets, linkedPerson for a linked one).
func changeNote(changes []core.Change, person func(id string) string) string {
	var lines []string
	for _, c := range changes {
		by := actorText(c.Actor)
		var s string
		switch c.Field {
		case "status":
			s = fmt.Sprintf("Status: %s → *%s*, by %s.", bot.StatusLabel(core.Status(c.From)), bot.StatusLabel(core.Status(c.To)), by)
		case "assignee":
			if c.To == "" {
				s = "Unassigned by " + by + "."
			} else {
				s = "Assigned to " + person(c.To) + " by " + by + "."
			}
		case "priority":
			s = fmt.Sprintf("Priority: %s → *%s*, by %s.", escape(c.From), escape(c.To), by)
		case "note":
			s = "Note by " + by + "."
		case "reminder":
			s = "The requester was reminded that this ticket waits for their reply."
		case "csat":
			s = "The requester was asked to rate this ticket."
		case "rating":
			n, _ := strconv.Atoi(c.To)
			s = "Rated *" + bot.RatingLabel(n) + "* by " + by + "."
		default:
			s = fmt.Sprintf("%s: %s → %s, by %s.", escape(c.Field), escapeCut(c.From, 200), escapeCut(c.To, 200), by)
		}
		if c.Note != "" {
			s += " Note: " + escapeCut(c.Note, 1000)
		}
		lines = append(lines, s)
	}
	return strings.Join(lines, "\n")
}

// ownPerson names a person of the workspace's own ticket: a mention of a Slack user.
func ownPerson(id string) string { return userText(core.UserRef{ID: id}) }

// linkedPerson names a person in the Slack thread of t, a linked workspace's ticket: a Slack
// user as a mention; a person of t's own platform (a Discord member) as plain text, by the
// display name learnt there (core.Names; t's assignee's name when none is learnt yet) and
// the platform, since a mention of theirs means nothing in Slack.
func (a *Adapter) linkedPerson(ctx context.Context, t core.Ticket) func(id string) string {
	return func(id string) string {
		if isUserID(id) {
			return "<@" + id + ">"
		}
		name := a.names.Name(ctx, core.PersonKey(t.Workspace, id))
		if name == "" && t.Assignee.ID == id {
			name = t.Assignee.Name
		}
		if name == "" {
			name = id
		}
		return escape(name) + " (" + string(t.Workspace.Platform) + ")"
	}
}
