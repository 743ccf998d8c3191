package gormstore

import (
	"context"
	"errors"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/ticketbot/ticketbot/core"
)

type ratingRow struct {
	TicketID     int64 `gorm:"primaryKey;autoIncrement:false"`
	Workspace    string
	Score        int
	Comment      string
	RaterID      string
	RaterName    string
	FirstRatedAt time.Time
	RatedAt      time.Time
}

func (ratingRow) TableName() string { return "ticket_ratings" }

func (r ratingRow) core() core.Rating {
	return core.Rating{TicketID: r.TicketID, Workspace: parseWorkspace(r.Workspace), Score: r.Score, Comment: r.Comment,
		Rater: core.UserRef{ID: r.RaterID, Name: r.RaterName}, FirstRatedAt: r.FirstRatedAt.UTC(), RatedAt: r.RatedAt.UTC()}
}

// RateTicket saves r for its ticket after fn accepted it, with change and a ticket.changed
// event, in one transaction under the ticket's row lock.
// Errors: not_found, unavailable, internal, and fn's.
func (s *Store) RateTicket(ctx context.Context, r core.Rating, change core.Change, fn func(t core.Ticket, old *core.Rating) error) (core.Rating, error) {
	const op = "gormstore.RateTicket"
	var out core.Rating
	err := s.inTx(ctx, op, func(tx *gorm.DB) error {
		var trow ticketRow
		err := s.lock(tx.Where("id = ?", r.TicketID)).Take(&trow).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return notFound("ticket")
		}
		if err != nil {
			return err
		}
		var old *core.Rating
		var orow ratingRow
		switch err := tx.Where("ticket_id = ?", r.TicketID).Take(&orow).Error; {
		case err == nil:
			o := orow.core()
			old = &o
		case !errors.Is(err, gorm.ErrRecordNotFound):
			return err
		}
		t := trow.core()
		if err := fn(t, old); err != nil {
			return fnError{err}
		}
		now := stamp(r.RatedAt)
		if r.RatedAt.IsZero() {
			now = s.now()
		}
		row := ratingRow{TicketID: t.ID, Workspace: trow.Workspace, Score: r.Score, Comment: r.Comment,
			RaterID: r.Rater.ID, RaterName: r.Rater.Name, FirstRatedAt: now, RatedAt: now}
		if old != nil {
			row.FirstRatedAt = stamp(old.FirstRatedAt)
		}
		err = tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "ticket_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"score", "comment", "rater_id", "rater_name", "rated_at"}),
		}).Create(&row).Error
		if err != nil {
			return err
		}
		if err := tx.Model(&ticketRow{}).Where("id = ?", t.ID).Updates(map[string]any{"rating": r.Score, "updated_at": now}).Error; err != nil {
			return err
		}
		rated := trow
		rated.Rating = r.Score
		if err := s.applyRollups(tx, &trow, &rated); err != nil {
			return err
		}
		t.Rating, t.UpdatedAt = r.Score, now
		if change.Field == "" {
			change = core.Change{Actor: r.Rater, Field: "rating", To: strconv.Itoa(r.Score)}
		}
		if old != nil {
			change.From = strconv.Itoa(old.Score)
		}
		if err := s.writeChanges(tx, t, []core.Change{change}, core.EventTicketChanged); err != nil {
			return err
		}
		out = row.core()
		return nil
	})
	if err != nil {
		return core.Rating{}, err
	}
	return out, nil
}

// Rating returns ticket id's rating. Errors: not_found, unavailable, internal.
func (s *Store) Rating(ctx context.Context, ticketID int64) (core.Rating, error) {
	var row ratingRow
	err := s.db.WithContext(ctx).Where("ticket_id = ?", ticketID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return core.Rating{}, fail("gormstore.Rating", notFound("rating"))
	}
	if err != nil {
		return core.Rating{}, fail("gormstore.Rating", err)
	}
	return row.core(), nil
}

// Ratings lists ws's ratings given in [from, to), oldest first (ix_ticket_ratings_ws_rated).
// Errors: unavailable, internal.
func (s *Store) Ratings(ctx context.Context, ws core.Workspace, from, to time.Time) ([]core.Rating, error) {
	var rows []ratingRow
	err := s.db.WithContext(ctx).Where("workspace = ? AND rated_at >= ? AND rated_at < ?", ws.String(), stamp(from), stamp(to)).
		Order("rated_at, ticket_id").Find(&rows).Error
	if err != nil {
		return nil, fail("gormstore.Ratings", err)
	}
	out := make([]core.Rating, len(rows))
	for i, r := range rows {
		out[i] = r.core()
	}
	return out, nil
}
