package core_test

import (
	"context"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

func TestStatsChecksActorAndRange(t *testing.T) {
	st := openStore(t, "sqlite://"+t.TempDir()+"/t.db")
	svc := newService(t, st)
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	staff := actor(wsA, "S", core.RoleStaff)
	for _, c := range []struct {
		name     string
		who      core.Actor
		ws       core.Workspace
		from, to time.Time
		code     string
	}{
		{"staff get whole days", staff, wsA, day, day.Add(24 * time.Hour), ""},
		{"a requester gets none", actor(wsA, "R", core.RoleRequester), wsA, day, day.Add(24 * time.Hour), core.EForbidden},
		{"staff get no other workspace's", staff, wsB, day, day.Add(24 * time.Hour), core.EForbidden},
		{"a range ends after it starts", staff, wsA, day, day, core.EInvalid},
		{"a range spans at most 366 days", staff, wsA, day, day.Add(367 * 24 * time.Hour), core.EInvalid},
		{"a range starts at midnight UTC", staff, wsA, day.Add(time.Hour), day.Add(24 * time.Hour), core.EInvalid},
		{"a range ends at midnight UTC", staff, wsA, day, day.Add(25 * time.Hour), core.EInvalid},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := svc.Stats(context.Background(), c.who, c.ws, c.from, c.to)
			wantCode(t, err, c.code)
		})
	}
}
