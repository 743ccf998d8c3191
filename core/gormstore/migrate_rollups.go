package gormstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// rollupTicketIndexes are the ticket indexes of 202612040013_rollups: the look-ups that pick
// a percentile's exact value inside its histogram bucket (stats_times.go) read the tickets
// whose seconds fall in the bucket, answered or resolved in the range, in order of seconds —
// in one workspace, in every workspace, and of one assignee (whose name the reports read from
// the first of those, which therefore ends with it). They replace the range-ranking
// indexes of 202612030012_reports, which only the reports read.
var rollupTicketIndexes = []struct{ name, cols string }{
	{"ix_tickets_ws_response_secs", "workspace, response_secs, first_response_at"},
	{"ix_tickets_response_secs", "response_secs, first_response_at"},
	{"ix_tickets_assignee_response_secs", "assignee_id, response_secs, first_response_at, workspace, assignee_name"},
	{"ix_tickets_ws_resolution_secs", "workspace, resolution_secs, resolved_at"},
	{"ix_tickets_resolution_secs", "resolution_secs, resolved_at"},
	{"ix_tickets_assignee_resolution_secs", "assignee_id, resolution_secs, resolved_at, workspace"},
}

// droppedReportIndexes are the indexes of 202612030012_reports the rollups make unused.
var droppedReportIndexes = []struct{ name, cols string }{
	{"ix_tickets_ws_responded", "workspace, first_response_at, assignee_id, response_secs"},
	{"ix_tickets_ws_resolution", "workspace, resolved_at, assignee_id, resolution_secs"},
	{"ix_tickets_ws_csat", "workspace, csat_asked_at, rating"},
}

// migrateRollups (202612040013_rollups) creates the report rollups (rollups.go) and fills
// them from the tickets, and swaps the reports' ticket indexes for the look-up ones.
func migrateRollups() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "202612040013_rollups",
		Migrate: func(tx *gorm.DB) error {
			for _, t := range []any{&v13Opened{}, &v13Closed{}, &v13CSAT{}, &v13Times{}} {
				if err := tx.Migrator().CreateTable(t); err != nil {
					return fmt.Errorf("create %T: %w", t, err)
				}
			}
			if err := swapTicketIndexes(tx, droppedReportIndexes, rollupTicketIndexes); err != nil {
				return err
			}
			return rebuildRollups(tx)
		},
		Rollback: func(tx *gorm.DB) error {
			if err := swapTicketIndexes(tx, rollupTicketIndexes, droppedReportIndexes); err != nil {
				return err
			}
			return tx.Migrator().DropTable(&v13Times{}, &v13CSAT{}, &v13Closed{}, &v13Opened{})
		},
	}
}

// swapTicketIndexes drops drop and adds add on tickets (on MySQL in one ALTER TABLE).
func swapTicketIndexes(tx *gorm.DB, drop, add []struct{ name, cols string }) error {
	var stmts []string
	for _, ix := range drop {
		stmts = append(stmts, "DROP INDEX "+ix.name)
	}
	for _, ix := range add {
		stmts = append(stmts, fmt.Sprintf("ADD INDEX %s (%s)", ix.name, ix.cols))
	}
	if tx.Dialector.Name() == "mysql" {
		return tx.Exec("ALTER TABLE tickets " + strings.Join(stmts, ", ")).Error
	}
	for _, ix := range drop {
		if err := tx.Exec("DROP INDEX " + ix.name).Error; err != nil {
			return fmt.Errorf("drop index %s: %w", ix.name, err)
		}
	}
	for _, ix := range add {
		if err := tx.Exec(fmt.Sprintf("CREATE INDEX %s ON tickets (%s)", ix.name, ix.cols)).Error; err != nil {
			return fmt.Errorf("create index %s: %w", ix.name, err)
		}
	}
	return nil
}

// Schema of 202612040013_rollups. Each table's key leads with the workspace; a second index
// without it serves the every-workspace reports (report_times's covers them: it has the most
// rows in a range).

type v13Opened struct {
	Workspace         string `gorm:"primaryKey;size:80"`
	Day               string `gorm:"primaryKey;size:10;index:ix_report_opened_day"`
	AssigneeID        string `gorm:"primaryKey;size:128"`
	Priority          string `gorm:"primaryKey;size:16"`
	Tickets           int64  `gorm:"not null;default:0"`
	Resolved          int64  `gorm:"not null;default:0"`
	FirstTargets      int64  `gorm:"not null;default:0"`
	FirstMet          int64  `gorm:"not null;default:0"`
	ResolutionTargets int64  `gorm:"not null;default:0"`
	ResolutionMet     int64  `gorm:"not null;default:0"`
}

