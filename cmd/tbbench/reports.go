package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// reportTickets is how many tickets the reports suite seeds over one year
// (TICKETBOT_BENCH_REPORT_TICKETS overrides it, e.g. for a quick run).
const reportTickets = 1_000_000

// runReports seeds a year of tickets in one workspace with INSERT … SELECT over a digits
// table (one statement per 100,000 rows, no client round trip per row) and measures the
// slowest report, GET /api/v1/stats's core.Service.Stats over the whole year, beside a plain
// COUNT(*) of the same range measured in the same run.
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
	step := int((365 * 24 * time.Hour / time.Second) / time.Duration(n)) // seconds between tickets
	seedStart := time.Now()
	conn, err := db.Conn(ctx) // the digits table is temporary: it lives on this connection
	if err != nil {
		return err
	}
	defer conn.Close()
	for _, s := range []string{
		"CREATE TEMPORARY TABLE digits (d INT NOT NULL PRIMARY KEY)",
		"INSERT INTO digits VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)",
	} {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
	}
	// Ticket i is opened at from + i*step; every third is assigned; half are resolved within
	// a day; each had a 1 h first-response and 8 h resolution target.
	q := fmt.Sprintf(`INSERT INTO tickets (workspace, number, title, description, status, priority, reporter_id,
  reporter_name, assignee_id, assignee_name, origin_channel, thread_channel, thread_id, card_id, status_note,
  created_at, updated_at, status_changed_at, first_response_at, resolved_at, sla_first_due, sla_resolve_due, sla_next_due)
SELECT ?, s.i + 1, CONCAT('Seeded ticket ', s.i), '', ELT(1 + s.i %% 6, 'open','in_progress','waiting','resolved','closed','closed'),
  ELT(1 + s.i %% 4, 'low','normal','high','urgent'), CONCAT('U', s.i %% 500), 'user', IF(s.i %% 3 = 0, CONCAT('A', s.i %% 40), ''), '',
  'C01', 'C01', CONCAT('t', s.i), CONCAT('t', s.i), '',
  ? + INTERVAL (s.i * %[1]d) SECOND, ? + INTERVAL (s.i * %[1]d) SECOND, ? + INTERVAL (s.i * %[1]d) SECOND,
  ? + INTERVAL (s.i * %[1]d + s.i %% 7200) SECOND,
  IF(s.i %% 6 >= 3, ? + INTERVAL (s.i * %[1]d + s.i %% 86400) SECOND, NULL),
  ? + INTERVAL (s.i * %[1]d + 3600) SECOND, ? + INTERVAL (s.i * %[1]d + 28800) SECOND,
  IF(s.i %% 6 >= 3, '9999-12-31', ? + INTERVAL (s.i * %[1]d + 28800) SECOND)
FROM (SELECT ? + a.d + 10*b.d + 100*c.d + 1000*d.d + 10000*e.d AS i
      FROM digits a, digits b, digits c, digits d, digits e) AS s
WHERE s.i < ?`, step)
	const chunk = 100_000 // the five digit columns number 100,000 rows per statement
	for base := 0; base < n; base += chunk {
		args := []any{ws.String(), from, from, from, from, from, from, from, from, base, min(base+chunk, n)}
		if _, err := conn.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("seed tickets: %w", err)
		}
	}
	if _, err := conn.ExecContext(ctx, "ANALYZE TABLE tickets"); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	report("report_seed_tickets", float64(n), "tickets")
	report("report_seed_s", time.Since(seedStart).Seconds(), "s")
	staff := core.Actor{User: core.UserRef{ID: "S1"}, Role: core.RoleStaff}
	const runs = 7
	r, err := measure(ctx, runs, 1, func(ctx context.Context, _ int) error {
		st, err := sk.svc.Stats(ctx, staff, ws, from, to)
		if err == nil && len(st.Days) != 365 {
			err = fmt.Errorf("got %d days", len(st.Days))
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	b, err := measure(ctx, runs, 1, func(ctx context.Context, _ int) error {
		var c int64
		return db.QueryRowContext(ctx, "SELECT COUNT(*) FROM tickets WHERE workspace = ? AND created_at >= ? AND created_at < ?",
			ws.String(), from, to).Scan(&c)
	})
	if err != nil {
		return fmt.Errorf("report baseline: %w", err)
	}
	report("report_p99_ms", ms(r.p99), "ms")
	report("report_count_baseline_p99_ms", ms(b.p99), "ms")
	return nil
}
