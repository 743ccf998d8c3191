package gormstore

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/ticketbot/ticketbot/core"
)

var _ core.LinkStore = (*Store)(nil)

type linkCodeRow struct {
	Hash      []byte `gorm:"primaryKey"`
	Workspace string
	Name      string
	ByID      string
	ByName    string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

func (linkCodeRow) TableName() string { return "link_codes" }

type linkRow struct {
	Workspace      string `gorm:"primaryKey"`
	Name           string
	StaffWorkspace string
	StaffChannel   string
	ByID           string
	ByName         string
	CreatedAt      time.Time
}

func (linkRow) TableName() string { return "workspace_links" }

func (r linkRow) core() core.Link {
	ws, _ := core.ParseWorkspace(r.Workspace)
	staff, _ := core.ParseWorkspace(r.StaffWorkspace)
	return core.Link{Workspace: ws, Name: r.Name, StaffWorkspace: staff, StaffChannel: r.StaffChannel,
		By: core.UserRef{ID: r.ByID, Name: r.ByName}, CreatedAt: r.CreatedAt.UTC()}
}

type linkChangeRow struct {
	ID             int64 `gorm:"primaryKey"`
	Action         string
	Workspace      string
	Name           string
	StaffWorkspace string
	StaffChannel   string
	ByID           string
	ByName         string
	At             time.Time
}

func (linkChangeRow) TableName() string { return "workspace_link_changes" }

func linkChange(action string, l linkRow, by core.UserRef, at time.Time) linkChangeRow {
	return linkChangeRow{Action: action, Workspace: l.Workspace, Name: l.Name, StaffWorkspace: l.StaffWorkspace,
		StaffChannel: l.StaffChannel, ByID: by.ID, ByName: by.Name, At: stamp(at)}
}

// SaveLinkCode stores c. Errors: unavailable, internal.
func (s *Store) SaveLinkCode(ctx context.Context, c core.LinkCode) error {
	row := linkCodeRow{Hash: c.Hash, Workspace: c.Workspace.String(), Name: c.Name, ByID: c.By.ID, ByName: c.By.Name,
		CreatedAt: stamp(c.CreatedAt), ExpiresAt: stamp(c.ExpiresAt)}
	return failWrite("gormstore.SaveLinkCode", s.db.WithContext(ctx).Create(&row).Error)
}

// UseLinkCode marks the code used with one conditional UPDATE (unused, not expired), so of
// two replicas given the same code only one changes the row, and creates the link in the
// same transaction. Errors: not_found, conflict, unavailable, internal.
func (s *Store) UseLinkCode(ctx context.Context, hash []byte, now time.Time, l core.Link) (core.Link, error) {
	const op = "gormstore.UseLinkCode"
	now = stamp(now)
	var out linkRow
	err := s.inTx(ctx, op, func(tx *gorm.DB) error {
		res := tx.Model(&linkCodeRow{}).Where("hash = ? AND used_at IS NULL AND expires_at > ?", hash, now).
			Update("used_at", now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return fnError{notFound("link code")}
		}
		var code linkCodeRow
		if err := tx.Where("hash = ?", hash).Take(&code).Error; err != nil {
			return err
		}
		if served, _ := core.ParseWorkspace(code.Workspace); served.Platform == l.StaffWorkspace.Platform {
			// Links join two platforms: each platform's Notifier keeps its own cards.
			return fnError{core.Errorf(core.EInvalid, "both helpdesks are on %s; a link joins helpdesks on two platforms", served.Platform)}
		}
		var n int64
		if err := tx.Model(&linkRow{}).Where("workspace IN ? OR staff_workspace IN ?",
			[]string{code.Workspace, l.StaffWorkspace.String()}, []string{code.Workspace, l.StaffWorkspace.String()}).
			Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return fnError{core.Errorf(core.EConflict, "one of the two helpdesks is linked already; unlink it first")}
		}
		out = linkRow{Workspace: code.Workspace, Name: code.Name, StaffWorkspace: l.StaffWorkspace.String(),
			StaffChannel: l.StaffChannel, ByID: l.By.ID, ByName: l.By.Name, CreatedAt: stamp(l.CreatedAt)}
		if err := tx.Create(&out).Error; err != nil {
			if isUnique(err) {
				return fnError{core.Errorf(core.EConflict, "one of the two helpdesks is linked already; unlink it first")}
			}
			return err
		}
		ch := linkChange(core.LinkLinked, out, l.By, now)
		return tx.Create(&ch).Error
	})
	if err != nil {
		return core.Link{}, fail(op, err)
	}
	return out.core(), nil
}

// LinkOf returns the link of ws on either side. Errors: not_found, unavailable, internal.
func (s *Store) LinkOf(ctx context.Context, ws core.Workspace) (core.Link, error) {
	const op = "gormstore.LinkOf"
	var row linkRow
	err := s.db.WithContext(ctx).Where("workspace = ? OR staff_workspace = ?", ws.String(), ws.String()).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return core.Link{}, fail(op, notFound("link"))
	}
	if err != nil {
		return core.Link{}, fail(op, err)
	}
	return row.core(), nil
}

// DeleteLink ends ws's link with a history entry. Errors: not_found, unavailable, internal.
func (s *Store) DeleteLink(ctx context.Context, ws core.Workspace, by core.UserRef, at time.Time) (core.Link, error) {
	const op = "gormstore.DeleteLink"
	var row linkRow
	err := s.inTx(ctx, op, func(tx *gorm.DB) error {
		err := s.lock(tx.Where("workspace = ? OR staff_workspace = ?", ws.String(), ws.String())).Take(&row).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return fnError{notFound("link")}
		}
		if err != nil {
			return err
		}
		res := tx.Where("workspace = ?", row.Workspace).Delete(&linkRow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return fnError{notFound("link")}
		}
		ch := linkChange(core.LinkUnlinked, row, by, at)
		return tx.Create(&ch).Error
	})
	if err != nil {
		return core.Link{}, fail(op, err)
	}
	return row.core(), nil
}

// LinkHistory lists ws's link changes, newest first. Errors: unavailable, internal.
func (s *Store) LinkHistory(ctx context.Context, ws core.Workspace, limit int) ([]core.LinkChange, error) {
	if limit <= 0 {
		limit = 20
	}
	var rows []linkChangeRow
	err := s.db.WithContext(ctx).Where("workspace = ? OR staff_workspace = ?", ws.String(), ws.String()).
		Order("id DESC").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fail("gormstore.LinkHistory", err)
	}
	out := make([]core.LinkChange, 0, len(rows))
	for _, r := range rows {
		l := linkRow{Workspace: r.Workspace, Name: r.Name, StaffWorkspace: r.StaffWorkspace, StaffChannel: r.StaffChannel}.core()
		out = append(out, core.LinkChange{Action: r.Action, Link: l, By: core.UserRef{ID: r.ByID, Name: r.ByName}, At: r.At.UTC()})
	}
	return out, nil
}

// linkedPlatform is the platform of the workspace that staffs ws under a link, or "" (read
// inside tx, so a ticket event and the link it was fanned out under agree).
func (s *Store) linkedPlatform(tx *gorm.DB, ws core.Workspace) (core.Platform, error) {
	var staff []string
	if err := tx.Model(&linkRow{}).Where("workspace = ?", ws.String()).Limit(1).Pluck("staff_workspace", &staff).Error; err != nil {
		return "", err
	}
	if len(staff) == 0 {
		return "", nil
	}
	w, err := core.ParseWorkspace(staff[0])
	if err != nil || w.Platform == ws.Platform {
		return "", nil
	}
	return w.Platform, nil
}
