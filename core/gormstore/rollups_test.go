package gormstore

// Internal tests of the report rollups: a randomized history of tickets, after which Stats
// (reading only the rollups) must equal directStats (the direct queries over tickets), and
// again after the rollups are rebuilt by RebuildReports and by the migration's backfill.

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/go-gormigrate/gormigrate/v2"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
)

func TestBucketBoundsHoldTheirValues(t *testing.T) {
	for _, p := range []uint{coarseBits, fineBits} {
		last := int64(-1)
		for _, v := range []int64{-5, 0, 1, 15, 16, 17, 31, 32, 127, 128, 129, 1000, 7199, 86399, 1 << 20, 1<<40 + 12345} {
			b := bucketOf(v, p)
			lo, hi := bucketBounds(b, p)
			if v >= 0 && (v < lo || v >= hi) || v < 0 && b != 0 {
				t.Errorf("p=%d: %d in bucket %d = [%d, %d)", p, v, b, lo, hi)
			}
			if b < last {
				t.Errorf("p=%d: bucket %d of %d is below the bucket of a smaller value", p, b, v)
			}
			last = b
			if hi-lo > 1 && float64(hi-lo)/float64(lo) > 1/float64(int64(1)<<p)+1e-9 {
				t.Errorf("p=%d: bucket %d = [%d, %d) is wider than 1/%d of its values", p, b, lo, hi, 1<<p)
			}
		}
		for b := int64(1); b < 400; b++ { // consecutive buckets tile the seconds
			_, hi := bucketBounds(b-1, p)
			if lo, _ := bucketBounds(b, p); lo != hi || bucketOf(lo, p) != b {
				t.Fatalf("p=%d: bucket %d starts at %d, bucket %d ends at %d", p, b, lo, b-1, hi)
			}
		}
	}
}

func TestStatsFromRollupsEqualDirectQueries(t *testing.T) {
	for _, b := range []struct {
		name string
		url  func(*testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return "sqlite://" + filepath.Join(t.TempDir(), "t.db") }},
		{"mysql", func(t *testing.T) string { return coretest.MySQLURL(t) }},
	} {
		t.Run(b.name, func(t *testing.T) { testStatsOracle(t, b.url(t)) })
	}
}

