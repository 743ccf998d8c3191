package bot

import (
	"context"
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
	// Tickets is a listing, rendered one line each; ListedIn is the workspace it is read in,
	// whose readers refer to each ticket as RefOf says ("#12", a linked one "d12").
	Tickets  []core.Ticket
	ListedIn core.Workspace
	// Modal asks the adapter to open the "open a ticket" form instead of replying; with
	// Category, the form asks that category's questions, and Categories are the workspace's
	// categories to choose from (the form asks for one when there are any).
	Modal      bool
	Category   *core.Category
	Categories []core.Category
	// Panel asks the adapter to post the "Open a ticket" panel into this channel.
	Panel string
	// PanelCategories, when set, asks for one button per category on that panel (at most 25).
	PanelCategories []core.Category
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
	// Answer marks a requester's answer to a category question (Name is the question):
	// user text, possibly long, that adapters show in full width.
	Answer bool
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
	TicketID int64
	Number   int64
	// Ref is how the card's reader refers to the ticket when it is not "#N" (a linked
	// workspace's ticket, "d12").
	Ref         string
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
	if t.Rating > 0 {
		c.Fields = append(c.Fields, Field{Name: "Rating", Value: RatingLabel(t.Rating)})
	}
	c.Fields = append(c.Fields, answerFields(t)...)
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
func (c Card) Heading() string {
	if c.Ref != "" {
		return c.Ref + " " + c.Title
	}
	return fmt.Sprintf("#%d %s", c.Number, c.Title)
}

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
	c.Fields = append(c.Fields, answerFields(t)...)
	switch {
	case t.Status == core.StatusResolved:
		// Staff think it is solved: the requester confirms (closes) or says it is not (reopens).
		c.Buttons = []Button{
			{ID: Action{Verb: "close", TicketID: t.ID}.String(), Label: "Yes, close it", Style: StylePrimary},
			{ID: Action{Verb: "reopen", TicketID: t.ID}.String(), Label: "No, I still need help"},
		}
	case t.Status.Terminal():
		c.Buttons = []Button{{ID: Action{Verb: "reopen", TicketID: t.ID}.String(), Label: "Reopen"}}
		if t.Rating > 0 {
			c.Fields = append(c.Fields, Field{Name: "Your rating", Value: RatingLabel(t.Rating)})
		} else if t.CSATAskedAt != nil {
			c.Fields = append(c.Fields, Field{Name: "How did we do?", Value: "Rate this ticket from 1 (poor) to 5 (great)."})
			for n := 1; n <= 5; n++ {
				c.Buttons = append(c.Buttons, Button{ID: RateAction(t.ID, n), Label: strconv.Itoa(n)})
			}
		}
	default:
		c.Buttons = []Button{{ID: Action{Verb: "close", TicketID: t.ID}.String(), Label: "Close", Style: StyleDanger}}
	}
	return c
}

// answerFields are the card fields of t's category and the requester's answers to its
// questions (shown to the requester too: they wrote them).
func answerFields(t core.Ticket) []Field {
	var out []Field
	if t.Category != "" {
		out = append(out, Field{Name: "Category", Value: t.Category})
	}
	for _, a := range t.Answers {
		out = append(out, Field{Name: a.Question, Value: a.Value, Answer: true})
	}
	return out
}

// ThreadCard is the card of a place both sides read (a Discord private thread): the staff
// card, with the requester's workflow buttons: Yes/No while resolved, and the 1–5 rating
// buttons once the closed ticket asks for its rating. Core decides who may press what.
func ThreadCard(t core.Ticket) Card {
	c := TicketCard(t)
	r := RequesterCard(t)
	switch {
	case t.Status == core.StatusResolved:
		c.Buttons = r.Buttons
	case t.Status == core.StatusClosed && t.Rating == 0 && t.CSATAskedAt != nil:
		c.Buttons = r.Buttons
		c.Fields = append(c.Fields, Field{Name: "How did we do?", Value: "The requester can rate this ticket from 1 (poor) to 5 (great)."})
	}
	return c
}

// RatingLabel renders a rating: "4/5 ★★★★☆".
func RatingLabel(score int) string {
	if score < 1 || score > 5 {
		return ""
	}
	return strconv.Itoa(score) + "/5 " + strings.Repeat("★", score) + strings.Repeat("☆", 5-score)
}

// RateAction is the id of the button that rates ticket id with score: "tb:rate:ID:SCORE".
// Adapters handle it themselves (it opens the comment form), so it is no Action.
func RateAction(id int64, score int) string {
	return "tb:rate:" + strconv.FormatInt(id, 10) + ":" + strconv.Itoa(score)
}

// ParseRateAction decodes a RateAction id.
func ParseRateAction(s string) (id int64, score int, ok bool) {
	rest, ok := strings.CutPrefix(s, "tb:rate:")
	if !ok {
		return 0, 0, false
	}
	idStr, scoreStr, _ := strings.Cut(rest, ":")
	id, err := strconv.ParseInt(idStr, 10, 64)
	score, err2 := strconv.Atoi(scoreStr)
	if err != nil || err2 != nil || id <= 0 || score < 1 || score > 5 {
		return 0, 0, false
	}
	return id, score, true
}

// Rate records req's user's rating of ticket id and says thanks, or what went wrong.
func (b *Bot) Rate(ctx context.Context, req Request, id int64, score int, comment string) Reply {
	r, err := b.svc.Rate(ctx, core.Actor{User: req.User, Role: core.RoleRequester, Workspace: req.Workspace}, id, score, comment)
	if err != nil {
		return b.errorReply(req, err)
	}
	return Reply{Ephemeral: true, Text: "Thanks for your rating: " + RatingLabel(r.Score) + "."}
}

// WorkflowLine is the requester side's line about a workflow change of ev, or "": the
// scheduler's reminder, and the request for a rating after the close.
func WorkflowLine(ev core.Event, t core.Ticket) string {
	for _, c := range ev.Changes {
		switch {
		case c.Field == "reminder":
			return fmt.Sprintf("Reminder: ticket #%d \"%s\" is waiting for your reply. If we don't hear from you, it will be closed automatically.", t.Number, t.Title)
		case c.Field == "csat" && c.To == "asked":
			closing := ""
			for _, s := range ev.Changes {
				if s.Field == "status" && s.To == string(core.StatusClosed) {
					closing = fmt.Sprintf("Ticket #%d is closed", t.Number)
					if s.Note != "" {
						closing += " (" + s.Note + ")"
					}
					closing += ". "
				}
			}
			return closing + "How did we do? Rate it from 1 to 5 with the buttons on the ticket's card."
		}
	}
	return ""
}
