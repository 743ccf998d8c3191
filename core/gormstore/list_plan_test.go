package gormstore

// An internal test: it reads the query plans of the SQL that ListTickets and CountTickets
// really send, over a generated table, and fails on a full scan, on another index than the
// one planned, on a range of a merged list that reads table rows besides its index, or
// (MariaDB, whose ANALYZE runs the query) on a range that reads more rows than a page.

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
)

const (
	planTickets = 3000 // 3 workspaces × 5 statuses × 4 priorities, 7 assignees, 40 reporters
	planPage    = 10
)

// planDue is ticket n's next SLA due time, its first-response due time as the store keeps it
// beside the clock: none (core.NoDue) for half, else a time spread over a week.
func planDue(n int) time.Time {
	if d := planFirstDue(n); d != nil {
		return *d
	}
	return core.NoDue
}

func planFirstDue(n int) *time.Time {
	if n%2 == 0 {
		return nil
	}
	d := stamp(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(n*104729%10080) * time.Minute))
	return &d
}

// planCategory is ticket n's category: none for a third, else one of 1…6, each of one
// workspace as a real category is (category c belongs to workspace T((c-1)%3)).
func planCategory(n int) int {
	if (n/5)%3 == 2 {
		return 0
	}
	return 1 + n%3 + 3*((n/5)%3)
}

// genTickets inserts planTickets tickets straight into the table (the plan is what is
// tested, not CreateTicket) and refreshes the optimizer's statistics.
func genTickets(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	statuses, prios := core.Statuses(), core.Priorities()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const batch = 500
	for start := 0; start < planTickets; start += batch {
		var vals []string
		var args []any
		for n := start; n < start+batch; n++ {
			vals = append(vals, "(?, ?, ?, '', ?, ?, ?, '', ?, '', '', '', '', '', '', ?, ?, ?, ?, ?)")
			at := base.Add(time.Duration(n) * time.Minute)
			assignee := ""
			if n%3 != 0 {
				assignee = fmt.Sprintf("U%d", n%7)
			}
			args = append(args, fmt.Sprintf("slack:T%d", n%3), n+1, fmt.Sprintf("ticket %d about vpn", n),
				string(statuses[n/7%5]), string(prios[n/11%4]), fmt.Sprintf("R%d", n%40), assignee,
				at, at.Add(time.Duration(n*7919%planTickets)*time.Second), planCategory(n), planFirstDue(n), stamp(planDue(n)))
		}
		q := `INSERT INTO tickets (workspace, number, title, description, status, priority, reporter_id,
			reporter_name, assignee_id, assignee_name, origin_channel, thread_channel, thread_id, card_id,
			status_note, created_at, updated_at, category_id, sla_first_due, sla_next_due) VALUES ` + strings.Join(vals, ", ")
		if err := s.db.WithContext(ctx).Exec(q, args...).Error; err != nil {
			t.Fatalf("generate tickets: %v", err)
		}
	}
	analyze := "ANALYZE"
	if s.mysql {
		analyze = "ANALYZE TABLE tickets"
	}
	if err := s.db.WithContext(ctx).Exec(analyze).Error; err != nil {
		t.Fatalf("%s: %v", analyze, err)
	}
}

// planShape is one kind of list the API, dashboard and chat commands ask for.
type planShape struct {
	name string
	f    core.ListFilter
	// categoryBound: a category's tickets sorted by update, priority or due time are sorted
	// per range (its one index has the category and status only): the rows read are the
	// category's tickets of a status, not a page.
	categoryBound bool
}

