package gormstore

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/ticketbot/ticketbot/core"
)

// timeKinds are the histograms of report_times: their bucket precision and the ticket
// columns their look-ups read (the seconds, and when they were counted).
var timeKinds = map[string]struct {
	bits           uint
	secsCol, atCol string
	perAssignee    bool
}{
	timeFirst:         {coarseBits, "response_secs", "first_response_at", true},
	timeFirstAll:      {fineBits, "response_secs", "first_response_at", false},
	timeResolution:    {coarseBits, "resolution_secs", "resolved_at", true},
	timeResolutionAll: {fineBits, "resolution_secs", "resolved_at", false},
}

// periods is the condition on report_times picking the range's rows: the whole months in it
// at grainMonth, the days before and after them at grainDay (empty ranges left out, which
// helps the planner).
func (r statsReader) periods() (string, []any) {
	first, _ := time.Parse(time.DateOnly, r.first)
	end, _ := time.Parse(time.DateOnly, r.end)
	m1 := time.Date(first.Year(), first.Month(), 1, 0, 0, 0, 0, time.UTC)
	if m1.Before(first) {
		m1 = m1.AddDate(0, 1, 0)
	}
	m2 := time.Date(end.Year(), end.Month(), 1, 0, 0, 0, 0, time.UTC)
	if !m1.Before(m2) {
		return "grain = ? AND period >= ? AND period < ?", []any{grainDay, r.first, r.end}
	}
	conds, args := []string{"(grain = ? AND period >= ? AND period < ?)"}, []any{grainMonth, monthOf(m1), monthOf(m2)}
	for _, d := range [][2]string{{r.first, dayOf(m1)}, {dayOf(m2), r.end}} {
		if d[0] < d[1] {
			conds, args = append(conds, "(grain = ? AND period >= ? AND period < ?)"), append(args, grainDay, d[0], d[1])
		}
	}
	return strings.Join(conds, " OR "), args
}

