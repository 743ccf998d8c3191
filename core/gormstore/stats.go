package gormstore

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/ticketbot/ticketbot/core"
)

var _ core.StatsStore = (*Store)(nil)

// Stats computes the figures of ws (zero: every workspace) for the whole UTC days [from, to)
// (core.Service.Stats checks the range is whole days) from the report rollups (rollups.go),
// never a range of tickets: opened per day, assignees and SLA attainment from report_opened,
// closed per day from report_closed, ratings from report_csat, the backlog from
// ticket_status_days, and the times from the report_times histograms and one look-up of
// tickets per percentile (stats_times.go). The every-workspace figures read the same tables
// without a workspace. Everything is read in one transaction, so the figures agree.
func (s *Store) Stats(ctx context.Context, ws core.Workspace, from, to time.Time) (core.Stats, error) {
	const op = "gormstore.Stats"
	from, to = stamp(from), stamp(to)
	out := core.Stats{Workspace: ws, From: from, To: to}
	for d := from.Truncate(24 * time.Hour); d.Before(to); d = d.Add(24 * time.Hour) {
		out.Days = append(out.Days, core.DayStats{Day: dayOf(d)})
	}
	if len(out.Days) == 0 {
		return out, nil
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r := statsReader{tx: tx, mysql: s.mysql, ws: ws, from: from, to: to, first: out.Days[0].Day, end: dayOf(to)}
		var err error
		if err = r.days(out.Days); err != nil {
			return err
		}
		if out.Assignees, out.SLA, err = r.opened(); err != nil {
			return err
		}
		if out.CSAT, err = r.csat(); err != nil {
			return err
		}
		if out.BacklogDays, err = backlogDays(tx, ws, out.Days); err != nil {
			return err
		}
		return r.times(&out)
	})
	if err != nil {
		return out, fail(op, err)
	}
	return out, nil
}

// statsReader reads one report's rollups: ws (zero: every workspace), the days [first, end).
type statsReader struct {
	tx         *gorm.DB
	mysql      bool
	ws         core.Workspace
	from, to   time.Time
	first, end string
}

// rollup is table's rows of the range (by dayCol) in the report's workspace.
func (r statsReader) rollup(table, dayCol string) *gorm.DB {
	q := r.tx.Table(table)
	if !r.ws.IsZero() {
		q = q.Where("workspace = ?", r.ws.String())
	}
	return q.Where(dayCol+" >= ? AND "+dayCol+" < ?", r.first, r.end)
}

// days fills the opened and closed counts of days.
func (r statsReader) days(days []core.DayStats) error {
	type dayRow struct {
		Day string
		N   int64
	}
	byDay := map[string]*core.DayStats{}
	for i := range days {
		byDay[days[i].Day] = &days[i]
	}
	for _, c := range []struct {
		table, sum string
		field      func(*core.DayStats) *int64
	}{
		{"report_opened", "tickets", func(d *core.DayStats) *int64 { return &d.Opened }},
		{"report_closed", "n", func(d *core.DayStats) *int64 { return &d.Closed }},
	} {
		var rows []dayRow
		if err := r.rollup(c.table, "day").Select("day, SUM(" + c.sum + ") AS n").Group("day").Scan(&rows).Error; err != nil {
			return err
		}
		for _, row := range rows {
			if d := byDay[row.Day]; d != nil {
				*c.field(d) = row.N
			}
		}
	}
	return nil
}

// opened sums report_opened per assignee and priority: the assignees holding tickets opened
// in the range (most tickets first, then by id) and the SLA attainment of every priority.
func (r statsReader) opened() ([]core.AssigneeStats, []core.SLAStats, error) {
	type row struct {
		AssigneeID, Priority             string
		Tickets, Resolved                int64
		FirstTargets, FirstMet           int64
		ResolutionTargets, ResolutionMet int64
	}
	var rows []row
	if err := r.rollup("report_opened", "day").Select("assignee_id, priority, SUM(tickets) AS tickets, SUM(resolved) AS resolved, " +
		"SUM(first_targets) AS first_targets, SUM(first_met) AS first_met, " +
		"SUM(resolution_targets) AS resolution_targets, SUM(resolution_met) AS resolution_met").
		Group("assignee_id, priority").Scan(&rows).Error; err != nil {
		return nil, nil, err
	}
	sla := make([]core.SLAStats, len(core.Priorities()))
	rank := map[string]int{}
	for i, p := range core.Priorities() {
		sla[i].Priority, rank[string(p)] = p, i
	}
	per := map[string]*core.AssigneeStats{}
	for _, x := range rows {
		if i, ok := rank[x.Priority]; ok {
			p := &sla[i]
			p.FirstResponseTargets += x.FirstTargets
			p.FirstMet += x.FirstMet
			p.ResolutionTargets += x.ResolutionTargets
			p.ResolutionMet += x.ResolutionMet
		}
		a := per[x.AssigneeID]
		if a == nil {
			a = &core.AssigneeStats{Assignee: core.UserRef{ID: x.AssigneeID}}
			per[x.AssigneeID] = a
		}
		a.Tickets += x.Tickets
		a.Resolved += x.Resolved
	}
	var out []core.AssigneeStats
	for _, a := range per {
		if a.Tickets > 0 { // a row all of whose tickets moved to another assignee counts none
			out = append(out, *a)
		}
	}
	slices.SortFunc(out, func(a, b core.AssigneeStats) int {
		return cmp.Or(cmp.Compare(b.Tickets, a.Tickets), cmp.Compare(a.Assignee.ID, b.Assignee.ID))
	})
	return out, sla, nil
}

