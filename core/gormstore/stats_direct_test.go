package gormstore

import (
	"context"
	"maps"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/ticketbot/ticketbot/core"
)

// directStats is how Stats computed the figures before the rollups, kept as the oracle the
// rollup tests hold Stats to: the figures of ws (zero: every workspace) for [from, to) with grouped
// queries: opened per day, assignees and SLA attainment over the tickets opened in the range, all
// read from the covering ix_tickets_ws_report; closed per day from ix_tickets_ws_resolved.
func (s *Store) directStats(ctx context.Context, ws core.Workspace, from, to time.Time) (core.Stats, error) {
	const op = "gormstore.directStats"
	from, to = stamp(from), stamp(to)
	out := core.Stats{Workspace: ws, From: from, To: to}
	// Every index the reports read leads with the workspace, so the every-workspace figures
	// name each workspace (from workspace_counters): one index range per workspace instead of
	// a scan of the whole table.
	var every []string
	if ws.IsZero() {
		if err := s.db.WithContext(ctx).Model(&counterRow{}).Pluck("workspace", &every).Error; err != nil {
			return out, fail(op, err)
		}
	}
	scope := func(col string) *gorm.DB {
		q := s.db.WithContext(ctx).Table("tickets")
		if ws.IsZero() {
			q = q.Where("workspace IN ?", every)
		} else {
			q = q.Where("workspace = ?", ws.String())
		}
		return q.Where(col+" >= ? AND "+col+" < ?", from, to)
	}
	day := func(col string) string {
		if s.mysql {
			return "DATE_FORMAT(" + col + ", '%Y-%m-%d')"
		}
		return "substr(" + col + ", 1, 10)"
	}
	type dayRow struct {
		Day string
		N   int64
	}
	var opened, closed []dayRow
	if err := scope("created_at").Select(day("created_at") + " AS day, COUNT(*) AS n").Group("day").Scan(&opened).Error; err != nil {
		return out, fail(op, err)
	}
	if err := scope("resolved_at").Select(day("resolved_at") + " AS day, COUNT(*) AS n").Group("day").Scan(&closed).Error; err != nil {
		return out, fail(op, err)
	}
	byDay := map[string]*core.DayStats{}
	for d := from.Truncate(24 * time.Hour); d.Before(to); d = d.Add(24 * time.Hour) {
		out.Days = append(out.Days, core.DayStats{Day: d.Format("2006-01-02")})
	}
	for i := range out.Days {
		byDay[out.Days[i].Day] = &out.Days[i]
	}
	for _, r := range opened {
		if d := byDay[r.Day]; d != nil {
			d.Opened = r.N
		}
	}
	for _, r := range closed {
		if d := byDay[r.Day]; d != nil {
			d.Closed = r.N
		}
	}
	type assigneeRow struct {
		AssigneeID        string
		Tickets, Resolved int64
	}
	var as []assigneeRow
	if err := scope("created_at").Select("assignee_id, COUNT(*) AS tickets, " +
		"SUM(CASE WHEN resolved_at IS NOT NULL THEN 1 ELSE 0 END) AS resolved").
		Group("assignee_id").Order("tickets DESC, assignee_id").Scan(&as).Error; err != nil {
		return out, fail(op, err)
	}
	for _, a := range as {
		out.Assignees = append(out.Assignees, core.AssigneeStats{Assignee: core.UserRef{ID: a.AssigneeID},
			Tickets: a.Tickets, Resolved: a.Resolved})
	}
	type slaRow struct {
		Priority                         string
		FirstTargets, FirstMet           int64
		ResolutionTargets, ResolutionMet int64
	}
	var sl []slaRow
	var err error
	if err = scope("created_at").Select("priority, COUNT(sla_first_due) AS first_targets, " +
		"SUM(CASE WHEN first_response_at IS NOT NULL AND first_response_at <= sla_first_due THEN 1 ELSE 0 END) AS first_met, " +
		"COUNT(sla_resolve_due) AS resolution_targets, " +
		"SUM(CASE WHEN resolved_at IS NOT NULL AND resolved_at <= sla_resolve_due THEN 1 ELSE 0 END) AS resolution_met").
		Group("priority").Scan(&sl).Error; err != nil {
		return out, fail(op, err)
	}
	rank := map[string]int{}
	for i, p := range core.Priorities() {
		rank[string(p)] = i
	}
	res := make([]core.SLAStats, len(core.Priorities()))
	for i, p := range core.Priorities() {
		res[i].Priority = p
	}
	for _, r := range sl {
		if i, ok := rank[r.Priority]; ok {
			res[i] = core.SLAStats{Priority: core.Priority(r.Priority), FirstResponseTargets: r.FirstTargets, FirstMet: r.FirstMet,
				ResolutionTargets: r.ResolutionTargets, ResolutionMet: r.ResolutionMet}
		}
	}
	out.SLA = res
	if out.BacklogDays, err = backlogDays(s.db.WithContext(ctx), ws, out.Days); err != nil {
		return out, fail(op, err)
	}
	if out.CSAT, err = directCSAT(scope); err != nil {
		return out, fail(op, err)
	}
	// Response and resolution times, overall and merged into the assignees by id (an
	// assignee may have answered in the range without holding a ticket opened in it).
	at := map[string]int{}
	for i, a := range out.Assignees {
		at[a.Assignee.ID] = i
	}
	for _, m := range []struct {
		atCol, secsCol string
		overall        *core.TimeStats
		field          func(*core.AssigneeStats) *core.TimeStats
	}{
		{"first_response_at", "response_secs", &out.FirstResponse, func(a *core.AssigneeStats) *core.TimeStats { return &a.FirstResponse }},
		{"resolved_at", "resolution_secs", &out.Resolution, func(a *core.AssigneeStats) *core.TimeStats { return &a.Resolution }},
	} {
		overall, per, err := s.directTimeStats(ctx, scope, m.atCol, m.secsCol)
		if err != nil {
			return out, fail(op, err)
		}
		*m.overall = overall
		for _, id := range slices.Sorted(maps.Keys(per)) {
			i, ok := at[id]
			if !ok {
				i = len(out.Assignees)
				at[id] = i
				out.Assignees = append(out.Assignees, core.AssigneeStats{Assignee: core.UserRef{ID: id}})
			}
			*m.field(&out.Assignees[i]) = per[id]
		}
	}
	for i := range out.Assignees {
		if out.Assignees[i].Assignee.Name, err = s.directAssigneeName(ctx, out.Assignees[i].Assignee.ID); err != nil {
			return out, fail(op, err)
		}
	}
	return out, nil
}

// directAssigneeName is the name stored with one of id's tickets, read through an index on
// assignee_id: the grouped queries above stay on their covering indexes, which hold no names.
func (s *Store) directAssigneeName(ctx context.Context, id string) (string, error) {
	if id == "" {
		return "", nil
	}
	var names []string
	err := s.db.WithContext(ctx).Table("tickets").Where("assignee_id = ?", id).Limit(1).Pluck("assignee_name", &names).Error
	if err != nil || len(names) == 0 {
		return "", err
	}
	return names[0], nil
}
