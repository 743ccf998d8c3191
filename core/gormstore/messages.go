package gormstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/ticketbot/ticketbot/core"
)

// AddMessage stores m unless ticket m.TicketID already has a message with m.ExternalID, in which
// case that one is returned with created=false. An empty ExternalID gets a generated one. With
// a new message, a message.added event and one message.copy event per place of copyTo are
// written in the same transaction. Errors: not_found (ticket), unavailable, internal.
func (s *Store) AddMessage(ctx context.Context, m core.Message, copyTo []core.Place) (core.Message, bool, error) {
	const op = "gormstore.AddMessage"
	if m.ExternalID == "" {
		m.ExternalID = generatedID()
	}
	var (
		stored  core.Message
		created bool
	)
	err := s.inTx(ctx, op, func(tx *gorm.DB) error {
		// The ticket's row lock orders this message with AddPlace: a place made after the
		// caller read the places is either seen below (and gets its copy) or made after this
		// commit, so its Notifier's LateCopies covers the message.
		var t ticketRow
		err := s.lock(tx.Select("id", "workspace").Where("id = ?", m.TicketID)).Take(&t).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return notFound("ticket")
		}
		if err != nil {
			return err
		}
		existing, found, err := findMessage(tx, m.TicketID, m.ExternalID)
		if err != nil || found {
			stored, created = existing, false
			return err
		}
		now := s.now()
		nm := m
		nm.ID, nm.CreatedAt, nm.UpdatedAt = 0, now, now
		row, err := toMessageRow(nm)
		if err != nil {
			return err
		}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		nm.ID = row.ID
		nm.Attachments = append([]core.Attachment(nil), m.Attachments...)
		ws := parseWorkspace(t.Workspace)
		if err := s.writeEvent(tx, core.Event{Kind: core.EventMessageAdded, Workspace: ws,
			TicketID: m.TicketID, MessageID: nm.ID, Actor: m.Author, CreatedAt: now}); err != nil {
			return err
		}
		late, err := placesSince(tx, m, copyTo)
		if err != nil {
			return err
		}
		if err := s.writeCopies(tx, ws, nm, append(copyTo, late...), now); err != nil {
			return err
		}
		stored, created = nm, true
		return nil
	})
	if err != nil && isUnique(err) {
		// Another process stored the same message between our look-up and our insert.
		var found bool
		stored, found, err = findMessage(s.db.WithContext(ctx), m.TicketID, m.ExternalID)
		if err == nil && !found {
			err = notFound("message")
		}
		return stored, false, fail(op, err)
	}
	if err != nil {
		return core.Message{}, false, err
	}
	return stored, created, nil
}

// placesSince returns the places of m's ticket, read under the ticket's lock, that core.Copies
// gives m but that copyTo (computed by the caller from an earlier read) lacks.
func placesSince(tx *gorm.DB, m core.Message, copyTo []core.Place) ([]core.Place, error) {
	var rows []placeRow
	if err := tx.Where("ticket_id = ?", m.TicketID).Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	places := make([]core.Place, len(rows))
	for i, r := range rows {
		places[i] = r.core()
	}
	var late []core.Place
	for _, p := range core.Copies(places, m.PlaceID, m.Internal) {
		if !slices.ContainsFunc(copyTo, func(c core.Place) bool { return c.ID == p.ID }) {
			late = append(late, p)
		}
	}
	return late, nil
}

func findMessage(db *gorm.DB, ticketID int64, externalID string) (core.Message, bool, error) {
	var row messageRow
	err := db.Where("ticket_id = ? AND external_id = ?", ticketID, externalID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return core.Message{}, false, nil
	}
	if err != nil {
		return core.Message{}, false, err
	}
	m, err := row.core()
	return m, err == nil, err
}

// generatedID makes an external id for a message that has none (written through the API).
func generatedID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "tb-" + hex.EncodeToString(b[:])
}

// writeCopies writes one message.copy event per place, on the place's platform.
func (s *Store) writeCopies(tx *gorm.DB, ws core.Workspace, m core.Message, places []core.Place, now time.Time) error {
	for _, p := range places {
		err := s.writeEvent(tx, core.Event{Kind: core.EventMessageCopy, Workspace: ws, Platform: p.Workspace.Platform,
			PlaceID: p.ID, TicketID: m.TicketID, MessageID: m.ID, Actor: m.Author, CreatedAt: now})
		if err != nil {
			return err
		}
	}
	return nil
}

// EditMessage replaces the content of the message of ticketID with externalID and marks it
// edited, or with deleted marks it deleted (keeping its content), and writes a message.copy
// event per place of copyTo. Errors: not_found, unavailable, internal.
func (s *Store) EditMessage(ctx context.Context, ticketID int64, externalID, content string, deleted bool, copyTo []core.Place) (core.Message, error) {
	return s.changeMessage(ctx, "gormstore.EditMessage", ticketID, externalID, copyTo, func(row *messageRow) []string {
		if deleted {
			row.Deleted = true
		} else {
			row.Content, row.Edited = content, true
		}
		return []string{"content", "edited", "deleted"}
	})
}

