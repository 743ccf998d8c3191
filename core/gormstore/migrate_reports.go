package gormstore

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/ticketbot/ticketbot/core"
)

// migrateReports adds what the reports read instead of scanning tickets: each ticket's
// response and resolution time in running support seconds (core.SLAClock.ResponseTime and
// ResolutionTime, kept with the clock from now on) under covering indexes that rank them per
// range, a covering index over the ratings asked, and ticket_status_days, the per-day change
// of each status's backlog. Existing tickets are backfilled: resolution times from the
// stored clock (exact: a resolved ticket's pauses are all recorded), response times as the
// support time from opening to the first response (a pause before it is not on record), and
// the status days from the tickets and their status history.
func migrateReports() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "202612030012_reports",
		Migrate: func(tx *gorm.DB) error {
			m := tx.Migrator()
			for _, col := range []string{"ResponseSecs", "ResolutionSecs"} {
				if err := m.AddColumn(&v12Ticket{}, col); err != nil {
					return err
				}
			}
			for _, ix := range []string{"ix_tickets_ws_responded", "ix_tickets_ws_resolution", "ix_tickets_ws_csat"} {
				if err := m.CreateIndex(&v12Ticket{}, ix); err != nil {
					return err
				}
			}
			if err := m.CreateTable(&statusDayRow{}); err != nil {
				return err
			}
			return backfillReports(tx)
		},
		Rollback: func(tx *gorm.DB) error {
			m := tx.Migrator()
			if err := m.DropTable(&statusDayRow{}); err != nil {
				return err
			}
			for _, ix := range []string{"ix_tickets_ws_responded", "ix_tickets_ws_resolution", "ix_tickets_ws_csat"} {
				if err := m.DropIndex(&v12Ticket{}, ix); err != nil {
					return err
				}
			}
			for _, col := range []string{"ResponseSecs", "ResolutionSecs"} {
				if err := m.DropColumn(&v12Ticket{}, col); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

// v12Ticket is the part of tickets that 202612030012_reports adds or indexes.
type v12Ticket struct {
	Workspace       string     `gorm:"size:80;index:ix_tickets_ws_responded,priority:1;index:ix_tickets_ws_resolution,priority:1;index:ix_tickets_ws_csat,priority:1"`
	FirstResponseAt *time.Time `gorm:"precision:6;index:ix_tickets_ws_responded,priority:2"`
	ResolvedAt      *time.Time `gorm:"precision:6;index:ix_tickets_ws_resolution,priority:2"`
	AssigneeID      string     `gorm:"size:128;index:ix_tickets_ws_responded,priority:3;index:ix_tickets_ws_resolution,priority:3"`
	ResponseSecs    int64      `gorm:"not null;default:0;index:ix_tickets_ws_responded,priority:4"`
	ResolutionSecs  int64      `gorm:"not null;default:0;index:ix_tickets_ws_resolution,priority:4"`
	CSATAskedAt     *time.Time `gorm:"column:csat_asked_at;precision:6;index:ix_tickets_ws_csat,priority:2"`
	Rating          int        `gorm:"index:ix_tickets_ws_csat,priority:3"`
}

func (v12Ticket) TableName() string { return "tickets" }

// statusDayRow is how a day changed one status's backlog in a workspace: tickets that got
// the status that day less those that left it (a new ticket counts on its opening day). The
// backlog at the end of a day is the sum of N over that day and every day before it.
type statusDayRow struct {
	Workspace string `gorm:"primaryKey;size:80"`
	Day       string `gorm:"primaryKey;size:10"` // 2006-01-02, UTC
	Status    string `gorm:"primaryKey;size:16"`
	N         int64  `gorm:"not null;default:0"`
}

func (statusDayRow) TableName() string { return "ticket_status_days" }

// dayOf is the UTC day that ticket_status_days files t under.
func dayOf(t time.Time) string { return t.UTC().Format("2006-01-02") }

// bumpStatusDay adds d to (ws, day, status) in ticket_status_days, creating the row.
func bumpStatusDay(tx *gorm.DB, ws, day, status string, d int64) error {
	return tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "workspace"}, {Name: "day"}, {Name: "status"}},
		DoUpdates: clause.Assignments(map[string]any{"n": gorm.Expr("n + ?", d)}),
	}).Create(&statusDayRow{Workspace: ws, Day: day, Status: status, N: d}).Error
}

// restatusDay moves ticket t of ws from status from to status to on day, inside tx, in key
// order like recount.
func restatusDay(tx *gorm.DB, ws, day string, from, to core.Status) error {
	if from == to {
		return nil
	}
	steps := []struct {
		st core.Status
		d  int64
	}{{from, -1}, {to, 1}}
	if to < from {
		steps[0], steps[1] = steps[1], steps[0]
	}
	for _, s := range steps {
		if err := bumpStatusDay(tx, ws, day, string(s.st), s.d); err != nil {
			return err
		}
	}
	return nil
}

// backfillReports fills the columns and the table migrateReports adds, a thousand tickets at
// a time.
func backfillReports(tx *gorm.DB) error {
	hours := map[string]core.Hours{}
	var settings []settingsRow
	if err := tx.Find(&settings).Error; err != nil {
		return err
	}
	for _, r := range settings {
		hours[r.Workspace] = r.core().Hours
	}
	type key struct{ ws, day, status string }
	days := map[key]int64{}
	var last int64
	for {
		var rows []ticketRow
		if err := tx.Where("id > ?", last).Order("id").Limit(1000).Find(&rows).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			break
		}
		ids := make([]int64, len(rows))
		for i, r := range rows {
			ids[i] = r.ID
		}
		var changes []changeRow
		if err := tx.Where("ticket_id IN ? AND field = ?", ids, "status").Order("id").Find(&changes).Error; err != nil {
			return err
		}
		byTicket := map[int64][]changeRow{}
		for _, c := range changes {
			byTicket[c.TicketID] = append(byTicket[c.TicketID], c)
		}
		for _, r := range rows {
			last = r.ID
			first := r.Status
			if cs := byTicket[r.ID]; len(cs) > 0 {
				first = cs[0].FromValue
			}
			days[key{r.Workspace, dayOf(r.CreatedAt), first}]++
			for _, c := range byTicket[r.ID] {
				days[key{r.Workspace, dayOf(c.At), c.FromValue}]--
				days[key{r.Workspace, dayOf(c.At), c.ToValue}]++
			}
			if r.FirstResponseAt == nil && r.ResolvedAt == nil {
				continue
			}
			h, clock, set := hours[r.Workspace], r.sla(), map[string]any{}
			if r.FirstResponseAt != nil {
				set["response_secs"] = int64(h.Between(r.CreatedAt, *r.FirstResponseAt) / time.Second)
			}
			if r.ResolvedAt != nil {
				set["resolution_secs"] = int64(clock.Elapsed(h, r.CreatedAt, *r.ResolvedAt) / time.Second)
			}
			if err := tx.Model(&ticketRow{}).Where("id = ?", r.ID).Updates(set).Error; err != nil {
				return err
			}
		}
	}
	rows := make([]statusDayRow, 0, len(days))
	for k, n := range days {
		if n != 0 {
			rows = append(rows, statusDayRow{Workspace: k.ws, Day: k.day, Status: k.status, N: n})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	return tx.CreateInBatches(rows, 500).Error
}
