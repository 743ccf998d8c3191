package gormstore

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/ticketbot/ticketbot/core"
)

type leaseRow struct {
	Name  string `gorm:"primaryKey"`
	Owner string
	Until time.Time
	Taken time.Time
}

func (leaseRow) TableName() string { return "leases" }

// DueTickets lists ws's tickets in status with reminded whose status is as old as before, at
// most limit, oldest first; ix_tickets_ws_status_timer answers it with one range scan.
// Errors: unavailable, internal.
func (s *Store) DueTickets(ctx context.Context, ws core.Workspace, status core.Status, reminded bool, before time.Time, limit int) ([]core.Ticket, error) {
	var rows []ticketRow
	err := s.db.WithContext(ctx).Table(s.hinted("tickets", "ix_tickets_ws_status_timer")).
		Where("workspace = ? AND status = ? AND reminded = ? AND status_changed_at <= ?", ws.String(), string(status), reminded, stamp(before)).
		Order("status_changed_at, id").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fail("gormstore.DueTickets", err)
	}
	out := make([]core.Ticket, len(rows))
	for i, r := range rows {
		out[i] = r.core()
	}
	return out, nil
}

// AcquireLease takes or renews lease name for owner: a conditional update (the lease is
// owner's or has expired), else an insert of a new lease; whoever loses the insert's unique
// key does not hold it. Errors: unavailable, internal.
func (s *Store) AcquireLease(ctx context.Context, name, owner string, now time.Time, ttl time.Duration) (bool, error) {
	const op = "gormstore.AcquireLease"
	db := s.db.WithContext(ctx)
	until := stamp(now.Add(ttl))
	res := db.Model(&leaseRow{}).Where("name = ? AND (owner = ? OR until <= ?)", name, owner, stamp(now)).
		Updates(map[string]any{"owner": owner, "until": until, "taken": stamp(now)})
	if res.Error != nil {
		return false, fail(op, res.Error)
	}
	if res.RowsAffected > 0 {
		return true, nil
	}
	err := db.Create(&leaseRow{Name: name, Owner: owner, Until: until, Taken: stamp(now)}).Error
	if err == nil {
		return true, nil
	}
	if !isUnique(err) {
		return false, fail(op, err)
	}
	// The row exists: either another owner holds it, or MySQL reported no change because
	// owner renewed it with the same values.
	var row leaseRow
	if err := db.Where("name = ?", name).Take(&row).Error; err != nil {
		return false, fail(op, err)
	}
	return row.Owner == owner && row.Until.After(now), nil
}

// ReleaseLease ends owner's lease name at once. Errors: unavailable, internal.
func (s *Store) ReleaseLease(ctx context.Context, name, owner string) error {
	err := s.db.WithContext(ctx).Where("name = ? AND owner = ?", name, owner).Delete(&leaseRow{}).Error
	return fail("gormstore.ReleaseLease", err)
}

type savedReplyRow struct {
	ID        int64 `gorm:"primaryKey"`
	Workspace string
	Name      string
	Content   string
	AuthorID  string
	CreatedAt time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt time.Time `gorm:"autoUpdateTime:false"`
}

func (savedReplyRow) TableName() string { return "saved_replies" }

func (r savedReplyRow) core() core.SavedReply {
	return core.SavedReply{ID: r.ID, Workspace: parseWorkspace(r.Workspace), Name: r.Name, Content: r.Content,
		Author: core.UserRef{ID: r.AuthorID}, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// CreateSavedReply stores r. Errors: conflict, unavailable, internal.
func (s *Store) CreateSavedReply(ctx context.Context, r *core.SavedReply) error {
	const op = "gormstore.CreateSavedReply"
	now := s.now()
	row := savedReplyRow{Workspace: r.Workspace.String(), Name: r.Name, Content: r.Content, AuthorID: r.Author.ID,
		CreatedAt: now, UpdatedAt: now}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		if isUnique(err) {
			return fail(op, core.Errorf(core.EConflict, "a saved reply called %q exists already", r.Name))
		}
		return fail(op, err)
	}
	*r = row.core()
	return nil
}

// SavedReplies lists ws's saved replies by name. Errors: unavailable, internal.
func (s *Store) SavedReplies(ctx context.Context, ws core.Workspace) ([]core.SavedReply, error) {
	var rows []savedReplyRow
	if err := s.db.WithContext(ctx).Where("workspace = ?", ws.String()).Order("name").Find(&rows).Error; err != nil {
		return nil, fail("gormstore.SavedReplies", err)
	}
	out := make([]core.SavedReply, len(rows))
	for i, r := range rows {
		out[i] = r.core()
	}
	return out, nil
}

func (s *Store) savedReply(ctx context.Context, op string, q *gorm.DB) (core.SavedReply, error) {
	var row savedReplyRow
	err := q.WithContext(ctx).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return core.SavedReply{}, fail(op, notFound("saved reply"))
	}
	if err != nil {
		return core.SavedReply{}, fail(op, err)
	}
	return row.core(), nil
}

// SavedReply returns saved reply id. Errors: not_found, unavailable, internal.
func (s *Store) SavedReply(ctx context.Context, id int64) (core.SavedReply, error) {
	return s.savedReply(ctx, "gormstore.SavedReply", s.db.Where("id = ?", id))
}

// SavedReplyByName returns ws's saved reply name. Errors: not_found, unavailable, internal.
func (s *Store) SavedReplyByName(ctx context.Context, ws core.Workspace, name string) (core.SavedReply, error) {
	return s.savedReply(ctx, "gormstore.SavedReplyByName", s.db.Where("workspace = ? AND name = ?", ws.String(), name))
}

// UpdateSavedReply saves r's name and content. Errors: not_found, conflict, unavailable, internal.
func (s *Store) UpdateSavedReply(ctx context.Context, r *core.SavedReply) error {
	const op = "gormstore.UpdateSavedReply"
	now := s.now()
	res := s.db.WithContext(ctx).Model(&savedReplyRow{}).Where("id = ?", r.ID).
		Updates(map[string]any{"name": r.Name, "content": r.Content, "updated_at": now})
	if res.Error != nil {
		if isUnique(res.Error) {
			return fail(op, core.Errorf(core.EConflict, "a saved reply called %q exists already", r.Name))
		}
		return fail(op, res.Error)
	}
	got, err := s.SavedReply(ctx, r.ID)
	if err != nil {
		return err
	}
	*r = got
	return nil
}

// DeleteSavedReply removes saved reply id. Errors: not_found, unavailable, internal.
func (s *Store) DeleteSavedReply(ctx context.Context, id int64) error {
	res := s.db.WithContext(ctx).Where("id = ?", id).Delete(&savedReplyRow{})
	if res.Error != nil {
		return fail("gormstore.DeleteSavedReply", res.Error)
	}
	if res.RowsAffected == 0 {
		return fail("gormstore.DeleteSavedReply", notFound("saved reply"))
	}
	return nil
}
