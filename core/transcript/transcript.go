// Package transcript renders a ticket's transcript (core.Transcript) as a self-contained HTML
// page, as Markdown and as JSON, for the API, the dashboard and the Discord transcript channel.
package transcript

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// Format is a transcript's file format.
type Format string

// Formats.
const (
	HTML     Format = "html"
	Markdown Format = "md"
	JSON     Format = "json"
)

// ParseFormat accepts html, md (or markdown) and json; empty is html. Errors: invalid.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "html":
		return HTML, nil
	case "md", "markdown":
		return Markdown, nil
	case "json":
		return JSON, nil
	}
	return "", core.FieldError("format", "format must be html, md or json, not %q", s)
}

// ContentType is the media type of f.
func (f Format) ContentType() string {
	switch f {
	case Markdown:
		return "text/markdown; charset=utf-8"
	case JSON:
		return "application/json"
	}
	return "text/html; charset=utf-8"
}

// FileName is the download name of ticket t's transcript in f ("ticket-slack-T123-42.html").
func FileName(t core.Ticket, f Format) string {
	ws := strings.NewReplacer(":", "-", "/", "-").Replace(t.Workspace.String())
	return fmt.Sprintf("ticket-%s-%d.%s", ws, t.Number, f)
}

// Render renders tr in f.
func Render(tr core.Transcript, f Format) ([]byte, error) {
	switch f {
	case Markdown:
		return renderMarkdown(tr), nil
	case JSON:
		return renderJSON(tr)
	}
	return renderHTML(tr)
}

// when renders an instant for people: UTC, to the minute.
func when(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

func who(u core.UserRef) string {
	if u.Name != "" {
		return u.Name
	}
	if u.ID != "" {
		return u.ID
	}
	return "someone"
}

// changeText is one line of history ("Sam: status open → resolved (fixed)").
func changeText(c core.Change) string {
	var s string
	switch {
	case c.Field == "created":
		s = "opened the ticket"
	case c.From == "":
		s = fmt.Sprintf("set %s to %s", field(c.Field), value(c.To))
	default:
		s = fmt.Sprintf("changed %s from %s to %s", field(c.Field), value(c.From), value(c.To))
	}
	if c.Note != "" {
		s += ": " + c.Note
	}
	return s
}

func field(f string) string { return strings.ReplaceAll(f, "_", " ") }

func value(v string) string {
	if v == "" {
		return "nothing"
	}
	return strings.ReplaceAll(v, "_", " ")
}

// jsonDoc is the JSON transcript.
type jsonDoc struct {
	Ticket struct {
		ID          int64         `json:"id"`
		Workspace   string        `json:"workspace"`
		Number      int64         `json:"number"`
		Title       string        `json:"title"`
		Description string        `json:"description"`
		Status      string        `json:"status"`
		Priority    string        `json:"priority"`
		Category    string        `json:"category,omitempty"`
		Reporter    core.UserRef  `json:"reporter"`
		Assignee    *core.UserRef `json:"assignee,omitempty"`
		CreatedAt   time.Time     `json:"created_at"`
		UpdatedAt   time.Time     `json:"updated_at"`
	} `json:"ticket"`
	Answers  []core.Answer `json:"answers"`
	Messages []jsonMessage `json:"messages"`
	History  []jsonChange  `json:"history"`
	Rating   *jsonRating   `json:"rating"`
	Variant  string        `json:"variant"`
	At       time.Time     `json:"generated_at"`
}

type jsonMessage struct {
	Author      core.UserRef      `json:"author"`
	Content     string            `json:"content"`
	Internal    bool              `json:"internal"`
	Source      string            `json:"source"`
	Attachments []core.Attachment `json:"attachments,omitempty"`
	Edited      bool              `json:"edited,omitempty"`
	CreatedAt   time.Time         `json:"created_at"`
}

type jsonChange struct {
	Actor core.UserRef `json:"actor"`
	Field string       `json:"field"`
	From  string       `json:"from,omitempty"`
	To    string       `json:"to,omitempty"`
	Note  string       `json:"note,omitempty"`
	At    time.Time    `json:"at"`
}

type jsonRating struct {
	Score   int       `json:"score"`
	Comment string    `json:"comment,omitempty"`
	RatedAt time.Time `json:"rated_at"`
}

func variant(tr core.Transcript) string {
	if tr.Staff {
		return "staff"
	}
	return "requester"
}

func renderJSON(tr core.Transcript) ([]byte, error) {
	var d jsonDoc
	t := tr.Ticket
	d.Ticket.ID, d.Ticket.Workspace, d.Ticket.Number = t.ID, t.Workspace.String(), t.Number
	d.Ticket.Title, d.Ticket.Description, d.Ticket.Status, d.Ticket.Priority = t.Title, t.Description, string(t.Status), string(t.Priority)
	d.Ticket.Category, d.Ticket.Reporter = t.Category, t.Reporter
	if !t.Assignee.IsZero() {
		a := t.Assignee
		d.Ticket.Assignee = &a
	}
	d.Ticket.CreatedAt, d.Ticket.UpdatedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	d.Answers = append([]core.Answer{}, t.Answers...)
	d.Messages = []jsonMessage{}
	for _, m := range tr.Messages {
		d.Messages = append(d.Messages, jsonMessage{Author: m.Author, Content: m.Content, Internal: m.Internal, Source: m.Source,
			Attachments: m.Attachments, Edited: m.Edited, CreatedAt: m.CreatedAt.UTC()})
	}
	d.History = []jsonChange{}
	for _, c := range tr.History {
		d.History = append(d.History, jsonChange{Actor: c.Actor, Field: c.Field, From: c.From, To: c.To, Note: c.Note, At: c.At.UTC()})
	}
	if r := tr.Rating; r != nil {
		d.Rating = &jsonRating{Score: r.Score, Comment: r.Comment, RatedAt: r.RatedAt.UTC()}
	}
	d.Variant, d.At = variant(tr), tr.At.UTC()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
