package gormstore

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// migrateDrafts adds the drafts table: DM drafts waiting for their confirm button, kept in
// the database so that they survive a Redis outage.
func migrateDrafts() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID:       "202612010002_drafts",
		Migrate:  func(tx *gorm.DB) error { return tx.Migrator().CreateTable(&v3Draft{}) },
		Rollback: func(tx *gorm.DB) error { return tx.Migrator().DropTable(&v3Draft{}) },
	}
}

// v3Draft is the drafts table of 202612010002_drafts.
type v3Draft struct {
	ID        string    `gorm:"size:32;primaryKey"`
	Workspace string    `gorm:"size:80;not null"`
	UserID    string    `gorm:"size:128;not null"`
	Text      string    `gorm:"not null"`
	ExpiresAt time.Time `gorm:"precision:6;not null;index:ix_drafts_expires_at"`
	Opened    int64     `gorm:"not null"`
}

func (v3Draft) TableName() string { return "drafts" }
