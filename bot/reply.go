package bot

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// Reply is what the bot answers, in a form every adapter can render. Text is plain text
// (adapters escape it); Card and Tickets carry structure.
type Reply struct {
	Text      string
	Ephemeral bool
	Card      *Card
	// Tickets is a listing, rendered one line each.
	Tickets []core.Ticket
	// Modal asks the adapter to open the "open a ticket" form instead of replying.
	Modal bool
	// Panel asks the adapter to post the "Open a ticket" panel into this channel.
	Panel string
	// Error is set when the reply reports a failure: its code and, for invalid input, the
	// field at fault (a modal shows it beside that field).
	Error *ReplyError
}

// ReplyError describes a failed command.
type ReplyError struct {
	Code  string
	Field string
}

// Field is one labelled value of a card.
type Field struct {
	Name  string
	Value string
	// UserID is set when Value names a user, so adapters may render a mention.
	UserID string
}

// ButtonStyle hints how a button looks.
type ButtonStyle string

// Button styles.
const (
	StyleDefault ButtonStyle = ""
	StylePrimary ButtonStyle = "primary"
	StyleDanger  ButtonStyle = "danger"
)

// Button is one action on a card. ID is an Action's encoded form.
type Button struct {
	ID    string
	Label string
	Style ButtonStyle
}

// Card is a ticket card: title line, fields, buttons, and whether it offers a status menu.
type Card struct {
	TicketID    int64
	Number      int64
	Title       string
	Description string
	Status      core.Status
	Priority    core.Priority
	Fields      []Field
	Buttons     []Button
	// StatusMenu is the action id of the status menu (its options are core.Statuses()).
	StatusMenu string
}

// TicketCard builds the card of t: number, title, status, priority, reporter, assignee;
// Claim and Close buttons while it is active, Reopen once it is resolved or closed.
func TicketCard(t core.Ticket) Card { return TicketCardAt(t, time.Now()) }

// SLALine is the ticket's SLA state for people at now, e.g. "first response due in 1 h 20 m ·
// resolution breached 10 m ago"; "" when the ticket's priority has no target.
func SLALine(t core.Ticket, now time.Time) string { return t.SLA.Line(now) }

// TicketCardAt is TicketCard with the SLA state (relative times) worked out at now; the card
// gets an "SLA" field only when the ticket has a target.
func TicketCardAt(t core.Ticket, now time.Time) Card {
	assignee := "unassigned"
	if !t.Assignee.IsZero() {
		assignee = userLabel(t.Assignee)
	}
	c := Card{
		TicketID:    t.ID,
		Number:      t.Number,
		Title:       t.Title,
		Description: t.Description,
		Status:      t.Status,
		Priority:    t.Priority,
		Fields: []Field{
			{Name: "Status", Value: StatusLabel(t.Status)},
			{Name: "Priority", Value: PriorityLabel(t.Priority)},
			{Name: "Reporter", Value: userLabel(t.Reporter), UserID: t.Reporter.ID},
			{Name: "Assignee", Value: assignee, UserID: t.Assignee.ID},
		},
		StatusMenu: Action{Verb: "status", TicketID: t.ID}.String(),
	}
	if line := SLALine(t, now); line != "" {
		c.Fields = append(c.Fields, Field{Name: "SLA", Value: line})
	}
	if t.Status.Terminal() {
		c.Buttons = []Button{{ID: Action{Verb: "reopen", TicketID: t.ID}.String(), Label: "Reopen"}}
		return c
	}
	if t.Assignee.IsZero() {
		c.Buttons = append(c.Buttons, Button{ID: Action{Verb: "claim", TicketID: t.ID}.String(), Label: "Claim", Style: StylePrimary})
	}
	c.Buttons = append(c.Buttons, Button{ID: Action{Verb: "close", TicketID: t.ID}.String(), Label: "Close", Style: StyleDanger})
	return c
}

// Heading is the card's title line, e.g. "#12 VPN is down".
func (c Card) Heading() string { return fmt.Sprintf("#%d %s", c.Number, c.Title) }

// StatusLabel is a status for people: "in progress".
func StatusLabel(s core.Status) string { return strings.ReplaceAll(string(s), "_", " ") }

// PriorityLabel is a priority for people.
func PriorityLabel(p core.Priority) string { return string(p) }

func userLabel(u core.UserRef) string {
	if u.Name != "" {
		return u.Name
	}
	return u.ID
}

// Action is a card button or menu, encoded in its id as "tb:VERB:TICKETID".
type Action struct {
	Verb     string
	TicketID int64
}

// String encodes the action.
func (a Action) String() string { return "tb:" + a.Verb + ":" + strconv.FormatInt(a.TicketID, 10) }

// ParseAction decodes an action id. Errors: invalid.
func ParseAction(id string) (Action, error) {
	parts := strings.Split(id, ":")
	if len(parts) != 3 || parts[0] != "tb" {
		return Action{}, core.Errorf(core.EInvalid, "unknown action")
	}
	n, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil || n <= 0 {
		return Action{}, core.Errorf(core.EInvalid, "unknown action")
	}
	switch parts[1] {
	case "claim", "close", "reopen", "status":
		return Action{Verb: parts[1], TicketID: n}, nil
	}
	return Action{}, core.Errorf(core.EInvalid, "unknown action")
}

// Command turns a pressed button (or a chosen menu value) into the Command it stands for.
func (a Action) Command(value string) (Command, error) {
	c := Command{Name: a.Verb, TicketID: a.TicketID, Args: Args{}}
	if a.Verb == "status" {
		st, err := core.ParseStatus(value)
		if err != nil {
			return Command{}, err
		}
		c.Args["status"] = st
	}
	return c, nil
}

// StatusNotice is the text of the DM a reporter gets when their ticket's status changes.
func StatusNotice(t core.Ticket, by core.UserRef) string {
	s := fmt.Sprintf("Your ticket #%d \"%s\" is now %s", t.Number, t.Title, StatusLabel(t.Status))
	if by.ID != "" && by.ID != t.Reporter.ID {
		s += " (by " + userLabel(by) + ")"
	}
	s += "."
	if t.StatusNote != "" {
		s += " Note: " + t.StatusNote
	}
	return s
}

// RequesterCard is the card the person who asked sees on their side: number, title, status
// and who handles it, with Close while it is active and Reopen once it is resolved or closed.
// It carries nothing staff-only (no priority menu, no claim).
func RequesterCard(t core.Ticket) Card {
	assignee := "not yet assigned"
	if !t.Assignee.IsZero() {
		assignee = userLabel(t.Assignee)
	}
	c := Card{
		TicketID: t.ID,
		Number:   t.Number,
		Title:    t.Title,
		Status:   t.Status,
		Priority: t.Priority,
		Fields: []Field{
			{Name: "Status", Value: StatusLabel(t.Status)},
			{Name: "Handled by", Value: assignee},
		},
	}
	if t.Status.Terminal() {
		c.Buttons = []Button{{ID: Action{Verb: "reopen", TicketID: t.ID}.String(), Label: "Reopen"}}
	} else {
		c.Buttons = []Button{{ID: Action{Verb: "close", TicketID: t.ID}.String(), Label: "Close", Style: StyleDanger}}
	}
	return c
}
