package gormstore

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/ticketbot/ticketbot/core"
)

// A list is planned as ranges: one per status the filter asks for (every status when it asks
// for none) and, sorted by priority, per status and priority. Each range is read in its sort
// order from an index that starts with the range's equality columns, so the database stops
// after a page of rows in each range, at any depth (the cursor is a keyset); the ranges are
// merged with UNION ALL and the merged rows sorted again (at most ranges × page rows). A
// merged range reads only its index (it carries the merge's keys), and only the page's rows
// are read from the table, by id; sorted by priority, the ranges of one priority are read
// at a time, the most urgent first, until the page is full (see stages). The
// index is named in the query (FORCE INDEX / INDEXED BY): with a workspace and a status
// MariaDB otherwise walks ix_tickets_ws_id and filters, reading every row of the workspace
// that the page skips.

// listRange is one SELECT of a list plan.
type listRange struct {
	index string
	where []string
	args  []any
	// priority is the one priority of a range of a plan split by priority ("" otherwise).
	priority core.Priority
}

// listPlan is the SQL of a list: its ranges, their order and the page size.
type listPlan struct {
	ranges []listRange
	order  string // ORDER BY of each range
	merge  string // ORDER BY of the merged ranges
	// keys are the columns merge orders by, which every range's index holds (but a
	// category's, see listIndex): a range reads only its index (a covering read), and only
	// the page's rows are read by id.
	keys  string
	limit int
}

// listIndex names the index a range of f reads: the equality columns (workspace, then
// reporter and/or assignee) lead, status follows, then priority when the ranges are split by
// priority (see byPriority), then the sort key.
//
// A category's tickets read ix_tickets_category_status_id (category ids are unique across
// workspaces): like a person's, sorted by update or priority they are the category's tickets
// of the status, sorted.
func listIndex(f core.ListFilter) string {
	if f.Category != 0 {
		return "ix_tickets_category_status_id"
	}
	var b strings.Builder
	b.WriteString("ix_tickets_")
	if !f.Workspace.IsZero() {
		b.WriteString("ws_")
	}
	reporter, assignee := f.Reporter != "", f.Assignee != "" || len(f.Assignees) > 0 || f.Unassigned
	if reporter {
		b.WriteString("reporter_")
	}
	if assignee {
		b.WriteString("assignee_")
	}
	b.WriteString("status_")
	if byPriority(f) {
		b.WriteString("priority_")
	}
	switch f.Sort {
	case core.SortUpdated:
		b.WriteString("updated")
	case core.SortDue:
		b.WriteString("due_id")
	default:
		b.WriteString("id")
	}
	return b.String()
}

// byPriority reports whether f's ranges are one per status and priority (read from an
// index with priority after status) rather than one per status: sorted by priority, or
// filtered by it; and sorted by SLA due, a person's (no person's index has the due time
// right after status) — except a reporter's tickets assigned to one assignee sorted by
// creation and not filtered by priority (their pair's index: few tickets a status).
// Filtered by priority, the pair's ranges are split too, so that each range reads only its
// index (a priority filter over the pair's index reads every ticket's row to test it).
func byPriority(f core.ListFilter) bool {
	assignee := f.Assignee != "" || len(f.Assignees) > 0 || f.Unassigned
	person := f.Reporter != "" || assignee
	switch {
	case f.Category != 0: // one index whatever the sort: ranges split only to merge by priority
		switch {
		case f.Reporter != "" && assignee, f.Sort == core.SortDue:
			return false
		case f.Sort == core.SortPriority:
			return true
		case f.Sort == core.SortUpdated && person:
			return false
		}
		return len(f.Priorities) > 0
	case f.Reporter != "" && assignee:
		return f.Sort != core.SortCreated || len(f.Priorities) > 0
	case f.Sort == core.SortPriority:
		return true
	case f.Sort == core.SortDue:
		return person || len(f.Priorities) > 0
	default:
		return len(f.Priorities) > 0
	}
}

