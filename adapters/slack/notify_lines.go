package slack

import (
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

// changeNote is the short thread note of a change, one line per field.
func changeNote(changes []core.Change) string {
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
				s = "Assigned to " + userText(core.UserRef{ID: c.To}) + " by " + by + "."
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