// changeMessage locks the message of ticketID with externalID, lets change set fields (it
// returns their columns), saves them with updated_at and writes a message.copy event per
// place of copyTo, in one transaction. Errors: not_found, unavailable, internal.
func (s *Store) changeMessage(ctx context.Context, op string, ticketID int64, externalID string, copyTo []core.Place, change func(*messageRow) []string) (core.Message, error) {
	var out core.Message
	err := s.inTx(ctx, op, func(tx *gorm.DB) error {
		var row messageRow
		err := s.lock(tx.Where("ticket_id = ? AND external_id = ?", ticketID, externalID)).Take(&row).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return notFound("message")
		}
		if err != nil {
			return err
		}
		cols := append(change(&row), "updated_at")
		row.UpdatedAt = s.now()
		if err := tx.Model(&row).Select(cols).Updates(&row).Error; err != nil {
			return err
		}
		if out, err = row.core(); err != nil {
			return err
		}
		var t ticketRow
		if err := tx.Select("id", "workspace").Where("id = ?", ticketID).Take(&t).Error; err != nil {
			return err
		}
		return s.writeCopies(tx, parseWorkspace(t.Workspace), out, copyTo, row.UpdatedAt)
	})
	if err != nil {
		return core.Message{}, err
	}
	return out, nil
}

// MessageByExternalID returns the message of ticketID with externalID.
// Errors: not_found, unavailable, internal.
func (s *Store) MessageByExternalID(ctx context.Context, ticketID int64, externalID string) (core.Message, error) {
	m, found, err := findMessage(s.db.WithContext(ctx), ticketID, externalID)
	if err == nil && !found {
		err = notFound("message")
	}
	return m, fail("gormstore.MessageByExternalID", err)
}

// RecordCopy records (or replaces) the platform id of message id's copy in place.
// Errors: unavailable, internal.
func (s *Store) RecordCopy(ctx context.Context, messageID, placeID int64, externalID string) error {
	row := copyRow{MessageID: messageID, PlaceID: placeID, ExternalID: externalID}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "message_id"}, {Name: "place_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"external_id"}),
	}).Create(&row).Error
	return fail("gormstore.RecordCopy", err)
}

// CopyOf returns the platform id of message id's copy in place. Errors: not_found,
// unavailable, internal.
func (s *Store) CopyOf(ctx context.Context, messageID, placeID int64) (string, error) {
	var row copyRow
	err := s.db.WithContext(ctx).Where("message_id = ? AND place_id = ?", messageID, placeID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", fail("gormstore.CopyOf", notFound("copy"))
	}
	return row.ExternalID, fail("gormstore.CopyOf", err)
}

// MessageByCopy returns the message whose copy in place is externalID. Errors: not_found,
// unavailable, internal.
func (s *Store) MessageByCopy(ctx context.Context, placeID int64, externalID string) (core.Message, error) {
	const op = "gormstore.MessageByCopy"
	var row copyRow
	err := s.db.WithContext(ctx).Where("place_id = ? AND external_id = ?", placeID, externalID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return core.Message{}, fail(op, notFound("message"))
	}
	if err != nil {
		return core.Message{}, fail(op, err)
	}
	return s.Message(ctx, row.MessageID)
}

// Message returns one message by id. Errors: not_found, unavailable, internal.
func (s *Store) Message(ctx context.Context, id int64) (core.Message, error) {
	const op = "gormstore.Message"
	var row messageRow
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return core.Message{}, fail(op, notFound("message"))
	}
	if err != nil {
		return core.Message{}, fail(op, err)
	}
	m, err := row.core()
	if err != nil {
		return core.Message{}, fail(op, err)
	}
	return m, nil
}

// Messages returns ticket id's messages, oldest first. Errors: unavailable, internal.
func (s *Store) Messages(ctx context.Context, ticketID int64) ([]core.Message, error) {
	const op = "gormstore.Messages"
	var rows []messageRow
	if err := s.db.WithContext(ctx).Where("ticket_id = ?", ticketID).Order("id").Find(&rows).Error; err != nil {
		return nil, fail(op, err)
	}
	out := make([]core.Message, len(rows))
	for i, r := range rows {
		m, err := r.core()
		if err != nil {
			return nil, fail(op, err)
		}
		out[i] = m
	}
	return out, nil
}

// PublishMessage makes the message of ticketID with externalID public and writes a
// message.copy event per place of copyTo. Errors: not_found, unavailable, internal.
func (s *Store) PublishMessage(ctx context.Context, ticketID int64, externalID string, copyTo []core.Place) (core.Message, error) {
	return s.changeMessage(ctx, "gormstore.PublishMessage", ticketID, externalID, copyTo, func(row *messageRow) []string {
		row.Internal = false
		return []string{"internal"}
	})
}
