package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// reportTickets is how many tickets the reports suite seeds over one year
// (TICKETBOT_BENCH_REPORT_TICKETS overrides it, e.g. for a quick run).
const reportTickets = 1_000_000

// runReports seeds a year of tickets in one workspace (see reportsSeed) and measures the
// slowest report, GET /api/v1/stats's core.Service.Stats over the whole year for the
// workspace and for every workspace (a global account's view), beside a plain COUNT(*) of the
// same range measured in the same run.
func runReports(ctx context.Context, e *env) error {
	n := reportTickets
	if v, err := strconv.Atoi(os.Getenv("TICKETBOT_BENCH_REPORT_TICKETS")); err == nil && v > 0 {
		n = v
	}
	url, err := e.freshDatabase(ctx)
	if err != nil {
		return err
	}
	sk, err := e.newStack(ctx, url)
	if err != nil {
		return err
	}
	ws := core.Workspace{Platform: core.PlatformSlack, ExternalID: "TBENCHREPORT"}
	db, err := e.openRaw(url)
	if err != nil {
		return err
	}
	defer db.Close()
	from := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	to := from.Add(365 * 24 * time.Hour)
	seedStart := time.Now()
	if err := reportsSeed(ctx, db, ws, n, from); err != nil {
		return err
	}
	report("report_seed_tickets", float64(n), "tickets")
	report("report_seed_s", time.Since(seedStart).Seconds(), "s")
	// The seed writes tickets around the store, so the rollups come from the store's own
	// backfill (the one migration 202612040013_rollups runs), timed as a rebuild would be.
	rebuildStart := time.Now()
	if err := sk.store.RebuildReports(ctx); err != nil {
		return err
	}
	report("report_rollup_rebuild_s", time.Since(rebuildStart).Seconds(), "s")
	for _, t := range []string{"report_opened", "report_closed", "report_csat", "report_times"} {
		var rows int64
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+t).Scan(&rows); err != nil {
			return err
		}
		report(t+"_rows", float64(rows), "rows")
	}
	staff := core.Actor{User: core.UserRef{ID: "S1"}, Role: core.RoleStaff}
	runs := 7 // TICKETBOT_BENCH_REPORT_RUNS overrides it: at a million tickets one run takes a while
	if v, err := strconv.Atoi(os.Getenv("TICKETBOT_BENCH_REPORT_RUNS")); err == nil && v > 0 {
		runs = v
	}
	var slowest time.Duration
	for _, v := range []struct {
		name string
		ws   core.Workspace
	}{{"workspace", ws}, {"all", core.Workspace{}}} {
		r, err := measure(ctx, runs, 1, func(ctx context.Context, _ int) error {
			st, err := sk.svc.Stats(ctx, staff, v.ws, from, to)
			if err == nil && (len(st.Days) != 365 || st.Resolution.Count == 0 || st.CSAT.Rated == 0 || len(st.BacklogDays) != 365) {
				err = fmt.Errorf("incomplete figures: %d days, %d resolutions, %d ratings", len(st.Days), st.Resolution.Count, st.CSAT.Rated)
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("report %s: %w", v.name, err)
		}
		report("report_"+v.name+"_p99_ms", ms(r.p99), "ms")
		slowest = max(slowest, r.p99)
	}
	b, err := measure(ctx, runs, 1, func(ctx context.Context, _ int) error {
		var c int64
		return db.QueryRowContext(ctx, "SELECT COUNT(*) FROM tickets WHERE workspace = ? AND created_at >= ? AND created_at < ?",
			ws.String(), from, to).Scan(&c)
	})
	if err != nil {
		return fmt.Errorf("report baseline: %w", err)
	}
	report("report_p99_ms", ms(slowest), "ms")
	report("report_count_baseline_p99_ms", ms(b.p99), "ms")
	return nil
}

// reportsSeed writes n tickets of ws over the year from from with INSERT … SELECT over
// MariaDB's sequence engine, the secondary indexes dropped during the load and rebuilt after
// it (one sorted build each instead of n inserts), then ticket_counts and ticket_status_days
// from the rows (runReports rebuilds the report rollups through the store). Ticket i opens at from + i*step; every
// third is assigned to one of 40 agents; statuses cycle open, in progress, waiting, resolved,
// closed, closed; the resolved and closed ones were resolved within a day, and the closed
// ones were asked for a rating that two in three gave (1-5); every ticket had a 1 h
// first-response and 8 h resolution target and was answered within two hours.
func reportsSeed(ctx context.Context, db *sql.DB, ws core.Workspace, n int, from time.Time) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	exec := func(q string, args ...any) error {
		if _, err := conn.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("reports seed: %w\n%s", err, q)
		}
		return nil
	}
	adds, drops, err := secondaryIndexes(ctx, conn, "tickets")
	if err != nil {
		return err
	}
	for _, d := range drops {
		if err := exec("ALTER TABLE tickets DROP INDEX " + d); err != nil {
			return err
		}
	}
	if err := exec("SET SESSION foreign_key_checks = 0, unique_checks = 0"); err != nil {
		return err
	}
	step := int((365 * 24 * time.Hour / time.Second) / time.Duration(n)) // seconds between tickets
	start := from.Format("2006-01-02 15:04:05")
	const chunk = 250_000 // one statement per chunk keeps each transaction's undo small
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n) - 1
		if err := exec(fmt.Sprintf(`INSERT INTO tickets (workspace, number, title, description, status, priority, reporter_id,
  reporter_name, assignee_id, assignee_name, origin_channel, thread_channel, thread_id, card_id, status_note,
  created_at, updated_at, status_changed_at, first_response_at, response_secs, resolved_at, resolution_secs,
  csat_asked_at, rating, sla_first_due, sla_resolve_due, sla_next_due)
SELECT ?, s.seq + 1, CONCAT('Seeded ticket ', s.seq), '', ELT(1 + s.seq %% 6, 'open','in_progress','waiting','resolved','closed','closed'),
  ELT(1 + s.seq %% 4, 'low','normal','high','urgent'), CONCAT('U', s.seq %% 500), 'user', IF(s.seq %% 3 = 0, CONCAT('A', s.seq %% 40), ''), '',
  'C01', 'C01', CONCAT('t', s.seq), CONCAT('t', s.seq), '',
  TIMESTAMP(?) + INTERVAL (s.seq * %[1]d) SECOND, TIMESTAMP(?) + INTERVAL (s.seq * %[1]d) SECOND, TIMESTAMP(?) + INTERVAL (s.seq * %[1]d) SECOND,
  TIMESTAMP(?) + INTERVAL (s.seq * %[1]d + s.seq %% 7200) SECOND, s.seq %% 7200,
  IF(s.seq %% 6 >= 3, TIMESTAMP(?) + INTERVAL (s.seq * %[1]d + s.seq %% 86400) SECOND, NULL), IF(s.seq %% 6 >= 3, (s.seq * 7919) %% 86400, 0),
  IF(s.seq %% 6 >= 4, TIMESTAMP(?) + INTERVAL (s.seq * %[1]d + s.seq %% 86400) SECOND, NULL), IF(s.seq %% 6 >= 4 AND s.seq %% 3 <> 0, 1 + s.seq %% 5, 0),
  TIMESTAMP(?) + INTERVAL (s.seq * %[1]d + 3600) SECOND, TIMESTAMP(?) + INTERVAL (s.seq * %[1]d + 28800) SECOND,
  IF(s.seq %% 6 >= 3, '9999-12-31', TIMESTAMP(?) + INTERVAL (s.seq * %[1]d + 28800) SECOND)
FROM seq_%[2]d_to_%[3]d AS s`, step, lo, hi), ws.String(), start, start, start, start, start, start, start, start, start); err != nil {
			return err
		}
	}
	if len(adds) > 0 {
		for _, add := range adds {
			if err := exec("ALTER TABLE tickets " + add); err != nil {
				return err
			}
		}
	}
	for _, q := range []string{
		`INSERT INTO ticket_counts (workspace, status, priority, n)
		  SELECT workspace, status, priority, COUNT(*) FROM tickets GROUP BY workspace, status, priority`,
		`INSERT INTO workspace_counters (workspace, last_number) SELECT workspace, MAX(number) FROM tickets GROUP BY workspace`,
		`INSERT INTO ticket_status_days (workspace, day, status, n)
		  SELECT workspace, DATE_FORMAT(created_at, '%Y-%m-%d'), status, COUNT(*) FROM tickets GROUP BY 1, 2, 3`,
		"ANALYZE TABLE tickets",
	} {
		if err := exec(q); err != nil {
			return err
		}
	}
	return nil
}
