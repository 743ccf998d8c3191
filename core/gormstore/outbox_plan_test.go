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

// genOutbox fills outbox_events with n events of n/2 tickets, all undelivered and due as they
// are written, and then marks all but the last pending of them delivered — as a backlog
// looks part-way through its drain, the table's statistics not yet caught up — or, with
// backedOff, makes all but the last pending of them wait an hour instead, as after an outage.
func genOutbox(t *testing.T, s *Store, n, pending int, backedOff bool) {
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
	set := "delivered_at = ?"
	if backedOff {
		set = "next_attempt_at = ?"
	}
	if err := s.db.Exec("UPDATE outbox_events SET "+set+" WHERE id <= ?", created.AddDate(1, 0, 0), n-pending).Error; err != nil {
		t.Fatal(err)
	}
}

// TestClaimPlans: a claim reads only undelivered events, not the primary key from its first
// row: about as many as it claims, however many delivered events come before them.
func TestClaimPlans(t *testing.T) {
	const n, pending, limit = 4000, 200, 64
	now := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	platforms := []core.Platform{core.PlatformSlack, core.PlatformDiscord}
	for _, tc := range []struct {
		name      string
		backedOff bool
		most      string
	}{{"most delivered", false, "delivered events before the first undelivered"}, {"most backed off", true, "undelivered events waiting an hour"}} {
		t.Run("mariadb/"+tc.name, func(t *testing.T) {
			s := openPlanStore(t, coretest.MySQLURL(t))
			genOutbox(t, s, n, pending, tc.backedOff)
			q, args := s.claimSQL(now, limit, platforms)
			for _, r := range analyzeMySQL(t, s, q, args) {
				if fmt.Sprint(r["table"]) != "o" {
					continue
				}
				// Each ticket has two events, the second not claimable while the first is
				// undelivered: a claim of 64 reads about 128 candidates, and the due ones
				// (200) at most.
				read := 0.0
				fmt.Sscan(fmt.Sprint(r["r_rows"]), &read)
				// Most backed off, every undelivered event may be read (see claimCandidates).
				bound := float64(pending)
				if tc.backedOff {
					bound = n
				}
				if key := fmt.Sprint(r["key"]); key == "PRIMARY" || read > bound {
					t.Errorf("a claim of %d read %v rows through %s, want at most %v through an index of undelivered events (%d %s)",
						limit, r["r_rows"], key, bound, n-pending, tc.most)
				}
			}
		})
	}
	t.Run("sqlite", func(t *testing.T) {
		s := openPlanStore(t, "sqlite://"+filepath.Join(t.TempDir(), "plans.db"))
		genOutbox(t, s, n, pending, false)
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
			switch {
			case strings.HasPrefix(p.Detail, "SEARCH o USING INDEX ix_outbox_pending"):
				found = true
			case strings.Contains(p.Detail, "TEMP B-TREE"):
				t.Errorf("claim plan %+v: sorts the events read (%s), want them read in id order", plan, p.Detail)
			}
		}
		if !found {
			t.Errorf("claim plan %+v: want o searched through ix_outbox_pending", plan)
		}
	})
}