// planList turns f into a listPlan.
func planList(f core.ListFilter) listPlan {
	limit := f.Limit
	if limit <= 0 {
		limit = defaultListLimit
	}
	limit = min(limit, maxListLimit)
	if f.Sort == "" {
		f.Sort = core.SortCreated // as the Service sends it: the same plan (and index) either way
	}
	var common []string
	var args []any
	if !f.Workspace.IsZero() {
		common, args = append(common, "workspace = ?"), append(args, f.Workspace.String())
	}
	if f.Reporter != "" {
		common, args = append(common, "reporter_id = ?"), append(args, f.Reporter)
	}
	people := core.AssigneeSet(f)
	if f.Unassigned {
		people = []string{""}
	}
	if f.Category != 0 {
		common, args = append(common, "category_id = ?"), append(args, f.Category)
	}
	statuses := uniqueIn(core.Statuses(), f.Statuses)
	priorities := uniqueIn(core.Priorities(), f.Priorities)
	slices.Reverse(priorities) // most urgent first
	p := listPlan{limit: limit, order: "id DESC", merge: "id DESC", keys: "id"}
	switch f.Sort {
	case core.SortPriority:
		p.merge, p.keys = priorityOrder()+" DESC, id DESC", "id, priority"
	case core.SortUpdated:
		p.order, p.merge, p.keys = "updated_at DESC, id DESC", "updated_at DESC, id DESC", "id, updated_at"
	case core.SortDue:
		p.order, p.merge, p.keys = "sla_next_due ASC, id ASC", "sla_next_due ASC, id ASC", "id, sla_next_due"
	}
	index := listIndex(f)
	split := byPriority(f)
	if f.Sort == core.SortPriority && !split {
		p.order = p.merge // a range of several priorities: sorted (a pair's few tickets)
	}
	for _, st := range statuses {
		base := listRange{index: index, where: append(append([]string(nil), common...), "status = ?"),
			args: append(append([]any(nil), args...), string(st))}
		if f.After.ID > 0 {
			switch f.Sort {
			case core.SortDue:
				d := stamp(f.After.Due)
				// As by update below: the leading bound is the index range read.
				base = base.and("sla_next_due >= ? AND (sla_next_due > ? OR id > ?)", d, d, f.After.ID)
			case core.SortUpdated:
				u := stamp(f.After.Updated)
				// The leading bound is what the index range reads (an OR alone lets SQLite
				// split the range in two and sort their union); the rest only skips the
				// rows of the cursor's instant at or above it.
				base = base.and("updated_at <= ? AND (updated_at < ? OR id < ?)", u, u, f.After.ID)
			case core.SortPriority: // per priority, below
			default:
				base = base.and("id < ?", f.After.ID)
			}
		}
		if !split {
			if f.Sort == core.SortPriority && f.After.ID > 0 {
				// The pair's index: the cursor's priority rank and id, as the merge orders.
				rank := priorityOrder()
				base = base.and("("+rank+" < ? OR ("+rank+" = ? AND id < ?))",
					f.After.Priority.Rank(), f.After.Priority.Rank(), f.After.ID)
			}
			if len(f.Priorities) > 0 {
				base = base.and("priority IN ?", priorityStrings(priorities))
			}
			p.ranges = append(p.ranges, base)
			continue
		}
		// Within a range the priority is one value: the range reads its index in the sort.
		for _, pr := range priorities {
			r := base.and("priority = ?", string(pr))
			r.priority = pr
			if f.Sort == core.SortPriority && f.After.ID > 0 {
				if pr.Rank() > f.After.Priority.Rank() {
					continue // listed on earlier pages
				}
				if pr == f.After.Priority {
					r = r.and("id < ?", f.After.ID)
				}
			}
			p.ranges = append(p.ranges, r)
		}
	}
	if len(people) > 0 {
		// One range per person: each reads its own part of the assignee index in order.
		var split []listRange
		for _, r := range p.ranges {
			for _, who := range people {
				split = append(split, r.and("assignee_id = ?", who))
			}
		}
		p.ranges = split
	}
	return p
}

func (r listRange) and(cond string, args ...any) listRange {
	return listRange{index: r.index, where: append(append([]string(nil), r.where...), cond),
		args: append(append([]any(nil), r.args...), args...), priority: r.priority}
}

// stages splits a list sorted by priority whose ranges are one per priority into one plan per
// priority, the most urgent first: ListTickets reads the next only while the page is not
// full. Merged, the page is the first limit rows of those plans one after the other (the
// rank orders before the id), and a page of urgent tickets reads only their ranges, not the
// index of every priority. Any other plan is its one stage.
func (p listPlan) stages(sort core.ListSort) []listPlan {
	if sort != core.SortPriority || len(p.ranges) == 0 || p.ranges[0].priority == "" {
		return []listPlan{p}
	}
	var out []listPlan
	for _, pr := range slices.Backward(core.Priorities()) {
		st := p
		st.ranges = nil
		for _, r := range p.ranges {
			if r.priority == pr {
				st.ranges = append(st.ranges, r)
			}
		}
		if len(st.ranges) > 0 {
			out = append(out, st)
		}
	}
	return out
}

