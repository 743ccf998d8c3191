package gormstore

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/ticketbot/ticketbot/core"
)

var _ core.InstallStore = (*Store)(nil)

// installRow is a row of app_installs; Token holds the sealed token only.
type installRow struct {
	Workspace       string `gorm:"primaryKey"`
	Platform        string
	Token           string
	BotUserID       string
	Scopes          string
	InstalledByID   string
	InstalledByName string
	InstalledAt     time.Time
	RevokedAt       *time.Time
}

func (installRow) TableName() string { return "app_installs" }

func (r installRow) core() (core.Install, error) {
	ws, err := core.ParseWorkspace(r.Workspace)
	if err != nil {
		return core.Install{}, err
	}
	return core.Install{Workspace: ws, Token: core.Sealed(r.Token), BotUserID: r.BotUserID, Scopes: r.Scopes,
		InstalledBy: core.UserRef{ID: r.InstalledByID, Name: r.InstalledByName}, InstalledAt: r.InstalledAt,
		RevokedAt: r.RevokedAt}, nil
}

// SaveInstall creates or replaces in, clearing a revocation. Errors: invalid, unavailable, internal.
func (s *Store) SaveInstall(ctx context.Context, in core.Install) error {
	const op = "gormstore.SaveInstall"
	if in.Workspace.IsZero() || in.Token == "" {
		return fail(op, core.Errorf(core.EInvalid, "an install needs a workspace and a token"))
	}
	row := installRow{Workspace: in.Workspace.String(), Platform: string(in.Workspace.Platform), Token: string(in.Token),
		BotUserID: in.BotUserID, Scopes: in.Scopes, InstalledByID: in.InstalledBy.ID, InstalledByName: in.InstalledBy.Name,
		InstalledAt: in.InstalledAt, RevokedAt: in.RevokedAt}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "workspace"}},
		DoUpdates: clause.AssignmentColumns([]string{"token", "bot_user_id", "scopes", "installed_by_id",
			"installed_by_name", "installed_at", "revoked_at"}),
	}).Create(&row).Error
	return fail(op, err)
}

// Install returns ws's install. Errors: not_found, unavailable, internal.
func (s *Store) Install(ctx context.Context, ws core.Workspace) (core.Install, error) {
	const op = "gormstore.Install"
	var row installRow
	err := s.db.WithContext(ctx).Where("workspace = ?", ws.String()).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return core.Install{}, fail(op, notFound("install of "+ws.String()))
	}
	if err != nil {
		return core.Install{}, fail(op, err)
	}
	in, err := row.core()
	return in, fail(op, err)
}

// RevokeInstall marks ws's install revoked at at. Errors: unavailable, internal.
func (s *Store) RevokeInstall(ctx context.Context, ws core.Workspace, at time.Time) error {
	err := s.db.WithContext(ctx).Model(&installRow{}).Where("workspace = ? AND revoked_at IS NULL", ws.String()).
		Update("revoked_at", at).Error
	return fail("gormstore.RevokeInstall", err)
}

// Installs lists platform's installs in workspace order. Errors: unavailable, internal.
func (s *Store) Installs(ctx context.Context, platform core.Platform) ([]core.Install, error) {
	const op = "gormstore.Installs"
	var rows []installRow
	if err := s.db.WithContext(ctx).Where("platform = ?", string(platform)).Order("workspace").Find(&rows).Error; err != nil {
		return nil, fail(op, err)
	}
	out := make([]core.Install, 0, len(rows))
	for _, r := range rows {
		in, err := r.core()
		if err != nil {
			return nil, fail(op, err)
		}
		out = append(out, in)
	}
	return out, nil
}
