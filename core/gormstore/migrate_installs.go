package gormstore

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// migrateInstalls (202612010003_installs) adds app_installs: the bot token (sealed with
// TICKETBOT_SECRET_KEY) of every workspace that installed the Slack app through OAuth.
func migrateInstalls() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "202612010003_installs",
		Migrate: func(tx *gorm.DB) error {
			return tx.Migrator().CreateTable(&v3Install{})
		},
		Rollback: func(tx *gorm.DB) error {
			return tx.Migrator().DropTable(&v3Install{})
		},
	}
}

// Schema of 202612010003_installs.

type v3Install struct {
	Workspace       string     `gorm:"size:80;primaryKey"`
	Platform        string     `gorm:"size:16;not null;index:ix_app_installs_platform"`
	Token           string     `gorm:"not null"`
	BotUserID       string     `gorm:"size:128;not null"`
	Scopes          string     `gorm:"not null"`
	InstalledByID   string     `gorm:"size:128;not null"`
	InstalledByName string     `gorm:"size:255;not null"`
	InstalledAt     time.Time  `gorm:"precision:6;not null"`
	RevokedAt       *time.Time `gorm:"precision:6"`
}

func (v3Install) TableName() string { return "app_installs" }
