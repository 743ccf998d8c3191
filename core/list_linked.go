package core

import (
	"cmp"
	"context"
	"slices"
)

// withLinked adds to own, a page of actor's workspace's tickets matching f, the tickets of
// the workspace actor's workspace staffs under a link that match f and that actor may act on
// (staffFrom: opened while linked), in f's order and at most f.Limit in all. With a Query,
// whose scores belong to one search each, the linked tickets follow actor's own.
func (s *Service) withLinked(ctx context.Context, actor Actor, f ListFilter, own []Ticket) ([]Ticket, error) {
	if s.links == nil || actor.Workspace.IsZero() || !actor.Role.AtLeast(RoleStaff) || f.Category != 0 || f.After.ID != 0 {
		return own, nil
	}
	l, ok, err := s.LinkOf(ctx, actor.Workspace)
	if err != nil || !ok || l.StaffWorkspace != actor.Workspace {
		return own, err
	}
	lf := f
	lf.Workspace = l.Workspace
	theirs, err := s.store.ListTickets(ctx, lf)
	if err != nil {
		return nil, err
	}
	out := slices.Clone(own)
	for _, t := range theirs {
		if _, ok := s.staffFrom(ctx, actor, t); ok {
			out = append(out, t)
		}
	}
	if f.Query == "" {
		slices.SortStableFunc(out, func(a, b Ticket) int { return listOrder(f.Sort, a, b) })
	}
	if len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

// listOrder compares two tickets as a list sorted by sort orders them (the stores' order:
// every order ends with the id).
func listOrder(sort ListSort, a, b Ticket) int {
	switch sort {
	case SortUpdated:
		if c := b.UpdatedAt.Compare(a.UpdatedAt); c != 0 {
			return c
		}
	case SortPriority:
		if c := cmp.Compare(b.Priority.Rank(), a.Priority.Rank()); c != 0 {
			return c
		}
	case SortDue:
		if c := a.SLA.NextDue().Compare(b.SLA.NextDue()); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID) // the oldest first among equals
	}
	return cmp.Compare(b.ID, a.ID) // newest first
}
