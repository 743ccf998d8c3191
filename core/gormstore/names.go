package gormstore

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/ticketbot/ticketbot/core"
)

type displayNameRow struct {
	Workspace string `gorm:"primaryKey"`
	UserID    string `gorm:"primaryKey"`
	Name      string
	Fetched   bool
	UpdatedAt time.Time `gorm:"autoUpdateTime:false"`
}

func (displayNameRow) TableName() string { return "display_names" }

// Names returns the stored names of keys, one query per workspace among them (by primary
// key). Errors: unavailable, internal.
func (s *Store) Names(ctx context.Context, keys []core.NameKey) ([]core.NameRecord, error) {
	const op = "gormstore.Names"
	byWS := map[string][]string{}
	var order []string
	for _, k := range keys {
		ws := k.Workspace.String()
		if _, ok := byWS[ws]; !ok {
			order = append(order, ws)
		}
		byWS[ws] = append(byWS[ws], k.User)
	}
	var out []core.NameRecord
	for _, ws := range order {
		var rows []displayNameRow
		if err := s.db.WithContext(ctx).Where("workspace = ? AND user_id IN ?", ws, byWS[ws]).Find(&rows).Error; err != nil {
			return nil, fail(op, err)
		}
		for _, r := range rows {
			w, err := core.ParseWorkspace(r.Workspace)
			if err != nil {
				continue
			}
			out = append(out, core.NameRecord{Key: core.NameKey{Workspace: w, User: r.UserID}, Name: r.Name,
				Fetched: r.Fetched, UpdatedAt: r.UpdatedAt.UTC()})
		}
	}
	return out, nil
}

// SaveName stores r, replacing the name of its key. Errors: unavailable, internal.
func (s *Store) SaveName(ctx context.Context, r core.NameRecord) error {
	row := displayNameRow{Workspace: r.Key.Workspace.String(), UserID: r.Key.User, Name: r.Name, Fetched: r.Fetched, UpdatedAt: stamp(r.UpdatedAt)}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "workspace"}, {Name: "user_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"name", "fetched", "updated_at"}),
	}).Create(&row).Error
	return failWrite("gormstore.SaveName", err)
}

type identityLinkRow struct {
	ID        int64 `gorm:"primaryKey"`
	Account   string
	Platform  string
	UserID    string
	Workspace string
	UserName  string
	CreatedAt time.Time `gorm:"autoCreateTime:false"`
}

func (identityLinkRow) TableName() string { return "identity_links" }

func (r identityLinkRow) core() core.IdentityLink {
	ws, _ := core.ParseWorkspace(r.Workspace)
	return core.IdentityLink{Account: r.Account, Platform: core.Platform(r.Platform), User: core.UserRef{ID: r.UserID, Name: r.UserName},
		Workspace: ws, CreatedAt: r.CreatedAt.UTC()}
}

// SaveIdentityLink links l's identity to l.Account. Errors: conflict (linked to another account),
// unavailable, internal.
func (s *Store) SaveIdentityLink(ctx context.Context, l core.IdentityLink) error {
	const op = "gormstore.SaveIdentityLink"
	return s.inTx(ctx, op, func(tx *gorm.DB) error {
		var cur identityLinkRow
		err := tx.Where("platform = ? AND user_id = ?", string(l.Platform), l.User.ID).Take(&cur).Error
		switch {
		case err == nil && cur.Account != l.Account:
			return core.Errorf(core.EConflict, "identity linked to another account")
		case err == nil:
			return tx.Model(&identityLinkRow{}).Where("id = ?", cur.ID).
				Updates(map[string]any{"workspace": l.Workspace.String(), "user_name": l.User.Name}).Error
		case !errors.Is(err, gorm.ErrRecordNotFound):
			return err
		}
		err = tx.Create(&identityLinkRow{Account: l.Account, Platform: string(l.Platform), UserID: l.User.ID,
			Workspace: l.Workspace.String(), UserName: l.User.Name, CreatedAt: stamp(l.CreatedAt)}).Error
		if isUnique(err) {
			return core.Errorf(core.EConflict, "identity linked to another account")
		}
		return err
	})
}

// IdentityLinks lists account's links, oldest first. Errors: unavailable, internal.
func (s *Store) IdentityLinks(ctx context.Context, account string) ([]core.IdentityLink, error) {
	var rows []identityLinkRow
	if err := s.db.WithContext(ctx).Where("account = ?", account).Order("id").Find(&rows).Error; err != nil {
		return nil, fail("gormstore.IdentityLinks", err)
	}
	out := make([]core.IdentityLink, len(rows))
	for i, r := range rows {
		out[i] = r.core()
	}
	return out, nil
}

// IdentityLinkOf returns the link of (platform, user). Errors: not_found, unavailable, internal.
func (s *Store) IdentityLinkOf(ctx context.Context, platform core.Platform, user string) (core.IdentityLink, error) {
	var row identityLinkRow
	err := s.db.WithContext(ctx).Where("platform = ? AND user_id = ?", string(platform), user).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return core.IdentityLink{}, notFound("link")
	}
	if err != nil {
		return core.IdentityLink{}, fail("gormstore.IdentityLinkOf", err)
	}
	return row.core(), nil
}

// DeleteIdentityLink removes account's link to (platform, user). Errors: unavailable, internal.
func (s *Store) DeleteIdentityLink(ctx context.Context, account string, platform core.Platform, user string) error {
	err := s.db.WithContext(ctx).Where("account = ? AND platform = ? AND user_id = ?", account, string(platform), user).
		Delete(&identityLinkRow{}).Error
	return fail("gormstore.DeleteIdentityLink", err)
}
