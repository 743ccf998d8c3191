package gormstore

import (
	"fmt"
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// migrateNames (202612011000_names) adds the names people see instead of ids (workspaces'
// and people's display names, kept so they survive the loss of Redis), the platform
// identities a web account is linked to, and on platform sign-in sessions the workspace
// chosen on the dashboard and when their roles were last checked.
func migrateNames() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "202612011000_names",
		Migrate: func(tx *gorm.DB) error {
			for _, t := range []any{&v5DisplayName{}, &v5IdentityLink{}} {
				if err := tx.Migrator().CreateTable(t); err != nil {
					return fmt.Errorf("create %T: %w", t, err)
				}
			}
			for _, col := range []string{"ActiveWorkspace", "RolesCheckedAt"} {
				if err := tx.Migrator().AddColumn(&v5IdentitySession{}, col); err != nil {
					return fmt.Errorf("add identity_sessions.%s: %w", col, err)
				}
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			for _, col := range []string{"RolesCheckedAt", "ActiveWorkspace"} {
				if err := tx.Migrator().DropColumn(&v5IdentitySession{}, col); err != nil {
					return err
				}
			}
			return tx.Migrator().DropTable(&v5IdentityLink{}, &v5DisplayName{})
		},
	}
}

// Schema of 202612011000_names.

// v5DisplayName is a name: a workspace's own (user_id empty) or a person's in a workspace.
type v5DisplayName struct {
	Workspace string    `gorm:"size:80;primaryKey"`
	UserID    string    `gorm:"size:128;primaryKey"`
	Name      string    `gorm:"size:255;not null"`
	Fetched   bool      `gorm:"not null"`
	UpdatedAt time.Time `gorm:"precision:6;not null"`
}

func (v5DisplayName) TableName() string { return "display_names" }

// v5IdentityLink is a platform identity (a Slack user of a team, a Discord user) linked to a
// web account; an identity belongs to one account at most.
type v5IdentityLink struct {
	ID        int64     `gorm:"primaryKey;autoIncrement"`
	Account   string    `gorm:"size:191;not null;index:ix_identity_links_account"`
	Platform  string    `gorm:"size:16;not null;uniqueIndex:ux_identity_links_identity,priority:1"`
	UserID    string    `gorm:"size:128;not null;uniqueIndex:ux_identity_links_identity,priority:2"`
	Workspace string    `gorm:"size:80;not null"`
	UserName  string    `gorm:"size:255;not null"`
	CreatedAt time.Time `gorm:"precision:6;not null"`
}

func (v5IdentityLink) TableName() string { return "identity_links" }

type v5IdentitySession struct {
	ActiveWorkspace string     `gorm:"size:80;not null;default:''"`
	RolesCheckedAt  *time.Time `gorm:"precision:6"`
}

func (v5IdentitySession) TableName() string { return "identity_sessions" }
