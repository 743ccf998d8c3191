package gormstore

import (
	"cmp"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// The report rollups: per-day (and, for the time histograms, per-month) counts that Stats
// sums instead of reading tickets. Each ticket contributes a handful of cells (rollupCells);
// every write that changes a ticket applies the difference between its cells before and
// after the change (applyRollups) in the ticket's own transaction, so a change of assignee,
// priority, due time, response, resolution, reopening or rating moves the ticket between
// rows exactly. The rules of what a ticket counts for live only in rollupCells.

// rollupTable is one rollup table: its key columns and the counters a cell adds to.
type rollupTable struct {
	name string
	keys []string
	vals []string
}

var (
	// rollupOpened: tickets by opening day, assignee and priority, with their SLA attainment.
	rollupOpened = &rollupTable{"report_opened", []string{"workspace", "day", "assignee_id", "priority"},
		[]string{"tickets", "resolved", "first_targets", "first_met", "resolution_targets", "resolution_met"}}
	// rollupClosed: tickets by the day they were resolved or closed.
	rollupClosed = &rollupTable{"report_closed", []string{"workspace", "day"}, []string{"n"}}
	// rollupCSAT: tickets by the day they were asked for a rating, and their rating (0: none).
	rollupCSAT = &rollupTable{"report_csat", []string{"workspace", "day", "rating"}, []string{"n"}}
	// rollupTimes: response and resolution times as histograms, by the day or month (grain)
	// they were answered or resolved: per assignee in coarse buckets (kinds timeFirst,
	// timeResolution), and over every assignee in fine ones (kinds timeFirstAll, timeResolutionAll).
	rollupTimes = &rollupTable{"report_times", []string{"workspace", "kind", "grain", "period", "assignee_id", "bucket"}, []string{"n"}}
)

// The kinds of rollupTimes.
const (
	timeFirst         = "first"
	timeFirstAll      = "first_all"
	timeResolution    = "resolution"
	timeResolutionAll = "resolution_all"
)

// The grains of rollupTimes: a day (2006-01-02) or a month (2006-01).
const (
	grainDay   = "d"
	grainMonth = "m"
)

// monthOf is the UTC month that rollupTimes files t under at grainMonth.
func monthOf(t time.Time) string { return t.UTC().Format("2006-01") }

// Bucket precisions of the time histograms: 2^bits buckets per power of two, so a bucket
// spans at most 1/2^bits of its values (values below 2^(bits+1) seconds each have their own).
// An assignee's histogram is coarse (fewer rows: one per assignee, period and bucket used);
// the every-assignee one is fine (its look-up reads fewer tickets).
const (
	coarseBits = 3
	fineBits   = 6
)

// bucketOf is the histogram bucket of secs at precision p: HDR-style, linear below
// 2^(p+1) and then 2^p buckets per power of two. Buckets are ordered like their values.
func bucketOf(secs int64, p uint) int64 {
	if secs < 0 {
		return 0
	}
	linear := int64(2) << p
	if secs < linear {
		return secs
	}
	e := uint(bits.Len64(uint64(secs))) - (p + 1) // secs >> e is in [2^p, 2^(p+1))
	return linear + int64(e-1)<<p + (secs >> e) - int64(1)<<p
}

// bucketBounds is the range [lo, hi) of the seconds in bucket b at precision p (bucket 0
// also holds the impossible negative times, like bucketOf).
func bucketBounds(b int64, p uint) (lo, hi int64) {
	linear := int64(2) << p
	switch {
	case b == 0:
		return math.MinInt64, 1
	case b < linear:
		return b, b + 1
	}
	e := uint((b-linear)>>p) + 1
	m := (b-linear)&(int64(1)<<p-1) + int64(1)<<p
	return m << e, (m + 1) << e
}

// rollupCell is one row's share of a ticket: key values in table.keys order, counters in
// table.vals order.
type rollupCell struct {
	table *rollupTable
	key   []any
	vals  []int64
}

func (c rollupCell) id() string { return c.table.name + fmt.Sprintf("%q", c.key) }

// rollupCells are the cells ticket r counts in. Its SLA attainment is what the reports have
// always said: a target is met when the response (resolution) exists and is at or before its
// due time, so an unanswered ticket is not met, due or not.
func rollupCells(r *ticketRow) []rollupCell {
	b := func(ok bool) int64 {
		if ok {
			return 1
		}
		return 0
	}
	by := func(at, due *time.Time) bool { return at != nil && due != nil && !at.After(*due) }
	ws := r.Workspace
	cells := []rollupCell{{rollupOpened, []any{ws, dayOf(r.CreatedAt), r.AssigneeID, r.Priority}, []int64{
		1, b(r.ResolvedAt != nil), b(r.SLAFirstDue != nil), b(by(r.FirstResponseAt, r.SLAFirstDue)),
		b(r.SLAResolveDue != nil), b(by(r.ResolvedAt, r.SLAResolveDue))}}}
	if r.ResolvedAt != nil {
		cells = append(cells, rollupCell{rollupClosed, []any{ws, dayOf(*r.ResolvedAt)}, []int64{1}})
	}
	if r.CSATAskedAt != nil {
		cells = append(cells, rollupCell{rollupCSAT, []any{ws, dayOf(*r.CSATAskedAt), r.Rating}, []int64{1}})
	}
	for _, t := range []struct {
		at          *time.Time
		secs        int64
		kind, whole string
	}{{r.FirstResponseAt, r.ResponseSecs, timeFirst, timeFirstAll}, {r.ResolvedAt, r.ResolutionSecs, timeResolution, timeResolutionAll}} {
		if t.at == nil {
			continue
		}
		for _, g := range []struct{ grain, period string }{{grainDay, dayOf(*t.at)}, {grainMonth, monthOf(*t.at)}} {
			cells = append(cells,
				rollupCell{rollupTimes, []any{ws, t.kind, g.grain, g.period, r.AssigneeID, bucketOf(t.secs, coarseBits)}, []int64{1}},
				rollupCell{rollupTimes, []any{ws, t.whole, g.grain, g.period, "", bucketOf(t.secs, fineBits)}, []int64{1}})
		}
	}
	return cells
}

// rollupDiff is what moving a ticket from old to new (either nil: created, or not counted)
// adds to each cell, cells that do not change left out, in one fixed order (table, then key)
// so concurrent transactions take the rows' locks in the same order.
func rollupDiff(old, new *ticketRow) []rollupCell {
	byID := map[string]*rollupCell{}
	var order []string
	add := func(r *ticketRow, sign int64) {
		if r == nil {
			return
		}
		for _, c := range rollupCells(r) {
			id := c.id()
			d, ok := byID[id]
			if !ok {
				d = &rollupCell{c.table, c.key, make([]int64, len(c.vals))}
				byID[id] = d
				order = append(order, id)
			}
			for i, v := range c.vals {
				d.vals[i] += sign * v
			}
		}
	}
	add(old, -1)
	add(new, 1)
	slices.SortFunc(order, func(a, b string) int { return cmp.Compare(a, b) })
	var out []rollupCell
	for _, id := range order {
		if c := byID[id]; slices.ContainsFunc(c.vals, func(v int64) bool { return v != 0 }) {
			out = append(out, *c)
		}
	}
	return out
}

// upsertSQL is the statement adding c to its row, creating it; the MySQL create batch
// carries the same text.
func upsertSQL(c rollupCell, mysql bool) (string, []any) {
	cols := append(append([]string(nil), c.table.keys...), c.table.vals...)
	args := append([]any(nil), c.key...)
	for _, v := range c.vals {
		args = append(args, v)
	}
	sets := make([]string, len(c.table.vals))
	for i, v := range c.table.vals {
		if mysql {
			sets[i] = fmt.Sprintf("%[1]s = %[1]s + VALUES(%[1]s)", v)
		} else {
			sets[i] = fmt.Sprintf("%[1]s = %[1]s + excluded.%[1]s", v)
		}
	}
	q := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", c.table.name, strings.Join(cols, ", "),
		strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", "))
	if mysql {
		return q + " ON DUPLICATE KEY UPDATE " + strings.Join(sets, ", "), args
	}
	return q + " ON CONFLICT (" + strings.Join(c.table.keys, ", ") + ") DO UPDATE SET " + strings.Join(sets, ", "), args
}

// applyRollups moves ticket old to new in the rollups, inside tx.
func (s *Store) applyRollups(tx *gorm.DB, old, new *ticketRow) error {
	for _, c := range rollupDiff(old, new) {
		q, args := upsertSQL(c, s.mysql)
		if err := tx.Exec(q, args...).Error; err != nil {
			return fmt.Errorf("rollup %s: %w", c.table.name, err)
		}
	}
	return nil
}
