package gormstore

// An internal test: it stops the migrations just before 202612030012_reports, writes tickets
// and their status history the way the older schema held them, and checks what the
// migration backfills.

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
)

func TestMigrateReportsBackfills(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "t.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	opts := *gormigrate.DefaultOptions
	opts.TableName = migrationTable
	if err := gormigrate.New(s.db, &opts, migrations()).MigrateTo("202612020011_sla"); err != nil {
		t.Fatalf("migrate to the SLA schema: %v", err)
	}
	db := s.db.WithContext(ctx)
	day := func(d, h, m int) time.Time { return time.Date(2026, 12, d, h, m, 0, 0, time.UTC) }
	week := `{"tz":"UTC","weekly":{"mon":["09:00-17:00"],"tue":["09:00-17:00"],"wed":["09:00-17:00"],"thu":["09:00-17:00"],"fri":["09:00-17:00"]}}`
	if err := db.Create(&settingsRow{Workspace: "slack:T1", Hours: week, RequestChannels: "[]", UpdatedAt: day(1, 8, 0)}).Error; err != nil {
		t.Fatal(err)
	}
	type old struct {
		n                   int64
		status              string
		created             time.Time
		firstResp, resolved *time.Time
		pausedSince         *time.Time
		changes             [][3]any // from, to, at
	}
	p := func(v time.Time) *time.Time { return &v }
	for _, o := range []old{
		// Tue 09:00, answered 10:30 (1 h 30 m), resolved Wed 10:00 (8 h + 1 h).
		{1, "resolved", day(1, 9, 0), p(day(1, 10, 30)), p(day(2, 10, 0)), p(day(2, 10, 0)), [][3]any{{"open", "resolved", day(2, 10, 0)}}},
		// Tue 16:00, still open.
		{2, "open", day(1, 16, 0), nil, nil, nil, nil},
		// Tue 09:00, waiting Wed 12:00, closed Thu 10:00 while waiting: it ran 8 h + 3 h.
		{3, "closed", day(1, 9, 0), nil, p(day(3, 10, 0)), p(day(2, 12, 0)),
			[][3]any{{"open", "waiting", day(2, 12, 0)}, {"waiting", "closed", day(3, 10, 0)}}},
	} {
		row := map[string]any{"workspace": "slack:T1", "number": o.n, "title": "t", "description": "", "status": o.status,
			"priority": "normal", "reporter_id": "U1", "reporter_name": "u", "assignee_id": "", "assignee_name": "",
			"origin_channel": "", "thread_channel": "", "thread_id": "", "card_id": "", "status_note": "",
			"created_at": o.created, "updated_at": o.created, "first_response_at": o.firstResp, "resolved_at": o.resolved,
			"sla_paused_since": o.pausedSince, "sla_next_due": stamp(time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC))}
		if err := db.Table("tickets").Create(row).Error; err != nil {
			t.Fatalf("old ticket %d: %v", o.n, err)
		}
		var id int64
		if err := db.Raw("SELECT id FROM tickets WHERE number = ?", o.n).Scan(&id).Error; err != nil {
			t.Fatal(err)
		}
		for _, c := range o.changes {
			if err := db.Exec("INSERT INTO ticket_changes (ticket_id, actor_id, actor_name, field, from_value, to_value, note, at) VALUES (?, 'U', 'u', 'status', ?, ?, '', ?)",
				id, c[0], c[1], c[2]).Error; err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	type secs struct {
		Number                       int64
		ResponseSecs, ResolutionSecs int64
	}
	var got []secs
	if err := db.Table("tickets").Select("number, response_secs, resolution_secs").Order("number").Scan(&got).Error; err != nil {
		t.Fatal(err)
	}
	want := []secs{{1, 5400, 9 * 3600}, {2, 0, 0}, {3, 0, 11 * 3600}}
	for i := range want {
		if i >= len(got) || got[i] != want[i] {
			t.Fatalf("times = %+v, want %+v", got, want)
		}
	}
	var days []statusDayRow
	if err := db.Order("day, status").Find(&days).Error; err != nil {
		t.Fatal(err)
	}
	wantDays := []statusDayRow{
		{"slack:T1", "2026-12-01", "open", 3},
		{"slack:T1", "2026-12-02", "open", -2}, {"slack:T1", "2026-12-02", "resolved", 1}, {"slack:T1", "2026-12-02", "waiting", 1},
		{"slack:T1", "2026-12-03", "closed", 1}, {"slack:T1", "2026-12-03", "waiting", -1},
	}
	if len(days) != len(wantDays) {
		t.Fatalf("status days = %+v, want %+v", days, wantDays)
	}
	for i := range wantDays {
		if days[i] != wantDays[i] {
			t.Fatalf("status days = %+v, want %+v", days, wantDays)
		}
	}
}
