package gormstore

import (
	"fmt"
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// migrateLinks (202612010016_workspace_links) adds workspace links (a Discord server staffed
// from a Slack triage channel): the one-time codes that make them (hashed, single use), the
// links themselves (a workspace is on at most one), and their history.
func migrateLinks() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "202612010016_workspace_links",
		Migrate: func(tx *gorm.DB) error {
			for _, t := range []any{&v4LinkCode{}, &v4Link{}, &v4LinkChange{}} {
				if err := tx.Migrator().CreateTable(t); err != nil {
					return fmt.Errorf("create %T: %w", t, err)
				}
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			return tx.Migrator().DropTable(&v4LinkChange{}, &v4Link{}, &v4LinkCode{})
		},
	}
}

// Schema of 202612010016_workspace_links.

type v4LinkCode struct {
	Hash      []byte     `gorm:"size:32;primaryKey"`
	Workspace string     `gorm:"size:80;not null"`
	Name      string     `gorm:"size:255;not null"`
	ByID      string     `gorm:"size:128;not null"`
	ByName    string     `gorm:"size:255;not null"`
	CreatedAt time.Time  `gorm:"precision:6;not null"`
	ExpiresAt time.Time  `gorm:"precision:6;not null;index:ix_link_codes_expires"`
	UsedAt    *time.Time `gorm:"precision:6"`
}

func (v4LinkCode) TableName() string { return "link_codes" }

type v4Link struct {
	Workspace      string    `gorm:"size:80;primaryKey"`
	Name           string    `gorm:"size:255;not null"`
	StaffWorkspace string    `gorm:"size:80;not null;uniqueIndex:ux_workspace_links_staff"`
	StaffChannel   string    `gorm:"size:128;not null"`
	ByID           string    `gorm:"size:128;not null"`
	ByName         string    `gorm:"size:255;not null"`
	CreatedAt      time.Time `gorm:"precision:6;not null"`
}

func (v4Link) TableName() string { return "workspace_links" }

type v4LinkChange struct {
	ID             int64     `gorm:"primaryKey;autoIncrement"`
	Action         string    `gorm:"size:16;not null"`
	Workspace      string    `gorm:"size:80;not null;index:ix_link_changes_workspace"`
	Name           string    `gorm:"size:255;not null"`
	StaffWorkspace string    `gorm:"size:80;not null;index:ix_link_changes_staff"`
	StaffChannel   string    `gorm:"size:128;not null"`
	ByID           string    `gorm:"size:128;not null"`
	ByName         string    `gorm:"size:255;not null"`
	At             time.Time `gorm:"precision:6;not null"`
}

func (v4LinkChange) TableName() string { return "workspace_link_changes" }
