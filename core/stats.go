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
	// FirstResponse is the time to the first response (SLAClock.ResponseTime) of the tickets
	// first answered in the range; Resolution the time to resolution (SLAClock.ResolutionTime)
	// of the tickets resolved or closed in the range and not reopened since. Both count
	// running support time: the workspace's support hours, less the time paused.
	FirstResponse, Resolution TimeStats
	// CSAT are the satisfaction ratings of the tickets asked for one in the range.
	CSAT CSATStats
	// BacklogDays are how many tickets had each status at the end of every day of the range.
	BacklogDays []BacklogDay
}

// BacklogDay is one day of Stats.BacklogDays.
type BacklogDay struct {
	Day    string // 2006-01-02
	Counts StatusCounts
}

// CSATStats count ratings: Asked tickets were asked for one, Rated of them have one, and
// Scores[i] is how many were rated i+1 (of MinRating … MaxRating).
type CSATStats struct {
	Asked, Rated int64
	Scores       [MaxRating]int64
}

// The rating scale.
const (
	MinRating = 1
	MaxRating = 5
)

// Average is the mean score of the rated tickets (0 without any).
func (c CSATStats) Average() float64 {
	var n, sum int64
	for i, k := range c.Scores {
		n += k
		sum += k * int64(i+MinRating)
	}
	if n == 0 {
		return 0
	}
	return float64(sum) / float64(n)
}

// ResponseRate is the share of the asked tickets that were rated, 0 … 1 (0 when none was asked).
func (c CSATStats) ResponseRate() float64 {
	if c.Asked == 0 {
		return 0
	}
	return float64(c.Rated) / float64(c.Asked)
}

// DayStats is one day of Stats.Days.
type DayStats struct {
	Day            string // 2006-01-02
	Opened, Closed int64
}

// AssigneeStats is one assignee's share of Stats: Tickets opened in the range (Resolved of
// them are resolved or closed now), and the response and resolution times of the tickets the
// assignee holds that were answered or resolved in the range (see Stats.FirstResponse).
type AssigneeStats struct {
	Assignee                  UserRef
	Tickets                   int64
	Resolved                  int64
	FirstResponse, Resolution TimeStats
}

// SLAStats is one priority's attainment: of the tickets with a target, how many met it.
type SLAStats struct {
	Priority                         Priority
	FirstResponseTargets, FirstMet   int64
	ResolutionTargets, ResolutionMet int64
}

// StatsStore computes Stats of whole UTC days [from, to). Errors: unavailable, internal.
type StatsStore interface {
	Stats(ctx context.Context, ws Workspace, from, to time.Time) (Stats, error)
}

// MaxStatsRange bounds a report's range.
const MaxStatsRange = 366 * 24 * time.Hour

// Stats returns the figures of ws (zero: every workspace the actor may see) for [from, to),
// whole UTC days (the stores keep the figures per day).
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
	if !from.Equal(from.Truncate(24*time.Hour)) || !to.Equal(to.Truncate(24*time.Hour)) {
		return Stats{}, FieldError("from", "the range must be whole UTC days")
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
