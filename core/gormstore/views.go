package gormstore

import (
	"context"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

var _ core.ViewStore = (*Store)(nil)

type viewRow struct {
	ID        int64 `gorm:"primaryKey"`
	Owner     string
	Name      string
	Query     string
	CreatedAt time.Time
}

func (viewRow) TableName() string { return "saved_views" }

func errViewTaken() error {
	return core.Errorf(core.EConflict, "you have a view with that name already")
}

// CreateView stores v and sets its ID. Errors: conflict, unavailable, internal.
func (s *Store) CreateView(ctx context.Context, v *core.SavedView) error {
	const op = "gormstore.CreateView"
	row := viewRow{Owner: v.Owner, Name: v.Name, Query: v.Query, CreatedAt: stamp(v.CreatedAt)}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		if isUnique(err) {
			return fail(op, errViewTaken())
		}
		return failWrite(op, err)
	}
	v.ID, v.CreatedAt = row.ID, row.CreatedAt.UTC()
	return nil
}

// Views lists owner's views by name. Errors: unavailable, internal.
func (s *Store) Views(ctx context.Context, owner string) ([]core.SavedView, error) {
	var rows []viewRow
	if err := s.db.WithContext(ctx).Where("owner = ?", owner).Order("name, id").Find(&rows).Error; err != nil {
		return nil, fail("gormstore.Views", err)
	}
	out := make([]core.SavedView, 0, len(rows))
	for _, r := range rows {
		out = append(out, core.SavedView{ID: r.ID, Owner: r.Owner, Name: r.Name, Query: r.Query, CreatedAt: r.CreatedAt.UTC()})
	}
	return out, nil
}

// RenameView renames owner's view id. Errors: not_found, conflict, unavailable, internal.
func (s *Store) RenameView(ctx context.Context, owner string, id int64, name string) error {
	const op = "gormstore.RenameView"
	res := s.db.WithContext(ctx).Model(&viewRow{}).Where("id = ? AND owner = ?", id, owner).Update("name", name)
	if res.Error != nil {
		if isUnique(res.Error) {
			return fail(op, errViewTaken())
		}
		return failWrite(op, res.Error)
	}
	if res.RowsAffected == 0 {
		var n int64
		if err := s.db.WithContext(ctx).Model(&viewRow{}).Where("id = ? AND owner = ?", id, owner).Count(&n).Error; err != nil {
			return fail(op, err)
		}
		if n == 0 {
			return fail(op, notFound("view"))
		}
	}
	return nil
}

// DeleteView removes owner's view id. Errors: not_found, unavailable, internal.
func (s *Store) DeleteView(ctx context.Context, owner string, id int64) error {
	const op = "gormstore.DeleteView"
	res := s.db.WithContext(ctx).Where("id = ? AND owner = ?", id, owner).Delete(&viewRow{})
	if res.Error != nil {
		return failWrite(op, res.Error)
	}
	if res.RowsAffected == 0 {
		return fail(op, notFound("view"))
	}
	return nil
}
