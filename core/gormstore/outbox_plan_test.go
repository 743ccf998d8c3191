package gormstore

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
)

// genOutbox fills outbox_events with n events of n/2 tickets, all undelivered as they are
// written, and then marks all but the last pending of them delivered — as a backlog looks
// part-way through its drain, the table's statistics not yet caught up.
func genOutbox(t *testing.T, s *Store, n, pending int) {
	t.Helper()
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rows := make([]eventRow, n)
	for i := range rows {
		rows[i] = eventRow{Kind: string(core.EventTicketOpened), Workspace: "slack:TPLAN", TicketID: int64(i/2 + 1),
			Platform: string(core.PlatformSlack), CreatedAt: created, NextAttemptAt: created}
	}
	if err := s.db.CreateInBatches(rows, 500).Error; err != nil {
		t.Fatal(err)
	}
	if err := s.db.Exec("UPDATE outbox_events SET delivered_at = ? WHERE id <= ?", created, n-pending).Error; err != nil {
		t.Fatal(err)
	}
}

// TestClaimPlans: a claim reads the undelivered events through ix_outbox_pending, about as
// many rows as it claims, however many delivered events come before them — not the primary
// key from its first row.
func TestClaimPlans(t *testing.T) {
	const n, pending, limit = 4000, 200, 64
	now := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	platforms := []core.Platform{core.PlatformSlack, core.PlatformDiscord}
	t.Run("mariadb", func(t *testing.T) {
		s := openPlanStore(t, coretest.MySQLURL(t))
		genOutbox(t, s, n, pending)
		q, args := s.claimSQL(now, limit, platforms)
		for _, r := range analyzeMySQL(t, s, q, args) {
			if fmt.Sprint(r["table"]) != "o" {
				continue
			}
			read := 0.0
			fmt.Sscan(fmt.Sprint(r["r_rows"]), &read)
			if key := fmt.Sprint(r["key"]); key != "ix_outbox_pending" || read > 2*limit {
				t.Errorf("a claim of %d read %v rows through %s, want at most %d through ix_outbox_pending (%d delivered events before the first undelivered)",
					limit, r["r_rows"], key, 2*limit, n-pending)
			}
		}
	})
	t.Run("sqlite", func(t *testing.T) {
		s := openPlanStore(t, "sqlite://"+filepath.Join(t.TempDir(), "plans.db"))
		genOutbox(t, s, n, pending)
		q, args := s.claimSQL(now, limit, platforms)
		var plan []struct {
			ID, Parent, Notused int
			Detail              string
		}
		if err := s.db.Raw("EXPLAIN QUERY PLAN "+q, args...).Scan(&plan).Error; err != nil {
			t.Fatalf("EXPLAIN QUERY PLAN: %v\n%s", err, q)
		}
		found := false
		for _, p := range plan {
			if strings.HasPrefix(p.Detail, "SEARCH o USING INDEX ix_outbox_pending") {
				found = true
			}
		}
		if !found {
			t.Errorf("claim plan %+v: want o searched through ix_outbox_pending", plan)
		}
	})
}
