package gormstore

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// migrateHoursSettings (202612010102_hours_settings) adds a workspace's support hours (JSON of
// core.HoursSpec, empty: always open) and its transcript channel to workspace_settings.
func migrateHoursSettings() *gormigrate.Migration {
	cols := []string{"Hours", "TranscriptChannel"}
	return &gormigrate.Migration{
		ID: "202612010102_hours_settings",
		Migrate: func(tx *gorm.DB) error {
			for _, c := range cols {
				if err := tx.Migrator().AddColumn(&v5SettingsHours{}, c); err != nil {
					return err
				}
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			for _, c := range cols {
				if err := tx.Migrator().DropColumn(&v5SettingsHours{}, c); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

// v5SettingsHours is the part of workspace_settings that 202612010102_hours_settings adds.
type v5SettingsHours struct {
	Hours             string `gorm:"size:2000;not null;default:''"`
	TranscriptChannel string `gorm:"size:128;not null;default:''"`
}

func (v5SettingsHours) TableName() string { return "workspace_settings" }
