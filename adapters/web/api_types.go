package web

import (
	"encoding/base64"
	"strconv"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// userJSON is a person in the API.
type userJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func toUserJSON(u core.UserRef) *userJSON {
	if u.IsZero() {
		return nil
	}
	return &userJSON{ID: u.ID, Name: u.Name}
}

// ticketJSON is the API's Ticket.
type ticketJSON struct {
	ID          int64     `json:"id"`
	Workspace   string    `json:"workspace"`
	Number      int64     `json:"number"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	Status      string    `json:"status"`
	StatusNote  string    `json:"status_note"`
	Priority    string    `json:"priority"`
	Reporter    *userJSON `json:"reporter"`
	Assignee    *userJSON `json:"assignee"`
	CreatedAt   string    `json:"created_at"`
	UpdatedAt   string    `json:"updated_at"`
}

func toTicketJSON(t core.Ticket) ticketJSON {
	rep := toUserJSON(t.Reporter)
	if rep == nil {
		rep = &userJSON{}
	}
	return ticketJSON{
		ID: t.ID, Workspace: t.Workspace.String(), Number: t.Number,
		Title: t.Title, Description: t.Description,
		Status: string(t.Status), StatusNote: t.StatusNote, Priority: string(t.Priority),
		Reporter: rep, Assignee: toUserJSON(t.Assignee),
		CreatedAt: rfc3339(t.CreatedAt), UpdatedAt: rfc3339(t.UpdatedAt),
	}
}

// messageJSON is one message of a ticket's conversation.
type messageJSON struct {
	ID          int64             `json:"id"`
	Author      *userJSON         `json:"author"`
	Content     string            `json:"content"`
	Source      string            `json:"source"`
	Attachments []core.Attachment `json:"attachments"`
	Edited      bool              `json:"edited"`
	Deleted     bool              `json:"deleted"`
	CreatedAt   string            `json:"created_at"`
}

func toMessageJSON(m core.Message) messageJSON {
	author := toUserJSON(m.Author)
	if author == nil {
		author = &userJSON{}
	}
	att := m.Attachments
	if att == nil {
		att = []core.Attachment{}
	}
	content := m.Content
	if m.Deleted {
		content = ""
	}
	return messageJSON{ID: m.ID, Author: author, Content: content, Source: m.Source,
		Attachments: att, Edited: m.Edited, Deleted: m.Deleted, CreatedAt: rfc3339(m.CreatedAt)}
}

// rfc3339 renders t in UTC with the precision it has.
func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// encodeCursor makes the opaque next_cursor for a page ending at ticket id.
func encodeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(id, 10)))
}

// decodeCursor reads a cursor; "" is the first page. Errors: invalid.
func decodeCursor(c string) (int64, error) {
	if c == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		if id, err := strconv.ParseInt(string(b), 10, 64); err == nil && id > 0 {
			return id, nil
		}
	}
	return 0, core.Errorf(core.EInvalid, "cursor is not one this API handed out")
}
