package gormstore

import (
	"context"
	"strings"

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

// AddPlaces records ps, each a place with a thread, in one transaction of two statements
// whatever their number: one SELECT takes the row locks of their tickets (as AddPlace takes
// its ticket's), in id order, and finds those that are gone, whose places are skipped; one
// multi-row INSERT records the others, a place already recorded for the same workspace,
// channel and thread (also earlier in ps) being kept. Errors: invalid (a place without a
// thread), unavailable, internal.
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
	ids := make([]int64, 0, len(ps))
	for _, p := range ps {
		ids = append(ids, p.TicketID)
	}
	return s.inTx(ctx, op, func(tx *gorm.DB) error {
		lock := "SELECT id FROM tickets WHERE id IN ? ORDER BY id"
		if s.mysql {
			lock += " FOR UPDATE"
		}
		var found []int64
		if err := tx.Raw(lock, ids).Scan(&found).Error; err != nil {
			return err
		}
		now := s.now() // under the tickets' locks, as insertPlace stamps its place

		exists := make(map[int64]bool, len(found))
		for _, id := range found {
			exists[id] = true
		}
		var rows strings.Builder
		args := make([]any, 0, 7*len(ps))
		for _, p := range ps {
			if !exists[p.TicketID] {
				continue
			}
			if rows.Len() > 0 {
				rows.WriteString(", ")
			}
			rows.WriteString("(?, ?, ?, ?, ?, ?, ?)")
			args = append(args, p.TicketID, string(p.Kind), p.Workspace.String(), p.ChannelID, p.ThreadID, p.CardID, now)
		}
		if len(args) == 0 {
			return nil
		}
		// A place whose thread is recorded already is kept as it is (the unique thread index),
		// as AddPlace keeps it.
		keep := " ON CONFLICT DO NOTHING"
		if s.mysql {
			keep = " ON DUPLICATE KEY UPDATE id = id"
		}
		return tx.Exec("INSERT INTO ticket_places (ticket_id, kind, workspace, channel_id, thread_id, card_id, created_at) VALUES "+
			rows.String()+keep, args...).Error
	})
}
