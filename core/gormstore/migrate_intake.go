package gormstore

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// migrateIntake adds intake_requests: acknowledged requests kept until their work is done
// (core.Intake). request_key is unique, so a retried or replayed request is stored once;
// ix_intake_pending (done_at, id) gives a claim the unfinished requests in id order.
func migrateIntake() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "202612040001_intake_requests",
		Migrate: func(tx *gorm.DB) error {
			return tx.Migrator().CreateTable(&v4Intake{})
		},
		Rollback: func(tx *gorm.DB) error {
			return tx.Migrator().DropTable(&v4Intake{})
		},
	}
}

// v4Intake is intake_requests as 202612040001_intake_requests creates it.
type v4Intake struct {
	ID            int64      `gorm:"primaryKey;autoIncrement;index:ix_intake_pending,priority:2"`
	RequestKey    string     `gorm:"size:191;not null;uniqueIndex:ux_intake_key"`
	Platform      string     `gorm:"size:16;not null"`
	Payload       []byte     `gorm:"not null"`
	Attempts      int        `gorm:"not null"`
	CreatedAt     time.Time  `gorm:"precision:6;not null"`
	NextAttemptAt time.Time  `gorm:"precision:6;not null"`
	LockedBy      *string    `gorm:"size:128"`
	LockedUntil   *time.Time `gorm:"precision:6"`
	DoneAt        *time.Time `gorm:"precision:6;index:ix_intake_pending,priority:1"`
	LastError     string     `gorm:"size:2000;not null"`
}

func (v4Intake) TableName() string { return "intake_requests" }
