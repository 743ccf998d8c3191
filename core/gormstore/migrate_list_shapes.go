package gormstore

import (
	"fmt"
	"strings"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// listShapeIndexes are the ticket indexes of 202612010005_list_shapes: the shapes
// 202612010002_lists left bounded by a person's tickets instead of the page — a person's
// tickets sorted by update or by priority (or filtered by priority), a reporter's tickets
// assigned to one assignee, and a priority filter sorted by update (see listIndex).
var listShapeIndexes = []struct{ name, cols string }{
	{"ix_tickets_reporter_status_updated", "reporter_id, status, updated_at, id"},
	{"ix_tickets_ws_reporter_status_updated", "workspace, reporter_id, status, updated_at, id"},
	{"ix_tickets_assignee_status_updated", "assignee_id, status, updated_at, id"},
	{"ix_tickets_ws_assignee_status_updated", "workspace, assignee_id, status, updated_at, id"},
	{"ix_tickets_reporter_status_priority_id", "reporter_id, status, priority, id"},
	{"ix_tickets_ws_reporter_status_priority_id", "workspace, reporter_id, status, priority, id"},
	{"ix_tickets_assignee_status_priority_id", "assignee_id, status, priority, id"},
	{"ix_tickets_ws_assignee_status_priority_id", "workspace, assignee_id, status, priority, id"},
	{"ix_tickets_reporter_assignee_status_id", "reporter_id, assignee_id, status, id"},
	{"ix_tickets_ws_reporter_assignee_status_id", "workspace, reporter_id, assignee_id, status, id"},
	{"ix_tickets_status_priority_updated", "status, priority, updated_at, id"},
	{"ix_tickets_ws_status_priority_updated", "workspace, status, priority, updated_at, id"},
}

// migrateListShapes (202612010005_list_shapes) adds listShapeIndexes.
func migrateListShapes() *gormigrate.Migration {
	return ticketIndexes("202612010005_list_shapes", listShapeIndexes)
}

// ticketIndexes is the migration id that adds ixs to tickets. MySQL/MariaDB: one ALTER
// builds them all in one pass over the table (and holds the migration lock, which every
// database on the server shares, once).
func ticketIndexes(id string, ixs []struct{ name, cols string }) *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: id,
		Migrate: func(tx *gorm.DB) error {
			if tx.Dialector.Name() == "mysql" {
				adds := make([]string, len(ixs))
				for i, ix := range ixs {
					adds[i] = fmt.Sprintf("ADD INDEX %s (%s)", ix.name, ix.cols)
				}
				return tx.Exec("ALTER TABLE tickets " + strings.Join(adds, ", ")).Error
			}
			for _, ix := range ixs {
				if err := tx.Exec(fmt.Sprintf("CREATE INDEX %s ON tickets (%s)", ix.name, ix.cols)).Error; err != nil {
					return fmt.Errorf("create index %s: %w", ix.name, err)
				}
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			for _, ix := range ixs {
				if err := tx.Migrator().DropIndex(&v1Ticket{}, ix.name); err != nil {
					return err
				}
			}
			return nil
		},
	}
}