// planShapes is every combination of workspace, person, status set and sort, on the first
// page and deep (a cursor half-way down).
func planShapes() []planShape {
	var out []planShape
	ws := core.Workspace{Platform: core.PlatformSlack, ExternalID: "T1"}
	deep := map[core.ListSort]core.ListCursor{
		core.SortCreated:  {ID: planTickets / 2},
		core.SortUpdated:  {ID: planTickets / 2, Updated: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)},
		core.SortPriority: {ID: planTickets / 2, Priority: core.PriorityNormal},
		core.SortDue:      {ID: planTickets / 2, Due: time.Date(2026, 2, 4, 0, 0, 0, 0, time.UTC)},
	}
	for _, w := range []core.Workspace{{}, ws} {
		for _, person := range []string{"", "reporter", "assignee", "unassigned", "both", "linked"} {
			for _, sts := range [][]core.Status{nil, {core.StatusOpen}, {core.StatusOpen, core.StatusInProgress, core.StatusWaiting}} {
				for _, sort := range core.ListSorts() {
					for _, page := range []string{"first", "deep", "urgent"} {
						f := core.ListFilter{Workspace: w, Statuses: sts, Sort: sort, Limit: planPage}
						switch person {
						case "reporter":
							f.Reporter = "R3"
						case "assignee":
							f.Assignee = "U2"
						case "unassigned":
							f.Unassigned = true
						case "both":
							f.Reporter, f.Assignee = "R3", "U3"
						case "linked": // one person's linked identities: a range each
							f.Assignee, f.Assignees = "U2", []string{"U3", "web:u1"}
						}
						switch page {
						case "deep":
							f.After = deep[sort]
						case "urgent": // a priority filter, deep
							f.After = deep[sort]
							f.After.Priority = core.PriorityUrgent
							f.Priorities = []core.Priority{core.PriorityUrgent, core.PriorityHigh}
						}
						out = append(out, planShape{
							name: fmt.Sprintf("ws=%v/%s/statuses=%d/%s/%s", !w.IsZero(), person, len(sts), sort, page),
							f:    f,
						})
					}
				}
			}
		}
	}
	// A category's tickets (with or without a person, in a workspace or not), each sort.
	for _, sts := range [][]core.Status{nil, {core.StatusOpen}} {
		for _, sort := range core.ListSorts() {
			for _, page := range []string{"first", "deep"} {
				for _, person := range []string{"", "reporter"} {
					f := core.ListFilter{Workspace: ws, Category: 2, Statuses: sts, Sort: sort, Limit: planPage}
					if page == "deep" {
						f.After = deep[sort]
					}
					if person == "reporter" {
						f.Workspace, f.Reporter = core.Workspace{}, "R3"
					}
					out = append(out, planShape{
						name: fmt.Sprintf("category/%s/statuses=%d/%s/%s", person, len(sts), sort, page), f: f,
						categoryBound: sort != core.SortCreated || person != "",
					})
				}
			}
		}
	}
	out = append(out, planShape{name: "priority filter sorted by priority",
		f: core.ListFilter{Workspace: ws, Sort: core.SortPriority, Priorities: []core.Priority{core.PriorityUrgent}, Limit: planPage}})
	return out
}

