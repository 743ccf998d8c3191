package web

import (
	"encoding/base64"
	"strconv"
	"strings"
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
	// Category is the ticket's category (null: none); Answers its answers to the category's
	// questions.
	Category *ticketCategoryJSON `json:"category"`
	Answers  []core.Answer       `json:"answers"`
	// Rating is the requester's satisfaction score (1–5), null while unrated.
	Rating *int `json:"rating"`
	// SLA is the ticket's service level state (null when its priority has no target).
	SLA *slaJSON `json:"sla"`
	// Snippet is the matching text of a search result (q=), its matched words marked.
	Snippet []snippetJSON `json:"snippet,omitempty"`
}

// snippetJSON is a run of a search result's snippet.
type snippetJSON struct {
	Text  string `json:"text"`
	Match bool   `json:"match"`
}

func toSnippetJSON(parts []core.SnippetPart) []snippetJSON {
	out := make([]snippetJSON, len(parts))
	for i, p := range parts {
		out[i] = snippetJSON{Text: p.Text, Match: p.Match}
	}
	return out
}

// ticketCategoryJSON names a ticket's category.
type ticketCategoryJSON struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

func toTicketJSON(t core.Ticket) ticketJSON {
	rep := toUserJSON(t.Reporter)
	if rep == nil {
		rep = &userJSON{}
	}
	var cat *ticketCategoryJSON
	if t.CategoryID != 0 || t.Category != "" {
		cat = &ticketCategoryJSON{ID: t.CategoryID, Name: t.Category}
	}
	answers := t.Answers
	if answers == nil {
		answers = []core.Answer{}
	}
	return ticketJSON{
		Category: cat, Answers: answers,
		ID: t.ID, Workspace: t.Workspace.String(), Number: t.Number,
		Title: t.Title, Description: t.Description,
		Status: string(t.Status), StatusNote: t.StatusNote, Priority: string(t.Priority),
		Reporter: rep, Assignee: toUserJSON(t.Assignee),
		CreatedAt: rfc3339(t.CreatedAt), UpdatedAt: rfc3339(t.UpdatedAt), Rating: rating(t.Rating),
		SLA: toSLAJSON(t, time.Now()),
	}
}

// slaJSON is a ticket's SLA in the API: due times in support hours, when they were met, and
// whether either is breached (met late, or due and not met while the clock runs).
type slaJSON struct {
	FirstResponseDue      *string `json:"first_response_due"`
	FirstResponseAt       *string `json:"first_response_at"`
	FirstResponseBreached bool    `json:"first_response_breached"`
	ResolutionDue         *string `json:"resolution_due"`
	ResolvedAt            *string `json:"resolved_at"`
	ResolutionBreached    bool    `json:"resolution_breached"`
	Paused                bool    `json:"paused"`
	Breached              bool    `json:"breached"`
}

func optTime(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := rfc3339(*t)
	return &s
}

// toSLAJSON is t's SLA state at now, or nil without targets.
func toSLAJSON(t core.Ticket, now time.Time) *slaJSON {
	fr, res := t.SLA.FirstResponse(now), t.SLA.Resolution(now)
	if fr.Due == nil && res.Due == nil {
		return nil
	}
	return &slaJSON{
		FirstResponseDue: optTime(fr.Due), FirstResponseAt: optTime(fr.MetAt), FirstResponseBreached: fr.Breached,
		ResolutionDue: optTime(res.Due), ResolvedAt: optTime(res.MetAt), ResolutionBreached: res.Breached,
		Paused: t.SLA.PausedSince != nil, Breached: fr.Breached || res.Breached,
	}
}

func rating(score int) *int {
	if score == 0 {
		return nil
	}
	return &score
}

// messageJSON is one message of a ticket's conversation.
type messageJSON struct {
	ID          int64             `json:"id"`
	Author      *userJSON         `json:"author"`
	Content     string            `json:"content"`
	Source      string            `json:"source"`
	Internal    bool              `json:"internal"`
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
		Internal: m.Internal, Attachments: att, Edited: m.Edited, Deleted: m.Deleted, CreatedAt: rfc3339(m.CreatedAt)}
}

// rfc3339 renders t in UTC with the precision it has.
func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// encodeCursor makes the opaque next_cursor for a page ending at c: "id", or "id:u:unixnano"
// (sorted by update), "id:p:priority" (sorted by priority) or "id:s:score" (a search),
// base64url.
func encodeCursor(c core.ListCursor, search bool) string {
	v := strconv.FormatInt(c.ID, 10)
	switch {
	case search:
		v += ":s:" + strconv.FormatFloat(c.Score, 'g', -1, 64)
	case !c.Updated.IsZero():
		v += ":u:" + strconv.FormatInt(c.Updated.UnixNano(), 10)
	case c.Priority != "":
		v += ":p:" + string(c.Priority)
	case !c.Due.IsZero():
		v += ":d:" + strconv.FormatInt(c.Due.UnixMicro(), 10)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(v))
}

// decodeCursor reads a cursor of a list sorted by sort, or of a search; "" is the first page.
// Errors: invalid.
func decodeCursor(c string, sort core.ListSort, search bool) (core.ListCursor, error) {
	bad := core.Errorf(core.EInvalid, "cursor is not one this API handed out (for this sort)")
	if c == "" {
		return core.ListCursor{}, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return core.ListCursor{}, bad
	}
	idStr, rest, _ := strings.Cut(string(b), ":")
	id, err := strconv.ParseInt(idStr, 10, 64)
	if err != nil || id <= 0 {
		return core.ListCursor{}, bad
	}
	out := core.ListCursor{ID: id}
	kind, val, _ := strings.Cut(rest, ":")
	switch {
	case search && kind == "s":
		if out.Score, err = strconv.ParseFloat(val, 64); err != nil {
			return core.ListCursor{}, bad
		}
	case search:
		return core.ListCursor{}, bad
	case sort == core.SortUpdated && kind == "u":
		ns, err := strconv.ParseInt(val, 10, 64)
		if err != nil {
			return core.ListCursor{}, bad
		}
		out.Updated = time.Unix(0, ns).UTC()
	case sort == core.SortPriority && kind == "p":
		p, err := core.ParsePriority(val)
		if err != nil || val == "" {
			return core.ListCursor{}, bad
		}
		out.Priority = p
	case sort == core.SortDue && kind == "d":
		us, err := strconv.ParseInt(val, 10, 64)
		if err != nil {
			return core.ListCursor{}, bad
		}
		out.Due = time.UnixMicro(us).UTC()
	case (sort == core.SortCreated || sort == "") && rest == "":
	default:
		return core.ListCursor{}, bad
	}
	return out, nil
}
