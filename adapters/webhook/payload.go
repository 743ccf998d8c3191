package webhook

import (
	"context"
	"encoding/json"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// PayloadVersion is the "version" of every payload; a change that is not an addition bumps it.
const PayloadVersion = 1

// payload is the JSON body of a delivery (documented in openapi.json's webhooks section).
type payload struct {
	Version   int          `json:"version"`
	ID        int64        `json:"id"`
	Type      string       `json:"type"`
	CreatedAt string       `json:"created_at"`
	Workspace string       `json:"workspace,omitempty"`
	Actor     *userJSON    `json:"actor,omitempty"`
	Ticket    *ticketJSON  `json:"ticket,omitempty"`
	Changes   []changeJSON `json:"changes,omitempty"`
	Message   *messageJSON `json:"message,omitempty"`
	Endpoint  int64        `json:"endpoint,omitempty"`
}

type userJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// ticketJSON has the fields of the API's Ticket.
type ticketJSON struct {
	ID          int64     `json:"id"`
	Workspace   string    `json:"workspace"`
	Number      int64     `json:"number"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	Status      string    `json:"status"`
	Priority    string    `json:"priority"`
	Reporter    userJSON  `json:"reporter"`
	Assignee    *userJSON `json:"assignee"`
	CreatedAt   string    `json:"created_at"`
	UpdatedAt   string    `json:"updated_at"`
}

type changeJSON struct {
	Field string `json:"field"`
	From  string `json:"from"`
	To    string `json:"to"`
	Note  string `json:"note,omitempty"`
}

type messageJSON struct {
	ID        int64    `json:"id"`
	Author    userJSON `json:"author"`
	Content   string   `json:"content"`
	Internal  bool     `json:"internal"`
	Source    string   `json:"source"`
	CreatedAt string   `json:"created_at"`
}

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func user(u core.UserRef) *userJSON {
	if u.IsZero() {
		return nil
	}
	return &userJSON{ID: u.ID, Name: u.Name}
}

// payload builds ev's body: the event, the ticket as it is now, and the message or changes.
func (n *Notifier) payload(ctx context.Context, ev core.Event) ([]byte, error) {
	p := payload{Version: PayloadVersion, ID: ev.ID, Type: string(ev.Kind), CreatedAt: ts(ev.CreatedAt),
		Workspace: ev.Workspace.String(), Actor: user(ev.Actor)}
	if ev.Kind == core.EventWebhookTest {
		p.Endpoint = parseID(endpointOf(ev))
		return json.Marshal(p)
	}
	if ev.TicketID != 0 {
		t, err := n.c.Tickets.Ticket(ctx, ev.TicketID)
		if err != nil {
			return nil, err
		}
		tj := ticketJSON{ID: t.ID, Workspace: t.Workspace.String(), Number: t.Number, Title: t.Title,
			Description: t.Description, Status: string(t.Status), Priority: string(t.Priority),
			Assignee: user(t.Assignee), CreatedAt: ts(t.CreatedAt), UpdatedAt: ts(t.UpdatedAt)}
		if r := user(t.Reporter); r != nil {
			tj.Reporter = *r
		}
		p.Ticket = &tj
	}
	for _, c := range ev.Changes {
		p.Changes = append(p.Changes, changeJSON{Field: c.Field, From: c.From, To: c.To, Note: c.Note})
	}
	if ev.MessageID != 0 {
		m, err := n.c.Tickets.Message(ctx, ev.MessageID)
		if err != nil {
			return nil, err
		}
		mj := messageJSON{ID: m.ID, Content: m.Content, Internal: m.Internal, Source: m.Source, CreatedAt: ts(m.CreatedAt)}
		if m.Deleted {
			mj.Content = ""
		}
		if a := user(m.Author); a != nil {
			mj.Author = *a
		}
		p.Message = &mj
	}
	return json.Marshal(p)
}

func parseID(s string) int64 {
	var n int64
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0
		}
		n = n*10 + int64(r-'0')
	}
	return n
}
