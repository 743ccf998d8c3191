package gormstore

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"github.com/ticketbot/ticketbot/core"
)

// AddPlace records p and returns it with its ID; the place that is already recorded for the
// same workspace, channel and thread (or, without a thread, the same ticket, kind and
// workspace) is returned instead, so a retried delivery never records a place twice.
// Errors: not_found (ticket), unavailable, internal.
func (s *Store) AddPlace(ctx context.Context, p core.Place) (core.Place, error) {
	const op = "gormstore.AddPlace"
	db := s.db.WithContext(ctx)
	find := func() (core.Place, bool, error) {
		q := db.Where("ticket_id = ? AND kind = ? AND workspace = ?", p.TicketID, string(p.Kind), p.Workspace.String())
		if p.ThreadID != "" {
			q = db.Where("workspace = ? AND channel_id = ? AND thread_id = ?", p.Workspace.String(), p.ChannelID, p.ThreadID)
		}
		var row placeRow
		err := q.Order("id").Take(&row).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return core.Place{}, false, nil
		}
		return row.core(), err == nil, err
	}
	if p.ThreadID == "" {
		// No lock on the place itself: a locking read of a row that does not exist yet locks
		// a gap in MySQL, and two concurrent first deliveries then deadlock.
		if got, ok, err := find(); err != nil || ok {
			return got, fail(op, err)
		}
	}
	// With a thread, the unique key on it makes the insert the decision, so it is tried
	// first; a retry reads the row there.
	got, err := s.insertPlace(ctx, op, p)
	if isUnique(err) {
		if got, ok, ferr := find(); ferr == nil && ok {
			return got, nil
		}
	}
	return got, err
}

// insertPlace records p in a transaction that first takes the ticket's row lock (a record
// lock, no gap), as AddMessage does, and only then stamps the place's creation: a message
// stored meanwhile is then either seen by its own transaction's read of the places (the
// place committed first) or older than the place, so core.LateCopies covers it. Stamped
// before waiting for the lock, a place could be older than a message whose transaction did
// not see it, and the message was copied neither by its own events nor late: a requester's
// first words in a new Discord thread never reached the staff thread made meanwhile (the
// binary's conversation test, 1 run in 3 under load). Errors: not_found (ticket), those of
// inTx.
func (s *Store) insertPlace(ctx context.Context, op string, p core.Place) (core.Place, error) {
	var row placeRow
	err := s.inTx(ctx, op, func(tx *gorm.DB) error {
		var t ticketRow
		err := s.lock(tx.Select("id").Where("id = ?", p.TicketID)).Take(&t).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return notFound("ticket")
		}
		if err != nil {
			return err
		}
		row = placeRow{TicketID: p.TicketID, Kind: string(p.Kind), Workspace: p.Workspace.String(),
			ChannelID: p.ChannelID, ThreadID: p.ThreadID, CardID: p.CardID, CreatedAt: s.now()}
		return tx.Create(&row).Error
	})
	if err != nil {
		return core.Place{}, err
	}
	return row.core(), nil
}

// UpdatePlace saves p's thread and card. Errors: not_found, unavailable, internal.
func (s *Store) UpdatePlace(ctx context.Context, p core.Place) error {
	const op = "gormstore.UpdatePlace"
	res := s.db.WithContext(ctx).Model(&placeRow{}).Where("id = ?", p.ID).
		Updates(map[string]any{"thread_id": p.ThreadID, "card_id": p.CardID, "channel_id": p.ChannelID})
	if res.Error != nil {
		return fail(op, res.Error)
	}
	if res.RowsAffected == 0 {
		var n int64
		if err := s.db.WithContext(ctx).Model(&placeRow{}).Where("id = ?", p.ID).Count(&n).Error; err != nil {
			return fail(op, err)
		}
		if n == 0 {
			return fail(op, notFound("place"))
		}
	}
	return nil
}

// Places returns ticket id's places, oldest first. Errors: unavailable, internal.
func (s *Store) Places(ctx context.Context, ticketID int64) ([]core.Place, error) {
	var rows []placeRow
	if err := s.db.WithContext(ctx).Where("ticket_id = ?", ticketID).Order("id").Find(&rows).Error; err != nil {
		return nil, fail("gormstore.Places", err)
	}
	out := make([]core.Place, len(rows))
	for i, r := range rows {
		out[i] = r.core()
	}
	return out, nil
}

// Place returns one place. Errors: not_found, unavailable, internal.
func (s *Store) Place(ctx context.Context, id int64) (core.Place, error) {
	return s.placeWhere(ctx, "gormstore.Place", "id = ?", id)
}

// PlaceByThread returns the place that is thread threadID in channelID of ws.
// Errors: not_found, unavailable, internal.
func (s *Store) PlaceByThread(ctx context.Context, ws core.Workspace, channelID, threadID string) (core.Place, error) {
	if threadID == "" {
		return core.Place{}, fail("gormstore.PlaceByThread", notFound("place"))
	}
	return s.placeWhere(ctx, "gormstore.PlaceByThread",
		"workspace = ? AND channel_id = ? AND thread_id = ?", ws.String(), channelID, threadID)
}

func (s *Store) placeWhere(ctx context.Context, op, where string, args ...any) (core.Place, error) {
	var row placeRow
	err := s.db.WithContext(ctx).Where(where, args...).Order("id").Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return core.Place{}, fail(op, notFound("place"))
	}
	if err != nil {
		return core.Place{}, fail(op, err)
	}
	return row.core(), nil
}