func testStatsOracle(t *testing.T, rawURL string) {
	ctx := context.Background()
	s, err := Open(ctx, rawURL, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 1, 27, 8, 0, 0, 0, time.UTC) // the history crosses two month ends
	clock := coretest.NewFakeClock(start)
	s.SetClock(clock)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 7))
	wss := []core.Workspace{{Platform: core.PlatformSlack, ExternalID: "T1"}, {Platform: core.PlatformSlack, ExternalID: "T2"},
		{Platform: core.PlatformDiscord, ExternalID: "G3"}}
	people := []core.UserRef{{}, {ID: "A1", Name: "ann"}, {ID: "B2", Name: "bob"}, {ID: "C3", Name: "cy"}, {ID: "D4", Name: "dee"}}
	prios := core.Priorities()
	at := func() *time.Time { v := clock.Now().Add(-time.Duration(rng.IntN(3600)) * time.Second); return &v }
	// Seconds: many ties (small values), and spread over many buckets up to a few days.
	secs := func() time.Duration {
		if rng.IntN(3) == 0 {
			return time.Duration(rng.IntN(40)) * time.Second
		}
		return time.Duration(rng.Int64N(int64(1)<<(8+rng.IntN(11)))) * time.Second
	}
	var ids []int64
	for range 260 {
		clock.Advance(time.Duration(rng.IntN(8*3600)) * time.Second)
		if len(ids) < 8 || rng.IntN(3) == 0 {
			tk := core.Ticket{Workspace: wss[rng.IntN(len(wss))], Title: "t", Reporter: core.UserRef{ID: "R"},
				Priority: prios[rng.IntN(len(prios))], Assignee: people[rng.IntN(len(people))]}
			if rng.IntN(2) == 0 {
				tk.SLA.FirstDue, tk.SLA.ResolveDue = ptrOf(clock.Now().Add(2*time.Hour)), ptrOf(clock.Now().Add(30*time.Hour))
			}
			if err := s.CreateTicket(ctx, &tk); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, tk.ID)
			continue
		}
		id := ids[rng.IntN(len(ids))]
		switch op := rng.IntN(10); op {
		case 0: // the first response, through the SLA store
			if err := s.RecordFirstResponse(ctx, id, *at(), secs()); err != nil {
				t.Fatal(err)
			}
		case 1: // a rating
			_, err := s.RateTicket(ctx, core.Rating{TicketID: id, Score: 1 + rng.IntN(5), Rater: core.UserRef{ID: "R"}},
				core.Change{}, func(core.Ticket, *core.Rating) error { return nil })
			if err != nil {
				t.Fatal(err)
			}
		default:
			_, err := s.UpdateTicket(ctx, id, func(x *core.Ticket) ([]core.Change, error) {
				switch op {
				case 2, 3:
					x.Assignee = people[rng.IntN(len(people))]
				case 4:
					x.Priority = prios[rng.IntN(len(prios))]
					x.SLA.FirstDue, x.SLA.ResolveDue = ptrOf(x.CreatedAt.Add(time.Duration(rng.IntN(5))*time.Hour)), ptrOf(clock.Now())
				case 5, 6: // resolve or close
					x.Status = []core.Status{core.StatusResolved, core.StatusClosed}[rng.IntN(2)]
					x.SLA.ResolvedAt, x.SLA.ResolutionTime = at(), secs()
					if rng.IntN(2) == 0 {
						x.CSATAskedAt = at()
					}
				case 7: // reopen
					x.Status, x.SLA.ResolvedAt, x.SLA.ResolutionTime = core.StatusOpen, nil, 0
				case 8: // answered through an update
					x.SLA.FirstResponseAt, x.SLA.ResponseTime = at(), secs()
				default:
					x.Status = core.StatusWaiting
				}
				return []core.Change{{Actor: core.UserRef{ID: "S"}, Field: "op", To: strconv.Itoa(op)}}, nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	day := func(t time.Time) time.Time { return t.Truncate(24 * time.Hour) }
	end := day(clock.Now()).Add(24 * time.Hour)
	ranges := [][2]time.Time{
		{day(start), end}, // everything: head days, whole months, tail days
		{time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}, // one whole month
		{day(start).Add(3 * 24 * time.Hour), day(start).Add(4 * 24 * time.Hour)},                   // one day
		{day(start).Add(5 * 24 * time.Hour), end.Add(-9 * 24 * time.Hour)},                         // mid-month to mid-month
	}
	check := func(when string) {
		t.Helper()
		for _, r := range ranges {
			for _, ws := range append([]core.Workspace{{}}, wss...) {
				got, err := s.Stats(ctx, ws, r[0], r[1])
				if err != nil {
					t.Fatal(err)
				}
				want, err := s.directStats(ctx, ws, r[0], r[1])
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s, %q %s … %s:\nrollups %+v\ndirect  %+v", when, ws, r[0].Format(time.DateOnly), r[1].Format(time.DateOnly), got, want)
				}
			}
		}
	}
	check("kept up")
	if t.Failed() {
		return
	}
	if err := s.RebuildReports(ctx); err != nil {
		t.Fatal(err)
	}
	check("rebuilt")
	opts := *gormigrate.DefaultOptions
	opts.TableName = migrationTable
	if err := gormigrate.New(s.db, &opts, migrations()).RollbackMigration(migrateRollups()); err != nil {
		t.Fatalf("roll back the rollups: %v", err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate again: %v", err)
	}
	check(fmt.Sprintf("backfilled by %s", migrateRollups().ID))
}

func ptrOf[T any](v T) *T { return &v }
