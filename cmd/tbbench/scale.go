package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/gormstore"
)

// Scale benchmark shape (issue 14): a database of scaleTickets tickets (one message each by
// default, -scale-messages 5 for 5M) generated inside MariaDB with INSERT … SELECT from a sequence, its secondary and
// full-text indexes built after the rows (one sorted build instead of millions of inserts);
// -scale-tickets 10000000 is the 10M variant.
//
//	list_filtered_p99_ms: ListTickets of the list shapes (issue 14 item 1) at pages 1, 100
//	and 1,000 (25 a page, the cursor of the page before), beside list_baseline_p99_ms, the
//	same pages read by primary key alone.
//	search_rare_p99_ms, search_common_p99_ms, search_two_common_p99_ms: SearchTickets of a
//	word in 10 tickets in a million, of a word in every ticket, and of two such words,
//	beside search_baseline_p99_ms, one MATCH of the rare word with LIMIT.
var (
	scaleTickets  = flag.Int("scale-tickets", 1_000_000, "tickets the scale suite generates (10000000 for the 10M variant)")
	scaleMessages = flag.Int("scale-messages", 1, "messages per ticket the scale suite generates (5 for issue 14's 5M messages: about 13 minutes more to index on 2 cores)")
)

const (
	scalePage     = 25
	scaleRepeats  = 20
	searchRepeats = 5 // a common word's search may take its whole budget
	scaleRare     = "zebrafinch"
)

func runScale(ctx context.Context, e *env) error {
	dbURL, err := e.freshDatabase(ctx)
	if err != nil {
		return err
	}
	st, err := e.openStore(ctx, dbURL)
	if err != nil {
		return err
	}
	db, err := e.openRaw(dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	if err := scaleSeed(ctx, db, *scaleTickets, *scaleMessages); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "tbbench: scale: %d tickets and %d messages generated and indexed in %v\n",
		*scaleTickets, *scaleTickets**scaleMessages, time.Since(start).Round(time.Second))
	if err := scaleLists(ctx, db, st); err != nil {
		return err
	}
	return scaleSearch(ctx, db, st)
}

// scaleSeed fills tickets, ticket_counts, workspace_counters and ticket_messages.
func scaleSeed(ctx context.Context, db *sql.DB, n, perTicket int) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	exec := func(q string, args ...any) error {
		if _, err := conn.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("scale seed: %w\n%s", err, q)
		}
		return nil
	}
	rebuild := map[string][]string{}
	for _, table := range []string{"tickets", "ticket_messages"} {
		adds, drops, err := secondaryIndexes(ctx, conn, table)
		if err != nil {
			return err
		}
		rebuild[table] = adds
		for _, d := range drops {
			if err := exec("ALTER TABLE " + table + " DROP INDEX " + d); err != nil {
				return err
			}
		}
	}
	if err := exec("SET SESSION foreign_key_checks = 0, unique_checks = 0"); err != nil {
		return err
	}
	const chunk = 500_000 // one statement per chunk keeps each transaction's undo small
	for from := 0; from < n; from += chunk {
		to := min(from+chunk, n)
		if err := exec(fmt.Sprintf(`INSERT INTO tickets (id, workspace, number, title, description, status, priority,
			reporter_id, reporter_name, assignee_id, assignee_name, origin_channel, thread_channel, thread_id, card_id,
			status_note, created_at, updated_at)
			SELECT seq, CONCAT('slack:TS', seq %% 3), seq,
			  CONCAT('Printer ', seq, ' jams on floor ', seq %% 9, IF(seq %% 100000 = 7, ' %s', '')),
			  'The printer on floor 3 jams on every job since the firmware update.',
			  ELT(1 + seq %% 6, 'open', 'in_progress', 'waiting', 'resolved', 'closed', 'closed'),
			  ELT(1 + seq %% 5, 'low', 'normal', 'normal', 'high', 'urgent'),
			  CONCAT('U', seq %% 5000), 'someone', IF(seq %% 3 = 0, CONCAT('A', seq %% 40), ''), '',
			  'C01', 'C01', '', '', '',
			  TIMESTAMP('2025-01-01') + INTERVAL seq SECOND,
			  TIMESTAMP('2025-01-01') + INTERVAL ((seq * 7919) %% %d) SECOND
			FROM seq_%d_to_%d`, scaleRare, n, from+1, to)); err != nil {
			return err
		}
	}
	if err := exec(`INSERT INTO ticket_counts (workspace, status, priority, n)
		SELECT workspace, status, priority, COUNT(*) FROM tickets GROUP BY workspace, status, priority`); err != nil {
		return err
	}
	if err := exec(`INSERT INTO workspace_counters (workspace, last_number) SELECT workspace, MAX(number) FROM tickets GROUP BY workspace`); err != nil {
		return err
	}
	words := []string{"restarted", "toner", "driver", "queue", "firmware"}
	m := n * perTicket
	for from := 0; from < m; from += chunk {
		to := min(from+chunk, m)
		if err := exec(fmt.Sprintf(`INSERT INTO ticket_messages (id, ticket_id, external_id, author_id, author_name, content,
			attachments, source, edited, deleted, internal, place_id, created_at, updated_at)
			SELECT seq, 1 + (seq - 1) DIV %d, CONCAT('m', seq), 'U1', 'someone',
			  CONCAT('I ', ELT(1 + seq %% 5, '%s'), ' the printer ', seq, ' and it still jams', IF(seq %% 500000 = 11, ' %s', '')),
			  '[]', 'slack', 0, 0, seq %% 7 = 0, 0,
			  TIMESTAMP('2025-01-01') + INTERVAL seq SECOND, TIMESTAMP('2025-01-01') + INTERVAL seq SECOND
			FROM seq_%d_to_%d`, perTicket, strings.Join(words, "', '"), scaleRare, from+1, to)); err != nil {
			return err
		}
	}
	for _, table := range []string{"tickets", "ticket_messages"} {
		for _, add := range rebuild[table] {
			if err := exec("ALTER TABLE " + table + " " + add); err != nil {
				return err
			}
		}
		if err := exec("ANALYZE TABLE " + table); err != nil {
			return err
		}
	}
	return nil
}