func TestListPlansMariaDB(t *testing.T) {
	s := openPlanStore(t, coretest.MySQLURL(t))
	genTickets(t, s)
	for _, sh := range planShapes() {
		t.Run(sh.name, func(t *testing.T) {
			index := listIndex(sh.f)
			for _, st := range planList(sh.f).stages(sh.f.Sort) { // each statement ListTickets may send
				q, args := s.sql(st)
				rows := analyzeMySQL(t, s, q, args)
				// A merged list's ranges carry only the merge's keys, read from their index
				// alone — but a category's: its index has no workspace, which each row is
				// checked for.
				merged := len(st.ranges) > 1 && sh.f.Category == 0
				seen := 0
				for _, r := range rows {
					if r["table"] == nil || !strings.HasPrefix(fmt.Sprint(r["table"]), "tickets") {
						continue // the merge of the ranges (<derived…>, <union…>)
					}
					seen++
					if fmt.Sprint(r["type"]) == "ALL" || fmt.Sprint(r["key"]) != index {
						t.Errorf("range reads with type %v key %v, want the index %s", r["type"], r["key"], index)
					}
					extra := fmt.Sprint(r["Extra"])
					if sh.categoryBound {
						continue
					}
					if merged && !strings.Contains(extra, "Using index") {
						t.Errorf("range reads table rows (%s): a merged range must read only its index", extra)
					}
					if strings.Contains(extra, "filesort") {
						t.Errorf("range sorts (%s): it must read the index in order", extra)
					}
					if n := asFloat(r["r_rows"]); n > planPage+1 {
						t.Errorf("range read %v rows for a page of %d", n, planPage)
					}
				}
				if want := len(st.ranges); seen != want {
					t.Errorf("plan has %d reads of tickets, want %d (one per range)", seen, want)
				}
				if t.Failed() {
					t.Logf("%s\n%v", q, rows)
					return
				}
			}
		})
	}
	t.Run("counts", func(t *testing.T) {
		for _, f := range []core.ListFilter{{Assignee: "U2"}, {Workspace: core.Workspace{Platform: core.PlatformSlack, ExternalID: "T1"}, Reporter: "R3"}} {
			g := f
			g.Sort = core.SortCreated
			q := fmt.Sprintf("SELECT status, COUNT(*) FROM %s WHERE %s GROUP BY status", s.hinted("tickets", listIndex(g)), personWhere(f))
			for _, r := range analyzeMySQL(t, s, q, nil) {
				if fmt.Sprint(r["key"]) != listIndex(g) || !strings.Contains(fmt.Sprint(r["Extra"]), "Using index") {
					t.Errorf("count %+v: key %v extra %v, want a covering read of %s", f, r["key"], r["Extra"], listIndex(g))
				}
			}
		}
	})
}

func personWhere(f core.ListFilter) string {
	var w []string
	if !f.Workspace.IsZero() {
		w = append(w, fmt.Sprintf("workspace = '%s'", f.Workspace))
	}
	if f.Reporter != "" {
		w = append(w, fmt.Sprintf("reporter_id = '%s'", f.Reporter))
	}
	if f.Assignee != "" {
		w = append(w, fmt.Sprintf("assignee_id = '%s'", f.Assignee))
	}
	return strings.Join(w, " AND ")
}

func TestListPlansSQLite(t *testing.T) {
	s := openPlanStore(t, "sqlite://"+filepath.Join(t.TempDir(), "plans.db"))
	genTickets(t, s)
	search := regexp.MustCompile(`^SEARCH tickets USING (COVERING )?INDEX (\w+) \(`)
	for _, sh := range planShapes() {
		t.Run(sh.name, func(t *testing.T) {
			index := listIndex(sh.f)
			for _, st := range planList(sh.f).stages(sh.f.Sort) { // each statement ListTickets may send
				q, args := s.sql(st)
				var plan []struct {
					ID, Parent, Notused int
					Detail              string
				}
				if err := s.db.Raw("EXPLAIN QUERY PLAN "+q, args...).Scan(&plan).Error; err != nil {
					t.Fatalf("EXPLAIN QUERY PLAN: %v\n%s", err, q)
				}
				// A merged list's ranges carry only the merge's keys, read from their index
				// alone — but a category's: its index has no workspace, which each row is
				// checked for.
				merged := len(st.ranges) > 1 && sh.f.Category == 0
				seen := 0
				rangeNode := map[int]bool{} // the nodes that read a range
				for _, p := range plan {
					if strings.Contains(p.Detail, "tickets") {
						seen++
						rangeNode[p.Parent] = true
						m := search.FindStringSubmatch(p.Detail)
						if m == nil || m[2] != index {
							t.Errorf("range plan %q, want a SEARCH of %s", p.Detail, index)
						} else if merged && m[1] == "" {
							t.Errorf("range plan %q reads table rows: a merged range must read only its index", p.Detail)
						}
					}
				}
				// A range must read its index in order (stopping after a page); only the merge
				// of the ranges (a page each) and a person's ranges sorted by update or priority
				// may sort.
				for _, p := range plan {
					if strings.Contains(p.Detail, "TEMP B-TREE") && rangeNode[p.Parent] && !sh.categoryBound {
						t.Errorf("a range sorts: %q", p.Detail)
					}
				}
				if want := len(st.ranges); seen != want {
					t.Errorf("plan has %d reads of tickets, want %d", seen, want)
				}
				if t.Failed() {
					t.Logf("%s\n%v", q, plan)
					return
				}
			}
		})
	}
}

