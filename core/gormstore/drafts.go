package gormstore

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/ticketbot/ticketbot/core"
)

var _ core.DraftStore = (*Store)(nil)

type draftRow struct {
	ID        string `gorm:"primaryKey"`
	Workspace string
	UserID    string
	Text      string
	ExpiresAt time.Time
	Opened    int64
}

func (draftRow) TableName() string { return "drafts" }

// SaveDraft stores d. Errors: unavailable, internal.
func (s *Store) SaveDraft(ctx context.Context, d core.Draft) error {
	row := draftRow{ID: d.ID, Workspace: d.Workspace.String(), UserID: d.User, Text: d.Text, ExpiresAt: stamp(d.ExpiresAt), Opened: d.Opened}
	return failWrite("gormstore.SaveDraft", s.db.WithContext(ctx).Create(&row).Error)
}

// Draft returns draft id of user in ws. Errors: not_found, unavailable, internal.
func (s *Store) Draft(ctx context.Context, ws core.Workspace, user, id string) (core.Draft, error) {
	const op = "gormstore.Draft"
	var row draftRow
	err := s.db.WithContext(ctx).Where("id = ? AND workspace = ? AND user_id = ?", id, ws.String(), user).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return core.Draft{}, fail(op, notFound("draft"))
	}
	if err != nil {
		return core.Draft{}, fail(op, err)
	}
	return core.Draft{ID: row.ID, Workspace: ws, User: row.UserID, Text: row.Text, ExpiresAt: row.ExpiresAt.UTC(), Opened: row.Opened}, nil
}

// SetDraftOpened records the ticket number draft id opened. Errors: not_found, unavailable, internal.
func (s *Store) SetDraftOpened(ctx context.Context, ws core.Workspace, user, id string, n int64) error {
	const op = "gormstore.SetDraftOpened"
	res := s.db.WithContext(ctx).Model(&draftRow{}).Where("id = ? AND workspace = ? AND user_id = ?", id, ws.String(), user).
		Update("opened", n)
	if res.Error != nil {
		return failWrite(op, res.Error)
	}
	if res.RowsAffected == 0 {
		return fail(op, notFound("draft"))
	}
	return nil
}

// DeleteDraft removes draft id of user in ws. Errors: unavailable, internal.
func (s *Store) DeleteDraft(ctx context.Context, ws core.Workspace, user, id string) error {
	return failWrite("gormstore.DeleteDraft", s.db.WithContext(ctx).
		Where("id = ? AND workspace = ? AND user_id = ?", id, ws.String(), user).Delete(&draftRow{}).Error)
}

// PurgeDrafts deletes drafts that expired before before. Errors: unavailable, internal.
func (s *Store) PurgeDrafts(ctx context.Context, before time.Time) error {
	return fail("gormstore.PurgeDrafts", s.db.WithContext(ctx).Where("expires_at < ?", stamp(before)).Delete(&draftRow{}).Error)
}
