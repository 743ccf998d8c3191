package gormstore

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/ticketbot/ticketbot/core"
)

// intakeRow is a row of intake_requests.
type intakeRow struct {
	ID            int64 `gorm:"primaryKey"`
	RequestKey    string
	Platform      string
	Payload       []byte
	Attempts      int
	CreatedAt     time.Time `gorm:"autoCreateTime:false"`
	NextAttemptAt time.Time
	LockedBy      *string
	LockedUntil   *time.Time
	DoneAt        *time.Time
	LastError     string
}

func (intakeRow) TableName() string { return "intake_requests" }

func (r intakeRow) core() core.IntakeRequest {
	return core.IntakeRequest{ID: r.ID, Key: r.RequestKey, Platform: core.Platform(r.Platform), Payload: r.Payload,
		Attempts: r.Attempts, CreatedAt: r.CreatedAt, DoneAt: r.DoneAt}
}

// AddIntake stores r — in one multi-row INSERT with the requests that arrive meanwhile, on
// connections of its own beside the gate (intake_batch.go) — leased to owner until until when
// owner is set; a request with r.Key stored already is returned instead, with created=false.
// Errors: invalid, unavailable (busy: no writer in time; outcome unknown), internal.
func (s *Store) AddIntake(ctx context.Context, r core.IntakeRequest, owner string, until time.Time) (core.IntakeRequest, bool, error) {
	const op = "gormstore.AddIntake"
	if r.Key == "" || r.Platform == "" || len(r.Key) > 191 {
		return core.IntakeRequest{}, false, fail(op, core.Errorf(core.EInvalid, "an intake request needs a key (at most 191 bytes) and a platform"))
	}
	now := s.now()
	row := intakeRow{RequestKey: r.Key, Platform: string(r.Platform), Payload: r.Payload, CreatedAt: now, NextAttemptAt: now}
	if r.Payload == nil {
		row.Payload = []byte{}
	}
	if owner != "" {
		u := stamp(until)
		row.LockedBy, row.LockedUntil, row.Attempts = &owner, &u, 1
	}
	c := s.addIntakeRow(ctx, row)
	switch {
	case c.err != nil:
		return core.IntakeRequest{}, false, failWrite(op, c.err)
	case c.dup:
		var old intakeRow
		if err := s.db.WithContext(ctx).Where("request_key = ?", r.Key).Take(&old).Error; err != nil {
			return core.IntakeRequest{}, false, fail(op, err)
		}
		return old.core(), false, nil
	}
	return c.row.core(), true, nil
}

// ClaimIntake leases up to limit due, unleased, unfinished requests, oldest first, to owner
// until now+lease: candidates are read, then one conditional UPDATE takes those still free,
// so two owners never hold the same request. Errors: unavailable, internal.
func (s *Store) ClaimIntake(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int, platforms ...core.Platform) ([]core.IntakeRequest, error) {
	const op = "gormstore.ClaimIntake"
	if limit <= 0 {
		return nil, nil
	}
	now = stamp(now)
	until := stamp(now.Add(lease))
	free := func(db *gorm.DB) *gorm.DB {
		db = db.Where("done_at IS NULL AND next_attempt_at <= ? AND (locked_until IS NULL OR locked_until < ?)", now, now)
		if len(platforms) > 0 {
			db = db.Where("platform IN ?", platformNames(platforms))
		}
		return db
	}
	db := s.db.WithContext(ctx)
	var ids []int64
	if err := free(db.Model(&intakeRow{})).Order("id").Limit(limit).Pluck("id", &ids).Error; err != nil {
		return nil, fail(op, err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	res := free(db.Model(&intakeRow{}).Where("id IN ?", ids)).
		Updates(map[string]any{"locked_by": owner, "locked_until": until, "attempts": gorm.Expr("attempts + 1")})
	if res.Error != nil {
		return nil, fail(op, res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, nil
	}
	var rows []intakeRow
	if err := db.Where("id IN ? AND locked_by = ? AND locked_until = ?", ids, owner, until).Order("id").Find(&rows).Error; err != nil {
		// The leases run out by themselves; nothing is lost.
		return nil, fail(op, err)
	}
	out := make([]core.IntakeRequest, len(rows))
	for i, r := range rows {
		out[i] = r.core()
	}
	return out, nil
}

func platformNames(ps []core.Platform) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = string(p)
	}
	return out
}

// heldIntake selects request id while owner holds it unfinished.
func (s *Store) heldIntake(ctx context.Context, id int64, owner string) *gorm.DB {
	return s.db.WithContext(ctx).Model(&intakeRow{}).Where("id = ? AND locked_by = ? AND done_at IS NULL", id, owner)
}

// FinishIntake records that owner finished request id. Errors: conflict (not held by owner),
// unavailable, internal.
func (s *Store) FinishIntake(ctx context.Context, id int64, owner string, at time.Time) error {
	return s.settleIntake(ctx, "gormstore.FinishIntake", id, owner,
		map[string]any{"done_at": stamp(at), "locked_until": nil, "last_error": ""})
}

// RetryIntake releases owner's lease on request id and makes it due at next.
// Errors: conflict (not held by owner), unavailable, internal.
func (s *Store) RetryIntake(ctx context.Context, id int64, owner string, next time.Time, reason string) error {
	if len(reason) > 2000 {
		reason = strings.ToValidUTF8(reason[:2000], "")
	}
	return s.settleIntake(ctx, "gormstore.RetryIntake", id, owner,
		map[string]any{"locked_by": nil, "locked_until": nil, "next_attempt_at": stamp(next), "last_error": reason})
}

func (s *Store) settleIntake(ctx context.Context, op string, id int64, owner string, set map[string]any) error {
	res := s.heldIntake(ctx, id, owner).Updates(set)
	if res.Error != nil {
		return fail(op, res.Error)
	}
	if res.RowsAffected == 0 {
		return fail(op, core.Errorf(core.EConflict, "intake request %d is not held by %s", id, owner))
	}
	return nil
}

// PendingIntake counts unfinished requests. Errors: unavailable, internal.
func (s *Store) PendingIntake(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&intakeRow{}).Where("done_at IS NULL").Count(&n).Error; err != nil {
		return 0, fail("gormstore.PendingIntake", err)
	}
	return n, nil
}

// PurgeIntake deletes up to limit requests finished before before. Errors: unavailable, internal.
func (s *Store) PurgeIntake(ctx context.Context, before time.Time, limit int) (int64, error) {
	const op = "gormstore.PurgeIntake"
	if limit <= 0 {
		return 0, nil
	}
	db := s.db.WithContext(ctx)
	var ids []int64
	if err := db.Model(&intakeRow{}).Where("done_at IS NOT NULL AND done_at < ?", stamp(before)).
		Order("id").Limit(limit).Pluck("id", &ids).Error; err != nil {
		return 0, fail(op, err)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	res := db.Where("id IN ? AND done_at IS NOT NULL", ids).Delete(&intakeRow{})
	if res.Error != nil {
		return 0, fail(op, res.Error)
	}
	return res.RowsAffected, nil
}

var _ core.IntakeStore = (*Store)(nil)