// uniqueIn returns the members of all that want names (all of them when want is empty), in
// all's order and each once.
func uniqueIn[T comparable](all, want []T) []T {
	if len(want) == 0 {
		return slices.Clone(all)
	}
	var out []T
	for _, v := range all {
		if slices.Contains(want, v) {
			out = append(out, v)
		}
	}
	return out
}

func priorityStrings(ps []core.Priority) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = string(p)
	}
	return out
}

// priorityOrder is the SQL rank of the priority column, low 1 … urgent 4.
func priorityOrder() string {
	var b strings.Builder
	b.WriteString("CASE priority")
	for _, p := range core.Priorities() {
		fmt.Fprintf(&b, " WHEN '%s' THEN %d", p, p.Rank())
	}
	b.WriteString(" ELSE 0 END")
	return b.String()
}

// sql renders p for the store's dialect; an empty plan (a filter nothing can match) is "".
func (s *Store) sql(p listPlan) (string, []any) {
	if len(p.ranges) == 0 {
		return "", nil
	}
	one := func(r listRange, cols string) string {
		hint := " INDEXED BY " + r.index
		if s.mysql {
			hint = " FORCE INDEX (" + r.index + ")"
		}
		return fmt.Sprintf("SELECT %s FROM tickets%s WHERE %s ORDER BY %s LIMIT %d",
			cols, hint, strings.Join(r.where, " AND "), p.order, p.limit)
	}
	var args []any
	if len(p.ranges) == 1 {
		return one(p.ranges[0], "*"), p.ranges[0].args
	}
	// The ranges carry only the merge's keys, which their indexes hold: whole rows, with
	// their long texts, would be copied into every range's temporary table (on disk in
	// MariaDB, whose memory tables hold no TEXT), and a column outside the index would
	// read every range row's table row (ranges × page random reads on a cold cache, where
	// the page needs one per row). The page's rows are read by id after.
	parts := make([]string, len(p.ranges))
	for i, r := range p.ranges {
		parts[i] = fmt.Sprintf("SELECT * FROM (%s) AS r%d", one(r, p.keys), i)
		args = append(args, r.args...)
	}
	qualified := strings.NewReplacer("updated_at", "t.updated_at", "sla_next_due", "t.sla_next_due", "id DESC", "t.id DESC", "id ASC", "t.id ASC", "CASE priority", "CASE t.priority").Replace(p.merge)
	return fmt.Sprintf("SELECT t.* FROM (SELECT * FROM (%s) AS u ORDER BY %s LIMIT %d) AS pg JOIN tickets t ON t.id = pg.id ORDER BY %s",
		strings.Join(parts, " UNION ALL "), p.merge, p.limit, qualified), args
}

// ListTickets returns at most f.Limit (default 50, at most 200) tickets matching f in f.Sort's
// order; f.After continues after the cursor. Errors: unavailable, internal.
func (s *Store) ListTickets(ctx context.Context, f core.ListFilter) ([]core.Ticket, error) {
	const op = "gormstore.ListTickets"
	if f.Query != "" {
		hits, err := s.SearchTickets(ctx, f)
		out := make([]core.Ticket, len(hits)) // SearchTickets filled their answers
		for i, h := range hits {
			out[i] = h.Ticket
		}
		return out, err
	}
	p := planList(f)
	if len(p.ranges) == 0 {
		return nil, nil // nothing can match
	}
	stages := p.stages(f.Sort)
	db := s.db.WithContext(ctx)
	rows, err := s.readStages(db, stages[:1], p.limit)
	if err == nil && len(stages) > 1 && len(rows) < p.limit {
		// The page goes on to less urgent tickets: every stage again, in one snapshot
		// (REPEATABLE READ, SQLite's one connection), so that a ticket whose priority
		// changes between two statements is listed once, and the page is not short.
		err = db.Transaction(func(tx *gorm.DB) error {
			rows, err = s.readStages(tx, stages, p.limit)
			return err
		})
	}
	if err != nil {
		return nil, fail(op, err)
	}
	out := make([]core.Ticket, len(rows))
	for i, r := range rows {
		out[i] = r.core()
	}
	if err := s.fillAnswers(s.db.WithContext(ctx), out); err != nil {
		return nil, fail(op, err)
	}
	return out, nil
}

