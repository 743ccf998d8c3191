package gormstore

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"

	"github.com/ticketbot/ticketbot/core"
)

// migrateSLA adds the tickets' SLA clocks (with indexes on the next alert times, which the
// SLA check reads, and on the due times per workspace, which the dashboard sorts by), the
// workspaces' SLA policies and the sla_alerts table whose unique key lets each alert go out
// once across replicas.
func migrateSLA() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "202612020011_sla",
		Migrate: func(tx *gorm.DB) error {
			m := tx.Migrator()
			for _, col := range []string{"FirstResponseAt", "ResolvedAt", "SLAPausedNS", "SLAPausedSince",
				"SLAFirstDue", "SLAResolveDue", "SLAFirstAlertAt", "SLAResolveAlertAt", "SLANextDue"} {
				if err := m.AddColumn(&v11Ticket{}, col); err != nil {
					return err
				}
			}
			// SQLite keeps the column's default as text, which never equals a bound time: give
			// the tickets already there core.NoDue the way every write does, so the due sort's
			// cursor pages through them. (MySQL's DATETIME default is the same value.)
			if tx.Dialector.Name() == "sqlite" {
				if err := tx.Exec("UPDATE tickets SET sla_next_due = ?", stamp(core.NoDue)).Error; err != nil {
					return err
				}
			}
			for _, ix := range []string{"ix_tickets_sla_first_alert", "ix_tickets_sla_resolve_alert", "ix_tickets_ws_first_due", "ix_tickets_ws_report", "ix_tickets_status_due_id", "ix_tickets_ws_status_due_id", "ix_tickets_ws_resolved"} {
				if err := m.CreateIndex(&v11Ticket{}, ix); err != nil {
					return err
				}
			}
			if err := m.AddColumn(&v11Settings{}, "SLA"); err != nil {
				return err
			}
			return m.CreateTable(&v11SLAAlert{})
		},
		Rollback: func(tx *gorm.DB) error {
			m := tx.Migrator()
			if err := m.DropTable(&v11SLAAlert{}); err != nil {
				return err
			}
			return m.DropColumn(&v11Settings{}, "SLA")
		},
	}
}

// v11Ticket is the part of tickets that 202612020011_sla adds. ix_tickets_ws_report covers
// every column the reports group or count over the tickets opened in a range, so they read
// the index range and never the rows.
type v11Ticket struct {
	Workspace         string     `gorm:"size:80;index:ix_tickets_ws_first_due,priority:1;index:ix_tickets_ws_report,priority:1;index:ix_tickets_ws_status_due_id,priority:1;index:ix_tickets_ws_resolved,priority:1"`
	CreatedAt         time.Time  `gorm:"precision:6;index:ix_tickets_ws_report,priority:2"`
	Priority          string     `gorm:"size:16;index:ix_tickets_ws_report,priority:3"`
	AssigneeID        string     `gorm:"size:128;index:ix_tickets_ws_report,priority:4"`
	Status            string     `gorm:"size:16;index:ix_tickets_status_due_id,priority:1;index:ix_tickets_ws_status_due_id,priority:2"`
	ID                int64      `gorm:"index:ix_tickets_status_due_id,priority:3;index:ix_tickets_ws_status_due_id,priority:4"`
	FirstResponseAt   *time.Time `gorm:"precision:6;index:ix_tickets_ws_report,priority:6"`
	ResolvedAt        *time.Time `gorm:"precision:6;index:ix_tickets_ws_resolved,priority:2;index:ix_tickets_ws_report,priority:5"`
	SLAPausedNS       int64      `gorm:"column:sla_paused_ns;not null;default:0"`
	SLAPausedSince    *time.Time `gorm:"column:sla_paused_since;precision:6"`
	SLAFirstDue       *time.Time `gorm:"column:sla_first_due;precision:6;index:ix_tickets_ws_first_due,priority:2;index:ix_tickets_ws_report,priority:7"`
	SLAResolveDue     *time.Time `gorm:"column:sla_resolve_due;precision:6;index:ix_tickets_ws_report,priority:8"`
	SLAFirstAlertAt   *time.Time `gorm:"column:sla_first_alert_at;precision:6;index:ix_tickets_sla_first_alert"`
	SLAResolveAlertAt *time.Time `gorm:"column:sla_resolve_alert_at;precision:6;index:ix_tickets_sla_resolve_alert"`
	// SLANextDue is core.SLAClock.NextDue (core.NoDue without a target), for the due sort.
	SLANextDue time.Time `gorm:"column:sla_next_due;precision:6;not null;default:'9999-12-31 00:00:00';index:ix_tickets_status_due_id,priority:2;index:ix_tickets_ws_status_due_id,priority:3"`
}

func (v11Ticket) TableName() string { return "tickets" }

type v11Settings struct {
	SLA string `gorm:"column:sla;type:text"`
}

func (v11Settings) TableName() string { return "workspace_settings" }

// v11SLAAlert is one alert sent: (ticket, clock, stage, due) is unique.
type v11SLAAlert struct {
	ID       int64     `gorm:"primaryKey;autoIncrement"`
	TicketID int64     `gorm:"not null;uniqueIndex:ux_sla_alerts,priority:1"`
	Clock    string    `gorm:"size:16;not null;uniqueIndex:ux_sla_alerts,priority:2"`
	Stage    string    `gorm:"size:16;not null;uniqueIndex:ux_sla_alerts,priority:3"`
	Due      time.Time `gorm:"precision:6;not null;uniqueIndex:ux_sla_alerts,priority:4"`
	At       time.Time `gorm:"precision:6;not null"`
}

func (v11SLAAlert) TableName() string { return "sla_alerts" }
