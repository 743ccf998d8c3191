package gormstore

import (
	"context"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/ticketbot/ticketbot/core"
)

// directTimeStats ranks secsCol over the tickets whose atCol falls in the range (scope), overall
// and per assignee, and picks the ranks core.PercentileRank names: one grouped count, then
// one window query ranking both ways, each reading only the covering index (workspace,
// atCol, assignee_id, secsCol) and returning just the rows at those ranks.
func (s *Store) directTimeStats(ctx context.Context, scope func(string) *gorm.DB, atCol, secsCol string) (core.TimeStats, map[string]core.TimeStats, error) {
	type countRow struct {
		AssigneeID string
		N          int64
	}
	var counts []countRow
	if err := scope(atCol).Select("assignee_id, COUNT(*) AS n").Group("assignee_id").Scan(&counts).Error; err != nil {
		return core.TimeStats{}, nil, err
	}
	var total int64
	per := map[string]core.TimeStats{}
	var ranks []int64
	for _, c := range counts {
		total += c.N
		per[c.AssigneeID] = core.TimeStats{Count: c.N}
		ranks = append(ranks, core.PercentileRank(c.N, core.PercentileMedian), core.PercentileRank(c.N, core.PercentileP90))
	}
	overall := core.TimeStats{Count: total}
	if total == 0 {
		return overall, per, nil
	}
	// One scan ranks both ways; only the rows at a wanted rank come back.
	type rankRow struct {
		AssigneeID      string
		Secs, Rn, RnAll int64
	}
	med, p90 := core.PercentileRank(total, core.PercentileMedian), core.PercentileRank(total, core.PercentileP90)
	slices.Sort(ranks)
	ranks = slices.Compact(ranks)
	inner := scope(atCol).Select("assignee_id, " + secsCol + " AS secs, " +
		"ROW_NUMBER() OVER (PARTITION BY assignee_id ORDER BY " + secsCol + ") AS rn, " +
		"ROW_NUMBER() OVER (ORDER BY " + secsCol + ") AS rn_all")
	var rows []rankRow
	if err := s.db.WithContext(ctx).Table("(?) AS ranked", inner).Select("assignee_id, secs, rn, rn_all").
		Where("rn_all IN ? OR rn IN ?", []int64{med, p90}, ranks).Scan(&rows).Error; err != nil {
		return overall, per, err
	}
	sec := func(v int64) time.Duration { return time.Duration(v) * time.Second }
	for _, r := range rows {
		if r.RnAll == med {
			overall.Median = sec(r.Secs)
		}
		if r.RnAll == p90 {
			overall.P90 = sec(r.Secs)
		}
		ts := per[r.AssigneeID]
		if r.Rn == core.PercentileRank(ts.Count, core.PercentileMedian) {
			ts.Median = sec(r.Secs)
		}
		if r.Rn == core.PercentileRank(ts.Count, core.PercentileP90) {
			ts.P90 = sec(r.Secs)
		}
		per[r.AssigneeID] = ts
	}
	return overall, per, nil
}

// directCSAT counts the ratings of the tickets asked for one in the range, grouped by score
// over ix_tickets_ws_csat.
func directCSAT(scope func(string) *gorm.DB) (core.CSATStats, error) {
	type row struct {
		Rating int
		N      int64
	}
	var rows []row
	var out core.CSATStats
	if err := scope("csat_asked_at").Select("rating, COUNT(*) AS n").Group("rating").Scan(&rows).Error; err != nil {
		return out, err
	}
	for _, r := range rows {
		countRatings(&out, r.Rating, r.N)
	}
	return out, nil
}
