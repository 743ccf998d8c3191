package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/ticketbot/ticketbot/core"
)

// API page sizes.
const (
	defaultAPILimit = 50
	maxAPILimit     = 100
)

// apiListTickets serves GET /api/v1/tickets?status=&workspace=&q=&sort=&limit=&cursor=. With
// q, the tickets are the best matches first, each with its snippet.
func (s *Server) apiListTickets(w http.ResponseWriter, r *http.Request, actor core.Actor) {
	q := r.URL.Query()
	f, limit, err := listFilter(q.Get("workspace"), q["status"], q.Get("sort"), q.Get("q"), q.Get("limit"), q.Get("cursor"))
	if err == nil {
		err = s.apiAssignee(r, actor, q.Get("assignee"), &f)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if !actor.Workspace.IsZero() && !f.Workspace.IsZero() && f.Workspace != actor.Workspace {
		s.apiError(w, r, core.Errorf(core.ENotFound, "workspace not found"))
		return
	}
	hits, err := s.listOrSearch(r, actor, f)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := struct {
		Tickets    []ticketJSON `json:"tickets"`
		NextCursor string       `json:"next_cursor"`
	}{Tickets: make([]ticketJSON, 0, min(len(hits), limit))}
	if len(hits) > limit {
		hits = hits[:limit]
		out.NextCursor = nextCursor(f, hits[limit-1])
	}
	ts := make([]core.Ticket, len(hits))
	for i, h := range hits {
		ts[i] = h.Ticket
	}
	s.named(r.Context(), nil, ticketRefs(ts))
	for i, h := range hits {
		tj := toTicketJSON(ts[i])
		if f.Query != "" {
			tj.Snippet = toSnippetJSON(h.Snippet)
		}
		out.Tickets = append(out.Tickets, tj)
	}
	writeJSON(w, http.StatusOK, out)
}

// listOrSearch lists f, or searches it when it has a query; listed tickets are hits without
// a snippet. Errors: those of Service.ListTickets and SearchTickets.
func (s *Server) listOrSearch(r *http.Request, actor core.Actor, f core.ListFilter) ([]core.SearchHit, error) {
	if f.Query != "" {
		return s.svc.SearchTickets(r.Context(), actor, f)
	}
	ts, err := s.svc.ListTickets(r.Context(), actor, f)
	hits := make([]core.SearchHit, len(ts))
	for i, t := range ts {
		hits[i] = core.SearchHit{Ticket: t}
	}
	return hits, err
}

// nextCursor is the cursor continuing f after h.
func nextCursor(f core.ListFilter, h core.SearchHit) string {
	if f.Query != "" {
		return encodeCursor(core.CursorAfterHit(h), true)
	}
	return encodeCursor(core.CursorAfter(h.Ticket, f.Sort), false)
}

// listFilter parses the list query; the filter asks for one ticket more than limit, to tell
// whether another page follows. Errors: invalid.
func listFilter(workspace string, statuses []string, sort, query, limitStr, cursor string) (core.ListFilter, int, error) {
	f := core.ListFilter{Query: strings.TrimSpace(query)}
	var err error
	if f.Sort, err = core.ParseListSort(sort); err != nil {
		return f, 0, err
	}
	if workspace != "" {
		ws, err := core.ParseWorkspace(workspace)
		if err != nil {
			return f, 0, err
		}
		f.Workspace = ws
	}
	for _, v := range statuses {
		for _, name := range strings.Split(v, ",") {
			if name = strings.TrimSpace(name); name == "" || name == "all" {
				continue
			}
			st, err := core.ParseStatus(name)
			if err != nil {
				return f, 0, err
			}
			f.Statuses = append(f.Statuses, st)
		}
	}
	limit := defaultAPILimit
	if limitStr != "" {
		n, err := strconv.Atoi(limitStr)
		if err != nil || n < 1 {
			return f, 0, core.Errorf(core.EInvalid, "limit must be a whole number from 1 to %d", maxAPILimit)
		}
		limit = min(n, maxAPILimit)
	}
	after, err := decodeCursor(cursor, f.Sort, f.Query != "")
	if err != nil {
		return f, 0, err
	}
	f.After, f.Limit = after, limit+1
	return f, limit, nil
}

// apiGetTicket serves GET /api/v1/tickets/{id}.
func (s *Server) apiGetTicket(w http.ResponseWriter, r *http.Request, actor core.Actor) {
	id, err := ticketID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	t, err := s.svc.Ticket(r.Context(), actor, id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.namedTicketJSON(r, t))
}

// apiCreateTicket serves POST /api/v1/tickets. The workspace must have a helpdesk (set up
// from chat); an omitted priority is normal.
func (s *Server) apiCreateTicket(w http.ResponseWriter, r *http.Request, actor core.Actor) {
	var in struct {
		Workspace   string  `json:"workspace"`
		Title       string  `json:"title"`
		Description string  `json:"description"`
		Priority    *string `json:"priority"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	ws, err := s.helpdeskWorkspace(r, actor, in.Workspace)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	prio, _, err := enumValue("priority", in.Priority, core.Priorities())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	t, err := s.svc.OpenTicket(r.Context(), actor, core.OpenInput{
		Workspace: ws, Title: in.Title, Description: in.Description, Priority: string(prio),
	})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/tickets/"+strconv.FormatInt(t.ID, 10))
	writeJSON(w, http.StatusCreated, s.namedTicketJSON(r, t))
}

// helpdeskWorkspace parses a ticket's workspace and checks that it has a helpdesk and that
// actor may act in it: a made-up workspace never gets a ticket (nor, through it, a place in
// the dashboard's workspace filter). Errors: invalid (naming workspace), unavailable, internal.
func (s *Server) helpdeskWorkspace(r *http.Request, actor core.Actor, raw string) (core.Workspace, error) {
	if strings.TrimSpace(raw) == "" {
		return core.Workspace{}, core.FieldError("workspace", "workspace is required, e.g. \"slack:T123\"")
	}
	ws, err := core.ParseWorkspace(raw)
	if err != nil {
		return core.Workspace{}, withField(err, "workspace")
	}
	unknown := core.FieldError("workspace", "workspace %q has no helpdesk; set one up with /ticket setup (Slack) or /ticket-admin setup (Discord)", ws)
	if !actor.Workspace.IsZero() && actor.Workspace != ws {
		return core.Workspace{}, unknown // a bound token learns nothing about other workspaces
	}
	st, err := s.svc.Settings(r.Context(), ws)
	if err != nil {
		return core.Workspace{}, err
	}
	if st.TriageChannel == "" && st.SupportChannel == "" {
		return core.Workspace{}, unknown
	}
	return ws, nil
}

// patchInput is PATCH /api/v1/tickets/{id}'s body; absent fields stay as they are.
type patchInput struct {
	Status   *string        `json:"status"`
	Note     string         `json:"note"`
	Priority *string        `json:"priority"`
	Assignee nullableString `json:"assignee"`
}

// apiPatchTicket serves PATCH /api/v1/tickets/{id}: status (with an optional note), priority
// and assignee, applied in one transaction. A field that already has the asked-for value is
// left alone, so repeating a PATCH is harmless.
func (s *Server) apiPatchTicket(w http.ResponseWriter, r *http.Request, actor core.Actor) {
	id, err := ticketID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var in patchInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	t, err := s.patchTicket(r, actor, id, in)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.namedTicketJSON(r, t))
}

func (s *Server) patchTicket(r *http.Request, actor core.Actor, id int64, in patchInput) (core.Ticket, error) {
	ctx := r.Context()
	if in.Note != "" && in.Status == nil {
		return core.Ticket{}, core.FieldError("note", "note goes with a status change")
	}
	if in.Status == nil && in.Priority == nil && !in.Assignee.Set {
		return core.Ticket{}, core.Errorf(core.EInvalid, "nothing to change: give status, priority or assignee")
	}
	// Validate everything before changing anything.
	status, _, err := enumValue("status", in.Status, core.Statuses())
	if err != nil {
		return core.Ticket{}, err
	}
	priority, _, err := enumValue("priority", in.Priority, core.Priorities())
	if err != nil {
		return core.Ticket{}, err
	}
	var assignee core.UserRef
	if in.Assignee.Set {
		if assignee, err = parseAssignee(in.Assignee.Value); err != nil {
			return core.Ticket{}, err
		}
	}
	// One transaction for all of it: the ticket changes as a whole or not at all, and a
	// value it already has is no change (no error).
	u := core.TicketUpdate{Note: in.Note}
	if in.Status != nil {
		u.Status = &status
	}
	if in.Priority != nil {
		u.Priority = &priority
	}
	if in.Assignee.Set {
		u.Assignee = &assignee
	}
	return s.svc.UpdateTicket(ctx, actor, id, u)
}

// parseAssignee reads an assignee user id; "" unassigns. Dashboard and API users ("web:NAME",
// "api:NAME") get their name filled in. Errors: invalid.
func parseAssignee(id string) (core.UserRef, error) {
	id = strings.TrimSpace(id)
	if id == "" {
		return core.UserRef{}, nil
	}
	if len(id) > 128 || strings.ContainsAny(id, " \t\r\n") {
		return core.UserRef{}, core.FieldError("assignee", "assignee must be a user id such as U024BE7LH, 80351110224678912 or web:alice")
	}
	u := core.UserRef{ID: id}
	for _, p := range []string{"web:", "api:"} {
		if name, ok := strings.CutPrefix(id, p); ok {
			n, err := core.NormalizeName(name)
			if err != nil {
				return core.UserRef{}, core.FieldError("assignee", "assignee %q is not a valid account id", id)
			}
			u = core.UserRef{ID: p + n, Name: n}
		}
	}
	return u, nil
}

// namedTicketJSON is t in the API with its reporter's and assignee's names.
func (s *Server) namedTicketJSON(r *http.Request, t core.Ticket) ticketJSON {
	one := []core.Ticket{t}
	s.named(r.Context(), nil, ticketRefs(one))
	return toTicketJSON(one[0])
}

// apiAssignee applies the list's assignee= to f: "me" (the token's user and the identities
// linked to it), "none" (unassigned) or a user id. Errors: invalid, unavailable, internal.
func (s *Server) apiAssignee(r *http.Request, actor core.Actor, assignee string, f *core.ListFilter) error {
	switch assignee {
	case "":
	case "me":
		ids, err := s.accounts.SameAs(r.Context(), actor.Workspace.Platform, actor.User.ID)
		if err != nil {
			return err
		}
		f.Assignees = ids
	case "none":
		f.Unassigned = true
	default:
		if len(assignee) > 128 || strings.ContainsAny(assignee, " ,") {
			return core.FieldError("assignee", "assignee must be me, none or a user id")
		}
		f.Assignee = assignee
	}
	return nil
}
