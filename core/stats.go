package core

import (
	"context"
	"time"
)

// Stats are a workspace's (or every workspace's) figures for a date range, computed by the
// store in SQL over indexed ranges.
type Stats struct {
	Workspace Workspace // zero: every workspace
	From, To  time.Time // [From, To)
	// Days are tickets opened and resolved or closed per UTC day, every day of the range.
	Days []DayStats
	// Backlog is how many tickets have each status now.
	Backlog StatusCounts
	// Assignees are the tickets opened in the range per assignee ("" unassigned).
	Assignees []AssigneeStats
	// SLA is the attainment per priority of tickets opened in the range that had a target.
	SLA []SLAStats
}

// DayStats is one day of Stats.Days.
type DayStats struct {
	Day            string // 2006-01-02
	Opened, Closed int64
}

// AssigneeStats is one assignee's share of Stats.
type AssigneeStats struct {
	Assignee UserRef
	Tickets  int64
	Resolved int64
}

// SLAStats is one priority's attainment: of the tickets with a target, how many met it.
type SLAStats struct {
	Priority                         Priority
	FirstResponseTargets, FirstMet   int64
	ResolutionTargets, ResolutionMet int64
}

// StatsStore computes Stats. Errors: unavailable, internal.
type StatsStore interface {
	Stats(ctx context.Context, ws Workspace, from, to time.Time) (Stats, error)
}

// MaxStatsRange bounds a report's range.
const MaxStatsRange = 366 * 24 * time.Hour

// Stats returns the figures of ws (zero: every workspace the actor may see) for [from, to).
// Staff only; a workspace-bound actor gets its own workspace's. Errors: invalid (range),
// forbidden, unavailable, internal.
func (s *Service) Stats(ctx context.Context, actor Actor, ws Workspace, from, to time.Time) (Stats, error) {
	if !actor.Role.AtLeast(RoleStaff) {
		return Stats{}, Errorf(EForbidden, "only staff can see reports")
	}
	if !actor.Workspace.IsZero() {
		if !ws.IsZero() && ws != actor.Workspace {
			return Stats{}, Errorf(EForbidden, "you can only see reports of your own workspace")
		}
		ws = actor.Workspace
	}
	if !to.After(from) || to.Sub(from) > MaxStatsRange {
		return Stats{}, FieldError("to", "the range must end after it starts and span at most 366 days")
	}
	st, ok := s.store.(StatsStore)
	if !ok {
		return Stats{}, Errorf(EInternal, "this store computes no reports")
	}
	out, err := st.Stats(ctx, ws, from, to)
	if err != nil {
		return Stats{}, err
	}
	counts, err := s.store.CountTickets(ctx, ListFilter{Workspace: ws})
	if err != nil {
		return Stats{}, err
	}
	out.Backlog = counts
	return out, nil
}
