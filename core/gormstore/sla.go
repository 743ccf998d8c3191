package gormstore

import (
	"context"
	"errors"
	"sort"
	"time"

	"gorm.io/gorm"

	"github.com/ticketbot/ticketbot/core"
)

var _ core.SLAStore = (*Store)(nil)

type slaAlertRow struct {
	ID       int64 `gorm:"primaryKey"`
	TicketID int64
	Clock    string
	Stage    string
	Due      time.Time
	At       time.Time
}

func (slaAlertRow) TableName() string { return "sla_alerts" }

// RecordFirstResponse sets the first response of ticket id unless it has one, and moves the
// ticket in the report rollups, in one transaction under the ticket's row lock.
func (s *Store) RecordFirstResponse(ctx context.Context, id int64, at time.Time, took time.Duration) error {
	return s.inTx(ctx, "gormstore.RecordFirstResponse", func(tx *gorm.DB) error {
		var row ticketRow
		err := s.lock(tx.Select(rollupColumns).Where("id = ?", id)).Take(&row).Error
		if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && row.FirstResponseAt != nil) {
			return nil
		}
		if err != nil {
			return err
		}
		first := stamp(at)
		answered := row
		answered.FirstResponseAt, answered.ResponseSecs = &first, int64(took/time.Second)
		err = tx.Model(&ticketRow{}).Where("id = ?", id).
			Updates(map[string]any{"first_response_at": first, "sla_first_alert_at": nil, "response_secs": answered.ResponseSecs,
				// The next due is now the resolution's, if it has one and is not met.
				"sla_next_due": gorm.Expr("CASE WHEN resolved_at IS NULL AND sla_resolve_due IS NOT NULL THEN sla_resolve_due ELSE ? END", core.NoDue)}).Error
		if err != nil {
			return err
		}
		return s.applyRollups(tx, &row, &answered)
	})
}

// DueSLAAlerts lists tickets with an alert time at or before now: one range read per clock,
// each on its own index (ix_tickets_sla_first_alert, ix_tickets_sla_resolve_alert).
func (s *Store) DueSLAAlerts(ctx context.Context, now time.Time, limit int) ([]core.Ticket, error) {
	const op = "gormstore.DueSLAAlerts"
	seen := map[int64]core.Ticket{}
	for _, col := range []string{"sla_first_alert_at", "sla_resolve_alert_at"} {
		var rows []ticketRow
		if err := s.db.WithContext(ctx).Where(col+" <= ?", stamp(now)).Order(col).Limit(limit).Find(&rows).Error; err != nil {
			return nil, fail(op, err)
		}
		for _, r := range rows {
			seen[r.ID] = r.core()
		}
	}
	out := make([]core.Ticket, 0, len(seen))
	for _, t := range seen {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// errStaleAlert rolls back an alert whose ticket moved on (rescheduled, met) or that was
// recorded already.
var errStaleAlert = errors.New("gormstore: alert no longer due")

// RecordSLAAlert records a, moves the clock's alert time to next and writes ev, or nothing
// when the alert was recorded before or the clock was rescheduled since.
func (s *Store) RecordSLAAlert(ctx context.Context, a core.SLAAlert, next *time.Time, ev core.Event) (bool, error) {
	const op = "gormstore.RecordSLAAlert"
	dueCol, alertCol := "sla_first_due", "sla_first_alert_at"
	if a.Clock == core.SLAResolution {
		dueCol, alertCol = "sla_resolve_due", "sla_resolve_alert_at"
	}
	var nextVal any
	if next != nil {
		nextVal = stamp(*next)
	}
	err := s.inTx(ctx, op, func(tx *gorm.DB) error {
		res := tx.Model(&ticketRow{}).Where("id = ? AND "+dueCol+" = ? AND "+alertCol+" IS NOT NULL", a.TicketID, stamp(a.Due)).
			Update(alertCol, nextVal)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return fnError{errStaleAlert}
		}
		row := slaAlertRow{TicketID: a.TicketID, Clock: a.Clock, Stage: a.Stage, Due: stamp(a.Due), At: stamp(a.At)}
		// A plain INSERT: its unique-key error is the one sure sign of a duplicate (MySQL's
		// found-rows count makes an ignored conflict look like a write).
		if err := tx.Create(&row).Error; err != nil {
			if isUnique(err) {
				return fnError{errStaleAlert}
			}
			return err
		}
		return s.writeEvent(tx, ev)
	})
	if errors.Is(err, errStaleAlert) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, nil
}