// timeStats computes every kind's TimeStats per assignee (the every-assignee kinds under "")
// exactly: it sums the range's histograms (one grouped read of report_times), finds the bucket
// holding each rank core.PercentileRank names, and picks the value at that rank inside the
// bucket with one look-up of the tickets whose seconds fall in it and that were counted in
// the range, in order of seconds (one statement for all of them, see unionAll).
func (r statsReader) timeStats() (map[string]map[string]core.TimeStats, error) {
	type histRow struct {
		Kind, AssigneeID string
		Bucket, N        int64
	}
	var rows []histRow
	cond, args := r.periods()
	q := r.tx.Table("report_times")
	if !r.ws.IsZero() {
		q = q.Where("workspace = ?", r.ws.String())
	}
	if err := q.Where("kind IN ?", slices.Sorted(maps.Keys(timeKinds))).Where(cond, args...).
		Select("kind, assignee_id, bucket, SUM(n) AS n").Group("kind, assignee_id, bucket").Scan(&rows).Error; err != nil {
		return nil, err
	}
	type group struct{ kind, assignee string }
	hist := map[group][]histRow{}
	for _, x := range rows {
		if x.N != 0 {
			g := group{x.Kind, x.AssigneeID}
			hist[g] = append(hist[g], x)
		}
	}
	out := map[string]map[string]core.TimeStats{}
	for k := range timeKinds {
		out[k] = map[string]core.TimeStats{}
	}
	// A target is one value to look up: the off-th (0-based) smallest of group's seconds in
	// bucket; fills are the figures it is.
	type target struct {
		g      group
		bucket int64
		off    int64
	}
	var targets []target
	fills := map[target][]*time.Duration{}
	stats := map[group]*core.TimeStats{}
	for g, h := range hist {
		slices.SortFunc(h, func(a, b histRow) int { return cmp.Compare(a.Bucket, b.Bucket) })
		ts := &core.TimeStats{}
		for _, x := range h {
			ts.Count += x.N
		}
		stats[g] = ts
		for _, p := range []struct {
			pct int
			dst *time.Duration
		}{{core.PercentileMedian, &ts.Median}, {core.PercentileP90, &ts.P90}} {
			rank, below := core.PercentileRank(ts.Count, p.pct), int64(0)
			for _, x := range h {
				if below+x.N >= rank {
					t := target{g, x.Bucket, rank - below - 1}
					if _, ok := fills[t]; !ok {
						targets = append(targets, t)
					}
					fills[t] = append(fills[t], p.dst)
					break
				}
				below += x.N
			}
		}
	}
	slices.SortFunc(targets, func(a, b target) int {
		return cmp.Or(cmp.Compare(a.g.kind, b.g.kind), cmp.Compare(a.g.assignee, b.g.assignee), cmp.Compare(a.bucket, b.bucket), cmp.Compare(a.off, b.off))
	})
	parts := make([]unionPart, len(targets))
	for i, t := range targets {
		k := timeKinds[t.g.kind]
		lo, hi := bucketBounds(t.bucket, k.bits)
		where, args := []string{}, []any{i}
		if !r.ws.IsZero() {
			where, args = append(where, "workspace = ?"), append(args, r.ws.String())
		}
		if k.perAssignee {
			where, args = append(where, "assignee_id = ?"), append(args, t.g.assignee)
		}
		where = append(where, k.secsCol+" >= ?", k.secsCol+" < ?", k.atCol+" >= ?", k.atCol+" < ?")
		args = append(args, lo, hi, r.from, r.to)
		parts[i] = unionPart{fmt.Sprintf("SELECT ? AS tag, %s AS secs FROM tickets %s WHERE %s ORDER BY %[1]s LIMIT 1 OFFSET %[4]d",
			k.secsCol, r.lookupIndex(k.secsCol, k.perAssignee), strings.Join(where, " AND "), t.off), args}
	}
	type hit struct{ Tag, Secs int64 }
	hits, err := unionAll[hit](r.tx, parts)
	if err != nil {
		return nil, err
	}
	for _, h := range hits {
		for _, dst := range fills[targets[h.Tag]] {
			*dst = time.Duration(h.Secs) * time.Second
		}
	}
	for g, ts := range stats {
		out[g.kind][g.assignee] = *ts
	}
	return out, nil
}

// lookupIndex names the index (rollupTicketIndexes) a look-up of secsCol reads, for the
// planner: it would rather read an assignee's or a workspace's tickets through one of the
// list indexes and sort them.
func (r statsReader) lookupIndex(secsCol string, perAssignee bool) string {
	name := "ix_tickets_" + secsCol
	switch {
	case perAssignee:
		name = "ix_tickets_assignee_" + secsCol
	case !r.ws.IsZero():
		name = "ix_tickets_ws_" + secsCol
	}
	return r.index(name)
}

// index is the hint that has a read of tickets use the index name.
func (r statsReader) index(name string) string {
	if r.mysql {
		return "FORCE INDEX (" + name + ")"
	}
	return "INDEXED BY " + name
}

// unionPart is one SELECT of a unionAll, with its arguments.
type unionPart struct {
	sql  string
	args []any
}

// unionMax is how many parts one unionAll statement holds: a few hundred bound values.
const unionMax = 64

// unionAll runs parts, each a SELECT that may have its own ORDER BY and LIMIT, as few
// UNION ALL statements (each part wrapped as a derived table, which both SQLite and MySQL
// allow to be ordered and limited) and scans every row into one slice.
func unionAll[T any](tx *gorm.DB, parts []unionPart) ([]T, error) {
	var out []T
	for lo := 0; lo < len(parts); lo += unionMax {
		chunk := parts[lo:min(lo+unionMax, len(parts))]
		sqls := make([]string, len(chunk))
		var args []any
		for i, p := range chunk {
			sqls[i] = fmt.Sprintf("SELECT * FROM (%s) AS u%d", p.sql, i)
			args = append(args, p.args...)
		}
		var rows []T
		if err := tx.Raw(strings.Join(sqls, " UNION ALL "), args...).Scan(&rows).Error; err != nil {
			return nil, err
		}
		out = append(out, rows...)
	}
	return out, nil
}
