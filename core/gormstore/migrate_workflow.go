package gormstore

import (
	"fmt"
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// migrateWorkflow (202612020001_workflow) adds what the helpdesk workflow keeps: the
// workspace's name, timer delays and CSAT switch; each ticket's status time (the timers count
// from it, so they survive restarts), its reminder mark and when its rating was asked, with
// the index the scheduler's due queries read; saved replies; ratings; and the scheduler's
// lease rows (one replica runs the timers at a time).
func migrateWorkflow() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "202612020001_workflow",
		Migrate: func(tx *gorm.DB) error {
			m := tx.Migrator()
			for _, col := range []string{"Name", "ReminderAfter", "CloseWaitingAfter", "CloseResolvedAfter", "CSATOff"} {
				if err := m.AddColumn(&v5Settings{}, col); err != nil {
					return fmt.Errorf("add workspace_settings.%s: %w", col, err)
				}
			}
			for _, col := range []string{"StatusChangedAt", "Reminded", "CSATAskedAt", "Rating"} {
				if err := m.AddColumn(&v5Ticket{}, col); err != nil {
					return fmt.Errorf("add tickets.%s: %w", col, err)
				}
			}
			// Existing tickets count from their last update: the closest stored time to
			// their last status change.
			if err := tx.Exec("UPDATE tickets SET status_changed_at = updated_at").Error; err != nil {
				return err
			}
			if err := m.CreateIndex(&v5Ticket{}, "ix_tickets_ws_status_timer"); err != nil {
				return err
			}
			for _, t := range []any{&v5SavedReply{}, &v5Rating{}, &v5Lease{}} {
				if err := m.CreateTable(t); err != nil {
					return fmt.Errorf("create %T: %w", t, err)
				}
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			m := tx.Migrator()
			if err := m.DropTable(&v5Lease{}, &v5Rating{}, &v5SavedReply{}); err != nil {
				return err
			}
			if err := m.DropIndex(&v5Ticket{}, "ix_tickets_ws_status_timer"); err != nil {
				return err
			}
			for _, col := range []string{"StatusChangedAt", "Reminded", "CSATAskedAt", "Rating"} {
				if err := m.DropColumn(&v5Ticket{}, col); err != nil {
					return err
				}
			}
			for _, col := range []string{"Name", "ReminderAfter", "CloseWaitingAfter", "CloseResolvedAfter", "CSATOff"} {
				if err := m.DropColumn(&v5Settings{}, col); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

// Schema of 202612020001_workflow.

// v5Settings is the part of workspace_settings the migration adds; delays are nanoseconds,
// 0 meaning the default.
type v5Settings struct {
	Name               string `gorm:"size:255;not null;default:''"`
	ReminderAfter      int64  `gorm:"not null;default:0"`
	CloseWaitingAfter  int64  `gorm:"not null;default:0"`
	CloseResolvedAfter int64  `gorm:"not null;default:0"`
	CSATOff            bool   `gorm:"column:csat_off;not null;default:false"`
}

func (v5Settings) TableName() string { return "workspace_settings" }

// v5Ticket is the part of tickets the migration adds. ix_tickets_ws_status_timer answers the
// scheduler's "which tickets of this workspace in this status (reminded or not) got it
// before T" with a range scan.
type v5Ticket struct {
	Workspace       string     `gorm:"size:80;not null;index:ix_tickets_ws_status_timer,priority:1"`
	Status          string     `gorm:"size:16;not null;index:ix_tickets_ws_status_timer,priority:2"`
	Reminded        bool       `gorm:"not null;default:false;index:ix_tickets_ws_status_timer,priority:3"`
	StatusChangedAt *time.Time `gorm:"precision:6;index:ix_tickets_ws_status_timer,priority:4"`
	CSATAskedAt     *time.Time `gorm:"column:csat_asked_at;precision:6"`
	Rating          int        `gorm:"not null;default:0"`
}

func (v5Ticket) TableName() string { return "tickets" }

type v5SavedReply struct {
	ID        int64     `gorm:"primaryKey;autoIncrement"`
	Workspace string    `gorm:"size:80;not null;uniqueIndex:ux_saved_replies_ws_name,priority:1"`
	Name      string    `gorm:"size:64;not null;uniqueIndex:ux_saved_replies_ws_name,priority:2"`
	Content   string    `gorm:"not null"`
	AuthorID  string    `gorm:"size:128;not null"`
	CreatedAt time.Time `gorm:"precision:6;not null"`
	UpdatedAt time.Time `gorm:"precision:6;not null"`
}

func (v5SavedReply) TableName() string { return "saved_replies" }

// v5Rating is one ticket's satisfaction rating; ix_ticket_ratings_ws_rated serves reports
// over a workspace and a period.
type v5Rating struct {
	TicketID     int64     `gorm:"primaryKey;autoIncrement:false"`
	Ticket       *v1Ticket `gorm:"foreignKey:TicketID;constraint:OnDelete:CASCADE"`
	Workspace    string    `gorm:"size:80;not null;index:ix_ticket_ratings_ws_rated,priority:1"`
	Score        int       `gorm:"not null"`
	Comment      string    `gorm:"not null"`
	RaterID      string    `gorm:"size:128;not null"`
	RaterName    string    `gorm:"size:255;not null"`
	FirstRatedAt time.Time `gorm:"precision:6;not null"`
	RatedAt      time.Time `gorm:"precision:6;not null;index:ix_ticket_ratings_ws_rated,priority:2"`
}

func (v5Rating) TableName() string { return "ticket_ratings" }

// v5Lease is a named lease: who holds it until when.
type v5Lease struct {
	Name  string    `gorm:"size:64;primaryKey"`
	Owner string    `gorm:"size:128;not null"`
	Until time.Time `gorm:"precision:6;not null"`
	Taken time.Time `gorm:"precision:6;not null"`
}

func (v5Lease) TableName() string { return "leases" }
