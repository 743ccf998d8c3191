package gormstore

import (
	"fmt"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// listIndexes are the ticket indexes of 202612010002_lists. Every list is run as one range
// per status (and, sorted by priority, per status and priority), each read in key order from
// an index whose leading columns are the list's equality filters, so each range reads at
// most a page of rows (see listPlan).
var listIndexes = []struct{ name, cols string }{
	{"ix_tickets_status_id", "status, id"},
	{"ix_tickets_assignee_status_id", "assignee_id, status, id"},
	{"ix_tickets_reporter_status_id", "reporter_id, status, id"},
	{"ix_tickets_ws_assignee_status_id", "workspace, assignee_id, status, id"},
	{"ix_tickets_ws_reporter_status_id", "workspace, reporter_id, status, id"},
	{"ix_tickets_status_updated", "status, updated_at, id"},
	{"ix_tickets_ws_status_updated", "workspace, status, updated_at, id"},
	{"ix_tickets_status_priority_id", "status, priority, id"},
	{"ix_tickets_ws_status_priority_id", "workspace, status, priority, id"},
}

// migrateLists (202612010002_lists) adds the list indexes and ticket_counts, the exact number
// of tickets per workspace, status and priority, kept in the same transaction as every
// ticket change (so the dashboard's tabs never count rows), filled from the tickets there are.
func migrateLists() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "202612010002_lists",
		Migrate: func(tx *gorm.DB) error {
			for _, ix := range listIndexes {
				if err := tx.Exec(fmt.Sprintf("CREATE INDEX %s ON tickets (%s)", ix.name, ix.cols)).Error; err != nil {
					return fmt.Errorf("create index %s: %w", ix.name, err)
				}
			}
			if err := tx.Migrator().CreateTable(&v3Count{}); err != nil {
				return fmt.Errorf("create ticket_counts: %w", err)
			}
			return tx.Exec(`INSERT INTO ticket_counts (workspace, status, priority, n)
				SELECT workspace, status, priority, COUNT(*) FROM tickets GROUP BY workspace, status, priority`).Error
		},
		Rollback: func(tx *gorm.DB) error {
			if err := tx.Migrator().DropTable(&v3Count{}); err != nil {
				return err
			}
			for _, ix := range listIndexes {
				if err := tx.Migrator().DropIndex(&v1Ticket{}, ix.name); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

// Schema of 202612010002_lists.

type v3Count struct {
	Workspace string `gorm:"size:80;primaryKey"`
	Status    string `gorm:"size:16;primaryKey"`
	Priority  string `gorm:"size:16;primaryKey"`
	N         int64  `gorm:"not null"`
}

func (v3Count) TableName() string { return "ticket_counts" }
