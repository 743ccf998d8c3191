package gormstore

import (
	"context"

	"gorm.io/gorm"

	"github.com/ticketbot/ticketbot/core"
)

// This file holds the reads and writes of many rows at once that a batch of outbox events
// makes: its tickets, their places, and the places its deliveries made.

// Tickets returns the tickets of ids that exist, with their answers, in two queries at most
// (the outbox reads a claimed batch's tickets at once). Errors: unavailable, internal.
func (s *Store) Tickets(ctx context.Context, ids []int64) ([]core.Ticket, error) {
	const op = "gormstore.Tickets"
	if len(ids) == 0 {
		return nil, nil
	}
	db := s.db.WithContext(ctx)
	var rows []ticketRow
	if err := db.Where("id IN ?", ids).Order("id").Find(&rows).Error; err != nil {
		return nil, fail(op, err)
	}
	out := make([]core.Ticket, len(rows))
	for i, r := range rows {
		out[i] = r.core()
	}
	if err := s.fillAnswers(db, out); err != nil {
		return nil, fail(op, err)
	}
	return out, nil
}

// PlacesOf returns the places of the tickets ids, oldest first, in one query.
// Errors: unavailable, internal.
func (s *Store) PlacesOf(ctx context.Context, ticketIDs []int64) ([]core.Place, error) {
	if len(ticketIDs) == 0 {
		return nil, nil
	}
	var rows []placeRow
	if err := s.db.WithContext(ctx).Where("ticket_id IN ?", ticketIDs).Order("id").Find(&rows).Error; err != nil {
		return nil, fail("gormstore.PlacesOf", err)
	}
	out := make([]core.Place, len(rows))
	for i, r := range rows {
		out[i] = r.core()
	}
	return out, nil
}

// AddPlaces records ps, each a place with a thread, in one transaction (one commit); a place
// already recorded for the same workspace, channel and thread is kept, and a place of a
// ticket that is gone is skipped. Each insert takes its ticket's row lock as AddPlace does.
// Errors: invalid (a place without a thread), unavailable, internal.
func (s *Store) AddPlaces(ctx context.Context, ps []core.Place) error {
	const op = "gormstore.AddPlaces"
	if len(ps) == 0 {
		return nil
	}
	for _, p := range ps {
		if p.ThreadID == "" {
			return fail(op, core.Errorf(core.EInvalid, "a place recorded with others needs a thread"))
		}
	}
	q, now := s.insertPlaceSQL(), s.now()
	return s.inTx(ctx, op, func(tx *gorm.DB) error {
		for _, p := range ps {
			err := tx.Exec(q, string(p.Kind), p.Workspace.String(), p.ChannelID, p.ThreadID, p.CardID, now, p.TicketID).Error
			if err != nil && !isUnique(err) {
				return err
			}
		}
		return nil
	})
}
