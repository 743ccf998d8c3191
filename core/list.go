package core

import (
	"context"
	"slices"
	"strings"
	"time"
)

// ListSort orders a ticket list. Every order ends with the id (newest first), so a list has
// one order and a cursor one place in it.
type ListSort string

// List orders.
const (
	// SortCreated lists the newest ticket first (the default).
	SortCreated ListSort = "created"
	// SortUpdated lists the most recently changed ticket first.
	SortUpdated ListSort = "updated"
	// SortPriority lists the most urgent ticket first, newest first within a priority.
	SortPriority ListSort = "priority"
	// SortDue lists the ticket whose next SLA target is due soonest first (tickets without a
	// target last), the oldest first among equals.
	SortDue ListSort = "due"
)

// ListSorts lists every order, the default first.
func ListSorts() []ListSort { return []ListSort{SortCreated, SortUpdated, SortPriority, SortDue} }

// ParseListSort accepts an order name; empty means SortCreated. Errors: invalid.
func ParseListSort(s string) (ListSort, error) {
	n := ListSort(strings.ToLower(strings.TrimSpace(s)))
	if n == "" {
		return SortCreated, nil
	}
	if slices.Contains(ListSorts(), n) {
		return n, nil
	}
	return "", Errorf(EInvalid, "unknown sort %q (use created, updated, priority or due)", s)
}

// Rank is p's place from low (1) to urgent (4); 0 for an unknown priority.
func (p Priority) Rank() int { return slices.Index(Priorities(), p) + 1 }

// ListCursor is where a page of a list ended: the sort key of its last ticket. The zero
// cursor is the first page.
type ListCursor struct {
	ID       int64
	Updated  time.Time // SortUpdated only
	Priority Priority  // SortPriority only
	Due      time.Time // SortDue only: the ticket's NextDue
	Score    float64   // a search (ListFilter.Query) only
}

// CursorAfter is the cursor that continues a list sorted by sort after t.
func CursorAfter(t Ticket, sort ListSort) ListCursor {
	c := ListCursor{ID: t.ID}
	switch sort {
	case SortUpdated:
		c.Updated = t.UpdatedAt
	case SortPriority:
		c.Priority = t.Priority
	case SortDue:
		c.Due = t.SLA.NextDue()
	}
	return c
}

// StatusCounts is how many tickets have each status.
type StatusCounts map[Status]int64

// Total is the number of tickets over every status.
func (c StatusCounts) Total() int64 {
	var n int64
	for _, v := range c {
		n += v
	}
	return n
}

// MaxAssignees bounds ListFilter.Assignees: each is one more index range per status.
const MaxAssignees = 8

// AssigneeSet is every assignee id f names (Assignee and Assignees), each once, in order.
func AssigneeSet(f ListFilter) []string {
	var out []string
	for _, a := range append([]string{f.Assignee}, f.Assignees...) {
		if a != "" && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// scopeList narrows f to what actor may see (requesters only ever their own tickets,
// workspace-bound actors only their workspace) and bounds its page to 1…200 (50 if unset). Errors: invalid, forbidden.
func scopeList(actor Actor, f ListFilter) (ListFilter, error) {
	if !actor.Workspace.IsZero() {
		if !f.Workspace.IsZero() && f.Workspace != actor.Workspace {
			return f, Errorf(EForbidden, "you can only list tickets of your own workspace")
		}
		f.Workspace = actor.Workspace
	} else if !actor.Role.AtLeast(RoleStaff) {
		return f, Errorf(EForbidden, "only staff can list tickets")
	}
	if !actor.Role.AtLeast(RoleStaff) {
		f.Reporter = actor.User.ID
	}
	f.Assignees = AssigneeSet(f)
	f.Assignee = ""
	if len(f.Assignees) == 1 {
		f.Assignee, f.Assignees = f.Assignees[0], nil
	}
	if f.Unassigned && (f.Assignee != "" || len(f.Assignees) > 0) {
		return f, Errorf(EInvalid, "a list is either unassigned or assigned to someone")
	}
	if len(f.Assignees) > MaxAssignees {
		return f, Errorf(EInvalid, "a list names at most %d assignees", MaxAssignees)
	}
	f.Internal = actor.Role.AtLeast(RoleStaff)
	if f.Sort == "" {
		f.Sort = SortCreated
	}
	if !slices.Contains(ListSorts(), f.Sort) {
		return f, Errorf(EInvalid, "unknown sort %q", f.Sort)
	}
	if f.After.ID < 0 {
		return f, Errorf(EInvalid, "bad cursor")
	}
	if f.After.ID > 0 && f.Sort == SortPriority && f.After.Priority.Rank() == 0 {
		return f, Errorf(EInvalid, "bad cursor")
	}
	for _, p := range f.Priorities {
		if p.Rank() == 0 {
			return f, Errorf(EInvalid, "unknown priority %q", p)
		}
	}
	switch {
	case f.Limit <= 0:
		f.Limit = 50
	case f.Limit > 200:
		f.Limit = 200
	}
	f.Query = strings.TrimSpace(f.Query)
	if f.Query != "" && len(SearchTerms(f.Query)) == 0 {
		return f, Errorf(EInvalid, "search for words of at least %d letters or digits", minSearchWord)
	}
	return f, nil
}

// ListTickets lists the tickets actor may see that match f. Requesters only ever see their
// own; workspace-bound actors only their workspace. A Query searches titles, descriptions and
// messages; staff also search internal notes, requesters never. Errors: invalid, forbidden,
// unavailable, internal.
func (s *Service) ListTickets(ctx context.Context, actor Actor, f ListFilter) ([]Ticket, error) {
	f, err := scopeList(actor, f)
	if err != nil {
		return nil, err
	}
	own, err := s.store.ListTickets(ctx, f)
	if err != nil || !f.Linked {
		return own, err
	}
	return s.withLinked(ctx, actor, f, own)
}

// CountTickets counts, per status, the tickets actor may see that match f's workspace,
// reporter, assignee and priorities (f's statuses, query and cursor do not narrow the
// counts: they are the dashboard's tabs). Errors: invalid, forbidden, unavailable, internal.
func (s *Service) CountTickets(ctx context.Context, actor Actor, f ListFilter) (StatusCounts, error) {
	f, err := scopeList(actor, f)
	if err != nil {
		return nil, err
	}
	return s.store.CountTickets(ctx, f)
}