// readStages reads stages one after the other through db until limit rows.
func (s *Store) readStages(db *gorm.DB, stages []listPlan, limit int) ([]ticketRow, error) {
	var rows []ticketRow
	for _, st := range stages {
		st.limit = limit - len(rows)
		q, args := s.sql(st)
		var page []ticketRow
		if err := db.Raw(q, args...).Scan(&page).Error; err != nil {
			return nil, err
		}
		if rows = append(rows, page...); len(rows) >= limit {
			break
		}
	}
	return rows, nil
}

// CountTickets counts the tickets matching f's workspace, reporter, assignee, category and
// priorities per status: from ticket_counts when no person or category is named (a few rows
// per workspace), else by counting in the person's (or category's) index. Errors: unavailable, internal.
func (s *Store) CountTickets(ctx context.Context, f core.ListFilter) (core.StatusCounts, error) {
	const op = "gormstore.CountTickets"
	var q *gorm.DB
	people := core.AssigneeSet(f)
	if f.Unassigned {
		people = []string{""}
	}
	if f.Reporter == "" && len(people) == 0 && f.Category == 0 {
		q = s.db.WithContext(ctx).Table("ticket_counts").Select("status, SUM(n) AS n")
	} else {
		g := f
		g.Sort = core.SortCreated
		q = s.db.WithContext(ctx).Table(s.hinted("tickets", listIndex(g))).Select("status, COUNT(*) AS n")
		if f.Reporter != "" {
			q = q.Where("reporter_id = ?", f.Reporter)
		}
		if len(people) > 0 {
			q = q.Where("assignee_id IN ?", people)
		}
		if f.Category != 0 {
			q = q.Where("category_id = ?", f.Category)
		}
	}
	if !f.Workspace.IsZero() {
		q = q.Where("workspace = ?", f.Workspace.String())
	}
	if len(f.Priorities) > 0 {
		q = q.Where("priority IN ?", priorityStrings(f.Priorities))
	}
	var rows []struct {
		Status string
		N      int64
	}
	if err := q.Group("status").Scan(&rows).Error; err != nil {
		return nil, fail(op, err)
	}
	out := core.StatusCounts{}
	for _, st := range core.Statuses() {
		out[st] = 0
	}
	for _, r := range rows {
		out[core.Status(r.Status)] += r.N
	}
	return out, nil
}

// hinted is table with an index hint for the store's dialect.
func (s *Store) hinted(table, index string) string {
	if s.mysql {
		return table + " FORCE INDEX (" + index + ")"
	}
	return table + " INDEXED BY " + index
}

// countRow is a row of ticket_counts.
type countRow struct {
	Workspace string `gorm:"primaryKey"`
	Status    string `gorm:"primaryKey"`
	Priority  string `gorm:"primaryKey"`
	N         int64
}

func (countRow) TableName() string { return "ticket_counts" }

// recount moves one ticket of ws from (status, priority) old to new in ticket_counts, inside
// tx. The two rows are changed in key order, so two changes moving tickets in opposite
// directions do not deadlock.
func recount(tx *gorm.DB, ws string, old, new core.Ticket) error {
	type key struct{ st, pr string }
	from, to := key{string(old.Status), string(old.Priority)}, key{string(new.Status), string(new.Priority)}
	if from == to {
		return nil
	}
	steps := []struct {
		k key
		d int64
	}{{from, -1}, {to, 1}}
	if to.st < from.st || (to.st == from.st && to.pr < from.pr) {
		steps[0], steps[1] = steps[1], steps[0]
	}
	for _, st := range steps {
		if err := bumpCount(tx, ws, st.k.st, st.k.pr, st.d); err != nil {
			return err
		}
	}
	return nil
}

// bumpCount adds d to the count of (ws, status, priority), creating the row.
func bumpCount(tx *gorm.DB, ws, status, priority string, d int64) error {
	return tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "workspace"}, {Name: "status"}, {Name: "priority"}},
		DoUpdates: clause.Assignments(map[string]any{"n": gorm.Expr("n + ?", d)}),
	}).Create(&countRow{Workspace: ws, Status: status, Priority: priority, N: d}).Error
}