// secondaryIndexes reads table's secondary indexes (the primary key and the indexes a
// foreign key needs stay): the ADD clauses that rebuild them (every plain and unique one in
// one ALTER, each FULLTEXT in its own: InnoDB builds one at a time) and their names.
func secondaryIndexes(ctx context.Context, conn *sql.Conn, table string) (adds, names []string, err error) {
	rows, err := conn.QueryContext(ctx, `SELECT INDEX_NAME, NON_UNIQUE, INDEX_TYPE, GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX)
		FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME <> 'PRIMARY'
		GROUP BY INDEX_NAME, NON_UNIQUE, INDEX_TYPE ORDER BY INDEX_NAME`, table)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var plain []string
	for rows.Next() {
		var name, typ, cols string
		var nonUnique int
		if err := rows.Scan(&name, &nonUnique, &typ, &cols); err != nil {
			return nil, nil, err
		}
		if strings.HasPrefix(name, "ux_ticket_messages_ticket") {
			continue // the foreign key's index
		}
		names = append(names, name)
		switch {
		case typ == "FULLTEXT":
			adds = append(adds, fmt.Sprintf("ADD FULLTEXT INDEX %s (%s)", name, cols))
		case nonUnique == 0:
			plain = append(plain, fmt.Sprintf("ADD UNIQUE INDEX %s (%s)", name, cols))
		default:
			plain = append(plain, fmt.Sprintf("ADD INDEX %s (%s)", name, cols))
		}
	}
	if len(plain) > 0 {
		adds = append([]string{strings.Join(plain, ", ")}, adds...)
	}
	return adds, names, rows.Err()
}

// scaleShape is one list of the scale benchmark.
type scaleShape struct {
	name string
	f    core.ListFilter
}

func scaleShapes() []scaleShape {
	ws := core.Workspace{Platform: core.PlatformSlack, ExternalID: "TS1"}
	active := []core.Status{core.StatusOpen, core.StatusInProgress, core.StatusWaiting}
	return []scaleShape{
		{"workspace", core.ListFilter{Workspace: ws}},
		{"workspace+open", core.ListFilter{Workspace: ws, Statuses: []core.Status{core.StatusOpen}}},
		{"workspace+active by updated", core.ListFilter{Workspace: ws, Statuses: active, Sort: core.SortUpdated}},
		{"workspace+active by priority", core.ListFilter{Workspace: ws, Statuses: active, Sort: core.SortPriority}},
		{"status only", core.ListFilter{Statuses: []core.Status{core.StatusWaiting}}},
		{"urgent, by created", core.ListFilter{Workspace: ws, Priorities: []core.Priority{core.PriorityUrgent}}},
		{"assignee by priority", core.ListFilter{Assignee: "A3", Sort: core.SortPriority}},
		{"assignee+active by updated", core.ListFilter{Workspace: ws, Assignee: "A3", Statuses: active, Sort: core.SortUpdated}},
		{"reporter by updated", core.ListFilter{Reporter: "U3", Sort: core.SortUpdated}},
		{"reporter+assignee", core.ListFilter{Reporter: "U3", Assignee: "A3"}},
	}
}

