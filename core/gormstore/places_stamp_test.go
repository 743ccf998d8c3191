package gormstore

import (
	"context"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
)

// TestAPlaceIsStampedUnderItsTicketsLock: a place waiting for its ticket's row lock (held by
// an AddMessage, here by a bare transaction) takes its creation time once it has the lock,
// not before: a message stored under that lock is then older than the place, and
// core.LateCopies copies it there. Stamped before the wait, the place came out older than
// the message while the message's transaction had not seen it, and no copy was made.
func TestAPlaceIsStampedUnderItsTicketsLock(t *testing.T) {
	s := openPlanStore(t, coretest.MySQLURL(t))
	ctx := context.Background()
	start := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	clock := coretest.NewFakeClock(start)
	s.SetClock(clock)
	ws := core.Workspace{Platform: core.PlatformDiscord, ExternalID: "G1"}
	tk := core.Ticket{Workspace: ws, Title: "Cannot join voice", Reporter: core.UserRef{ID: "U1"}}
	if err := s.CreateTicket(ctx, &tk); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		add  func() (time.Time, error)
	}{
		{"AddPlace", func() (time.Time, error) {
			p, err := s.AddPlace(ctx, core.Place{TicketID: tk.ID, Kind: core.PlaceStaffNotes, Workspace: ws, ChannelID: "T1", ThreadID: "T1"})
			return p.CreatedAt, err
		}},
		{"AddPlaces", func() (time.Time, error) {
			err := s.AddPlaces(ctx, []core.Place{{TicketID: tk.ID, Kind: core.PlaceStaffNotes, Workspace: ws, ChannelID: "T2", ThreadID: "T2"}})
			if err != nil {
				return time.Time{}, err
			}
			p, err := s.PlaceByThread(ctx, ws, "T2", "T2")
			return p.CreatedAt, err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			holder := s.db.Begin()
			t.Cleanup(func() { holder.Rollback() })
			if err := holder.Exec("SELECT id FROM tickets WHERE id = ? FOR UPDATE", tk.ID).Error; err != nil {
				t.Fatal(err)
			}
			type result struct {
				at  time.Time
				err error
			}
			done := make(chan result, 1)
			go func() {
				at, err := tc.add()
				done <- result{at, err}
			}()
			coretest.Eventually(t, 10*time.Second, "the place's write waiting for the ticket's lock", func() bool {
				// PROCESSLIST, not INNODB_TRX: that one is cached while read more often than
				// every 0.1 s, as this poll does.
				var n []int64
				holder.Raw("SELECT ID FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND INFO LIKE '%tickets%FOR UPDATE'").Scan(&n)
				return len(n) > 0
			})
			clock.Advance(10 * time.Second) // the message's transaction stamps and commits meanwhile
			if err := holder.Commit().Error; err != nil {
				t.Fatal(err)
			}
			r := <-done
			if r.err != nil {
				t.Fatal(r.err)
			}
			if want := clock.Now(); !r.at.Equal(want) {
				t.Errorf("the place was stamped %v, want %v: the time it got the ticket's lock, not the time it asked", r.at, want)
			}
		})
	}
}