func openPlanStore(t *testing.T, url string) *Store {
	t.Helper()
	s, err := Open(context.Background(), url, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return s
}

// analyzeMySQL runs ANALYZE (the query, executed, with the rows each step really read) and
// returns its rows by column.
func analyzeMySQL(t *testing.T, s *Store, q string, args []any) []map[string]any {
	t.Helper()
	rows, err := s.db.Raw("ANALYZE "+q, args...).Rows()
	if err != nil {
		t.Fatalf("ANALYZE: %v\n%s", err, q)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []map[string]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		m := map[string]any{}
		for i, c := range cols {
			if b, ok := vals[i].([]byte); ok {
				m[c] = string(b)
			} else {
				m[c] = vals[i]
			}
		}
		out = append(out, m)
	}
	return out
}

func asFloat(v any) float64 {
	var f float64
	fmt.Sscan(fmt.Sprint(v), &f)
	return f
}

// searchShapes are searches with and without filters, first page and after a cursor.
func searchShapes() []core.ListFilter {
	ws := core.Workspace{Platform: core.PlatformSlack, ExternalID: "T1"}
	return []core.ListFilter{
		{Query: "vpn", Limit: planPage},
		{Query: "ticket vpn", Workspace: ws, Statuses: []core.Status{core.StatusOpen}, Limit: planPage, Internal: true},
		{Query: "vpn", Reporter: "R3", Limit: planPage, After: core.ListCursor{ID: 100, Score: 0.5}},
		{Query: "vpn", Workspace: ws, Category: 2, Limit: planPage},
	}
}

// TestSearchPlans: a search reads the full-text indexes (never a scan of tickets or
// messages) and fetches each hit's ticket by its primary key.
func TestSearchPlans(t *testing.T) {
	t.Run("mariadb", func(t *testing.T) {
		s := openPlanStore(t, coretest.MySQLURL(t))
		genTickets(t, s)
		for _, f := range searchShapes() {
			q, args := s.searchSQL(f, core.SearchTerms(f.Query))
			for _, r := range analyzeMySQL(t, s, q, args) {
				table, typ := fmt.Sprint(r["table"]), fmt.Sprint(r["type"])
				switch {
				case table == "tickets" || table == "m" || table == "a":
					if typ != "fulltext" {
						t.Errorf("%+v: %s read with %s, want its FULLTEXT index", f, table, typ)
					}
				case table == "t":
					if typ != "eq_ref" {
						t.Errorf("%+v: hits' tickets read with %s, want eq_ref on the primary key", f, typ)
					}
				}
			}
		}
	})
	t.Run("sqlite", func(t *testing.T) {
		s := openPlanStore(t, "sqlite://"+filepath.Join(t.TempDir(), "plans.db"))
		genTickets(t, s)
		for _, f := range searchShapes() {
			q, args := s.searchSQL(f, core.SearchTerms(f.Query))
			var plan []struct {
				ID, Parent, Notused int
				Detail              string
			}
			if err := s.db.Raw("EXPLAIN QUERY PLAN "+q, args...).Scan(&plan).Error; err != nil {
				t.Fatalf("EXPLAIN QUERY PLAN: %v\n%s", err, q)
			}
			fts := 0
			for _, p := range plan {
				switch {
				case strings.Contains(p.Detail, "VIRTUAL TABLE INDEX"):
					fts++
				case strings.HasPrefix(p.Detail, "SCAN t ") || p.Detail == "SCAN t" || strings.HasPrefix(p.Detail, "SCAN m") || strings.HasPrefix(p.Detail, "SCAN a"):
					t.Errorf("%+v: %q, want a full-text read", f, p.Detail)
				}
			}
			if fts != 3 {
				t.Errorf("%+v: %d full-text reads, want 3 (tickets_fts, answers_fts, messages_fts)\n%v", f, fts, plan)
			}
		}
	})
}