// scaleLists times every shape at pages 1, 100 and 1,000 (those it has) and the baseline.
func scaleLists(ctx context.Context, db *sql.DB, st *gormstore.Store) error {
	var lat, base []time.Duration
	timed := func(into *[]time.Duration, f func() error) error {
		for range scaleRepeats {
			t0 := time.Now()
			if err := f(); err != nil {
				return err
			}
			*into = append(*into, time.Since(t0))
		}
		return nil
	}
	for _, sh := range scaleShapes() {
		f := sh.f
		f.Limit = scalePage
		var shapeLat []time.Duration
		for page := 1; page <= 1000; page++ {
			if page == 1 || page == 100 || page == 1000 {
				if err := timed(&shapeLat, func() error { _, err := st.ListTickets(ctx, f); return err }); err != nil {
					return fmt.Errorf("list %s: %w", sh.name, err)
				}
			}
			ts, err := st.ListTickets(ctx, f)
			if err != nil {
				return fmt.Errorf("list %s: %w", sh.name, err)
			}
			if len(ts) < scalePage {
				break
			}
			last := ts[len(ts)-1]
			f.After = core.ListCursor{ID: last.ID, Updated: last.UpdatedAt, Priority: last.Priority}
		}
		slices.Sort(shapeLat)
		fmt.Fprintf(os.Stderr, "tbbench: scale list %-28s p50 %6.2f ms, p99 %6.2f ms\n", sh.name, ms(shapeLat[len(shapeLat)/2]), ms(shapeLat[len(shapeLat)*99/100]))
		lat = append(lat, shapeLat...)
	}
	for _, depth := range []int{0, 99 * scalePage, 999 * scalePage} {
		after := *scaleTickets - depth
		if err := timed(&base, func() error {
			rows, err := db.QueryContext(ctx, `SELECT * FROM tickets WHERE id <= ? ORDER BY id DESC LIMIT ?`, after, scalePage)
			if err != nil {
				return err
			}
			for rows.Next() {
			}
			return rows.Close()
		}); err != nil {
			return fmt.Errorf("list baseline: %w", err)
		}
	}
	slices.Sort(lat)
	slices.Sort(base)
	report("list_filtered_p99_ms", ms(lat[len(lat)*99/100]), "ms")
	report("list_baseline_p99_ms", ms(base[len(base)*99/100]), "ms")
	return nil
}

// scaleSearch times searches of a rare word, a common word and two common words.
func scaleSearch(ctx context.Context, db *sql.DB, st *gormstore.Store) error {
	p99 := func(q string) (float64, int, error) {
		var lat []time.Duration
		hits := 0
		for range searchRepeats {
			t0 := time.Now()
			hs, err := st.SearchTickets(ctx, core.ListFilter{Query: q, Limit: scalePage, Internal: true})
			if err != nil {
				return 0, 0, fmt.Errorf("search %q: %w", q, err)
			}
			lat = append(lat, time.Since(t0))
			hits = len(hs)
		}
		slices.Sort(lat)
		return ms(lat[len(lat)*99/100]), hits, nil
	}
	for _, c := range []struct{ name, q string }{
		{"search_rare_p99_ms", scaleRare}, {"search_common_p99_ms", "printer"}, {"search_two_common_p99_ms", "printer jams"},
	} {
		v, hits, err := p99(c.q)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "tbbench: scale %s %q: %d hits on the first page\n", c.name, c.q, hits)
		report(c.name, v, "ms")
	}
	// The baselines: one MATCH of the word over tickets' text with LIMIT and no ranking —
	// the least the engine does to find a page of matches.
	for _, c := range []struct{ name, word string }{{"search_baseline_p99_ms", scaleRare}, {"search_common_baseline_p99_ms", "printer"}} {
		var lat []time.Duration
		for range searchRepeats {
			t0 := time.Now()
			rows, err := db.QueryContext(ctx, `SELECT id FROM tickets WHERE MATCH(title, description) AGAINST (? IN BOOLEAN MODE) LIMIT ?`, "+"+c.word+"*", scalePage)
			if err != nil {
				return fmt.Errorf("search baseline: %w", err)
			}
			for rows.Next() {
			}
			rows.Close()
			lat = append(lat, time.Since(t0))
		}
		slices.Sort(lat)
		report(c.name, ms(lat[len(lat)*99/100]), "ms")
	}
	return nil
}
