package gormstore

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// migrateViews adds saved_views: the queue filters staff keep under a name.
func migrateViews() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID:       "202612010901_saved_views",
		Migrate:  func(tx *gorm.DB) error { return tx.Migrator().CreateTable(&v9SavedView{}) },
		Rollback: func(tx *gorm.DB) error { return tx.Migrator().DropTable(&v9SavedView{}) },
	}
}

// v9SavedView is the saved_views table of 202612010901_saved_views.
type v9SavedView struct {
	ID        int64     `gorm:"primaryKey;autoIncrement"`
	Owner     string    `gorm:"size:128;not null;uniqueIndex:ux_saved_views_owner_name,priority:1"`
	Name      string    `gorm:"size:191;not null;uniqueIndex:ux_saved_views_owner_name,priority:2"`
	Query     string    `gorm:"size:1000;not null"`
	CreatedAt time.Time `gorm:"precision:6;not null"`
}

func (v9SavedView) TableName() string { return "saved_views" }