func (v13Opened) TableName() string { return "report_opened" }

type v13Closed struct {
	Workspace string `gorm:"primaryKey;size:80"`
	Day       string `gorm:"primaryKey;size:10;index:ix_report_closed_day"`
	N         int64  `gorm:"not null;default:0"`
}

func (v13Closed) TableName() string { return "report_closed" }

type v13CSAT struct {
	Workspace string `gorm:"primaryKey;size:80"`
	Day       string `gorm:"primaryKey;size:10;index:ix_report_csat_day"`
	Rating    int    `gorm:"primaryKey;autoIncrement:false"`
	N         int64  `gorm:"not null;default:0"`
}

func (v13CSAT) TableName() string { return "report_csat" }

type v13Times struct {
	Workspace  string `gorm:"primaryKey;size:80"`
	Kind       string `gorm:"primaryKey;size:16;index:ix_report_times_period,priority:1"`
	Grain      string `gorm:"primaryKey;size:1;index:ix_report_times_period,priority:2"`
	Period     string `gorm:"primaryKey;size:10;index:ix_report_times_period,priority:3"`
	AssigneeID string `gorm:"primaryKey;size:128;index:ix_report_times_period,priority:4"`
	Bucket     int64  `gorm:"primaryKey;autoIncrement:false;index:ix_report_times_period,priority:5"`
	N          int64  `gorm:"not null;default:0;index:ix_report_times_period,priority:6"`
}

func (v13Times) TableName() string { return "report_times" }

// rollupColumns are the ticket columns rollupCells reads.
const rollupColumns = "id, workspace, created_at, assignee_id, priority, first_response_at, resolved_at, " +
	"sla_first_due, sla_resolve_due, csat_asked_at, rating, response_secs, resolution_secs"

// rebuildRollups empties the rollups and fills them again from every ticket, read in id
// order a few thousand at a time and summed in memory, then written in multi-row inserts.
func rebuildRollups(tx *gorm.DB) error {
	for _, t := range []*rollupTable{rollupOpened, rollupClosed, rollupCSAT, rollupTimes} {
		if err := tx.Exec("DELETE FROM " + t.name).Error; err != nil {
			return err
		}
	}
	sums := map[string]*rollupCell{}
	var last int64
	for {
		var rows []ticketRow
		if err := tx.Select(rollupColumns).Where("id > ?", last).Order("id").Limit(5000).Find(&rows).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			break
		}
		last = rows[len(rows)-1].ID
		for i := range rows {
			for _, c := range rollupCells(&rows[i]) {
				id := c.id()
				if d, ok := sums[id]; ok {
					for j, v := range c.vals {
						d.vals[j] += v
					}
					continue
				}
				sums[id] = &c
			}
		}
	}
	byTable := map[*rollupTable][]*rollupCell{}
	for _, c := range sums {
		byTable[c.table] = append(byTable[c.table], c)
	}
	for t, cells := range byTable {
		cols := append(append([]string(nil), t.keys...), t.vals...)
		row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
		const batch = 500 // rows per INSERT: well under SQLite's bound variables
		for lo := 0; lo < len(cells); lo += batch {
			part := cells[lo:min(lo+batch, len(cells))]
			args := make([]any, 0, len(part)*len(cols))
			for _, c := range part {
				args = append(args, c.key...)
				for _, v := range c.vals {
					args = append(args, v)
				}
			}
			q := fmt.Sprintf("INSERT INTO %s (%s) VALUES %s", t.name, strings.Join(cols, ", "),
				strings.TrimSuffix(strings.Repeat(row+", ", len(part)), ", "))
			if err := tx.Exec(q, args...).Error; err != nil {
				return fmt.Errorf("fill %s: %w", t.name, err)
			}
		}
	}
	return nil
}

// RebuildReports recomputes the report rollups from the tickets, in one transaction: for a
// database whose tickets were written around the store (a bulk load, a restore of tickets
// alone). Errors: unavailable, internal.
func (s *Store) RebuildReports(ctx context.Context) error {
	return s.inTx(ctx, "gormstore.RebuildReports", func(tx *gorm.DB) error { return rebuildRollups(tx) })
}