// csat counts the ratings of the tickets asked for one in the range.
func (r statsReader) csat() (core.CSATStats, error) {
	type row struct {
		Rating int
		N      int64
	}
	var rows []row
	var out core.CSATStats
	if err := r.rollup("report_csat", "day").Select("rating, SUM(n) AS n").Group("rating").Scan(&rows).Error; err != nil {
		return out, err
	}
	for _, x := range rows {
		countRatings(&out, x.Rating, x.N)
	}
	return out, nil
}

// countRatings adds n tickets asked for a rating that have rating (0: none) to c.
func countRatings(c *core.CSATStats, rating int, n int64) {
	c.Asked += n
	if rating >= core.MinRating && rating <= core.MaxRating {
		c.Rated += n
		c.Scores[rating-core.MinRating] += n
	}
}

// times fills the response and resolution times, overall and merged into the assignees by
// id (an assignee may have answered in the range without holding a ticket opened in it, who
// is added after the others, by id), and then every assignee's name.
func (r statsReader) times(out *core.Stats) error {
	ts, err := r.timeStats()
	if err != nil {
		return err
	}
	out.FirstResponse, out.Resolution = ts[timeFirstAll][""], ts[timeResolutionAll][""]
	at := map[string]int{}
	for i, a := range out.Assignees {
		at[a.Assignee.ID] = i
	}
	for _, m := range []struct {
		kind  string
		field func(*core.AssigneeStats) *core.TimeStats
	}{
		{timeFirst, func(a *core.AssigneeStats) *core.TimeStats { return &a.FirstResponse }},
		{timeResolution, func(a *core.AssigneeStats) *core.TimeStats { return &a.Resolution }},
	} {
		for _, id := range slices.Sorted(maps.Keys(ts[m.kind])) {
			i, ok := at[id]
			if !ok {
				i = len(out.Assignees)
				at[id] = i
				out.Assignees = append(out.Assignees, core.AssigneeStats{Assignee: core.UserRef{ID: id}})
			}
			*m.field(&out.Assignees[i]) = ts[m.kind][id]
		}
	}
	return r.names(out.Assignees)
}

// names fills the assignees' names, each the one stored with one of their tickets (the
// rollups hold ids only), in one statement of one look-up per assignee, each reading one
// entry of an index that holds the name.
func (r statsReader) names(as []core.AssigneeStats) error {
	var parts []unionPart
	at := map[string]int{}
	from := "tickets " + r.index("ix_tickets_assignee_response_secs")
	for i, a := range as {
		if a.Assignee.ID != "" {
			at[a.Assignee.ID] = i
			parts = append(parts, unionPart{"SELECT assignee_id AS id, assignee_name AS name FROM " + from + " WHERE assignee_id = ? LIMIT 1",
				[]any{a.Assignee.ID}})
		}
	}
	type row struct{ ID, Name string }
	rows, err := unionAll[row](r.tx, parts)
	if err != nil {
		return err
	}
	for _, x := range rows {
		as[at[x.ID]].Assignee.Name = x.Name
	}
	return nil
}

// backlogDays sums ticket_status_days: every day before the range into the opening backlog,
// then each day of the range on top of the day before.
func backlogDays(db *gorm.DB, ws core.Workspace, days []core.DayStats) ([]core.BacklogDay, error) {
	if len(days) == 0 {
		return nil, nil
	}
	q := func() *gorm.DB {
		q := db.Table("ticket_status_days")
		if !ws.IsZero() {
			q = q.Where("workspace = ?", ws.String())
		}
		return q
	}
	type row struct {
		Day, Status string
		N           int64
	}
	var before, in []row
	first := days[0].Day
	end := days[len(days)-1].Day
	if err := q().Select("status, SUM(n) AS n").Where("day < ?", first).Group("status").Scan(&before).Error; err != nil {
		return nil, err
	}
	if err := q().Select("day, status, SUM(n) AS n").Where("day >= ? AND day <= ?", first, end).Group("day, status").Scan(&in).Error; err != nil {
		return nil, err
	}
	run := core.StatusCounts{}
	for _, r := range before {
		run[core.Status(r.Status)] += r.N
	}
	byDay := map[string][]row{}
	for _, r := range in {
		byDay[r.Day] = append(byDay[r.Day], r)
	}
	out := make([]core.BacklogDay, len(days))
	for i, d := range days {
		for _, r := range byDay[d.Day] {
			run[core.Status(r.Status)] += r.N
		}
		c := core.StatusCounts{}
		for _, st := range core.Statuses() {
			c[st] = run[st]
		}
		out[i] = core.BacklogDay{Day: d.Day, Counts: c}
	}
	return out, nil
}
