package gormstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/ticketbot/ticketbot/core"
)

// List limits for ListTickets.
const (
	defaultListLimit = 50
	maxListLimit     = 200
)

// CreateTicket assigns t the next number of its workspace, its ID and timestamps, and writes a
// "created" change and a ticket.opened event in the same transaction. An empty Status or
// Priority is stored as open or normal. A request id the workspace already has writes
// nothing: t becomes that ticket and the error is core.DuplicateRequest.
// Errors: invalid (no workspace), conflict (duplicate request), unavailable, internal.
func (s *Store) CreateTicket(ctx context.Context, t *core.Ticket) error {
	const op = "gormstore.CreateTicket"
	if t.Workspace.IsZero() {
		return fail(op, core.Errorf(core.EInvalid, "a ticket needs a workspace"))
	}
	var err error
	if s.mysql {
		err = s.createTicketMySQL(ctx, t)
	} else {
		err = s.createTicket(ctx, t)
	}
	if err == nil || t.RequestID == "" || !isUnique(err) {
		return err
	}
	var row ticketRow
	if ferr := s.db.WithContext(ctx).Where("workspace = ? AND request_id = ?", t.Workspace.String(), t.RequestID).
		Take(&row).Error; ferr != nil {
		return fail(op, errors.Join(err, ferr))
	}
	*t = row.core()
	return fmt.Errorf("%s: %w", op, core.DuplicateRequest(*t))
}

// createTicket is CreateTicket on SQLite, through GORM.
func (s *Store) createTicket(ctx context.Context, t *core.Ticket) error {
	const op = "gormstore.CreateTicket"
	var saved core.Ticket
	err := s.inTx(ctx, op, func(tx *gorm.DB) error {
		nt := newTicket(*t, s.now())
		// The workspace's counter row is the one lock every open in a workspace waits for, so
		// it is taken last: the ticket, its history and its event go in first under a
		// placeholder number (negative, so never a real one), then the counter is bumped and
		// the number set just before commit.
		nt.Number = placeholderNumber()
		row := toTicketRow(nt)
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		nt.ID = row.ID
		if answers := answerRows(nt); len(answers) > 0 {
			if err := tx.Create(&answers).Error; err != nil {
				return err
			}
		}
		created := []core.Change{{Actor: nt.Reporter, Field: "created", To: nt.Title}}
		if err := s.writeChanges(tx, nt, created, core.EventTicketOpened); err != nil {
			return err
		}
		if err := bumpCount(tx, row.Workspace, row.Status, row.Priority, 1); err != nil {
			return err
		}
		if err := bumpStatusDay(tx, row.Workspace, dayOf(row.CreatedAt), row.Status, 1); err != nil {
			return err
		}
		if err := s.applyRollups(tx, nil, &row); err != nil {
			return err
		}
		n, err := s.nextNumber(tx, t.Workspace.String())
		if err != nil {
			return err
		}
		if err := tx.Model(&ticketRow{}).Where("id = ?", nt.ID).Update("number", n).Error; err != nil {
			return err
		}
		nt.Number = n
		saved = nt
		return nil
	})
	if err != nil {
		return err
	}
	*t = saved
	return nil
}

// newTicket is t as CreateTicket stores it: no id yet, created and updated now, open and of
// normal priority unless it says otherwise.
func newTicket(t core.Ticket, now time.Time) core.Ticket {
	t.ID, t.CreatedAt, t.UpdatedAt, t.StatusChangedAt, t.Reminded = 0, now, now, now, false
	if t.Status == "" {
		t.Status = core.StatusOpen
	}
	if t.Priority == "" {
		t.Priority = core.PriorityNormal
	}
	return t
}

// placeholderNumber is a ticket's number until the counter gives it its real one: negative,
// so never a real number, and random, so concurrent opens do not collide on the unique key.
func placeholderNumber() int64 { return -rand.Int64N(math.MaxInt64-1) - 1 }

// nextNumber increments the workspace's counter (creating it at 1) and returns it; the
// counter row stays locked until the transaction ends, so numbers never repeat or skip.
// Only CreateTicket's SQLite path uses it: on MySQL, createMySQL bumps the counter in its
// one-round-trip batch.
func (s *Store) nextNumber(tx *gorm.DB, ws string) (int64, error) {
	c := counterRow{Workspace: ws, LastNumber: 1}
	err := tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "workspace"}},
		DoUpdates: clause.Assignments(map[string]any{"last_number": gorm.Expr("last_number + 1")}),
	}).Create(&c).Error
	if err != nil {
		return 0, err
	}
	var n int64
	if err := tx.Model(&counterRow{}).Select("last_number").Where("workspace = ?", ws).Scan(&n).Error; err != nil {
		return 0, err
	}
	return n, nil
}

// writeChanges fills and inserts changes of t and writes one outbox event of kind carrying
// them, with the first change's actor (and one more for a linked platform).
func (s *Store) writeChanges(tx *gorm.DB, t core.Ticket, changes []core.Change, kind core.EventKind) error {
	now := s.now()
	rows := make([]changeRow, len(changes))
	for i := range changes {
		changes[i].TicketID, changes[i].At = t.ID, now
		rows[i] = toChangeRow(changes[i])
	}
	if err := tx.Create(&rows).Error; err != nil {
		return err
	}
	for i := range changes {
		changes[i].ID = rows[i].ID
	}
	ev := core.Event{Kind: kind, Workspace: t.Workspace, TicketID: t.ID,
		Actor: changes[0].Actor, Changes: changes, CreatedAt: now}
	if err := s.writeEvent(tx, ev); err != nil {
		return err
	}
	// A workspace staffed from another platform's (a link) gets the same event there, so that
	// platform's Notifier keeps its card; its own order per ticket and platform keeps one
	// platform's outage from holding the other's.
	p, err := s.linkedPlatform(tx, t.Workspace)
	if err != nil || p == "" {
		return err
	}
	ev.Platform = p
	return s.writeEvent(tx, ev)
}

// lock adds SELECT … FOR UPDATE on MySQL; SQLite's BEGIN IMMEDIATE already holds the database.
func (s *Store) lock(q *gorm.DB) *gorm.DB {
	if s.mysql {
		return q.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate})
	}
	return q
}

// Ticket returns the ticket with id. Errors: not_found, unavailable, internal.
func (s *Store) Ticket(ctx context.Context, id int64) (core.Ticket, error) {
	return s.ticketWhere(ctx, "gormstore.Ticket", "id = ?", id)
}

// TicketByNumber returns ticket number n of ws. Errors: not_found, unavailable, internal.
func (s *Store) TicketByNumber(ctx context.Context, ws core.Workspace, n int64) (core.Ticket, error) {
	return s.ticketWhere(ctx, "gormstore.TicketByNumber", "workspace = ? AND number = ?", ws.String(), n)
}

func (s *Store) ticketWhere(ctx context.Context, op, where string, args ...any) (core.Ticket, error) {
	var row ticketRow
	err := s.db.WithContext(ctx).Where(where, args...).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return core.Ticket{}, fail(op, notFound("ticket"))
	}
	if err != nil {
		return core.Ticket{}, fail(op, err)
	}
	// Only a ticket with a category has answers: the others are read in one query, not two.
	ts := []core.Ticket{row.core()}
	if err := s.fillAnswers(s.db.WithContext(ctx), ts); err != nil {
		return core.Ticket{}, fail(op, err)
	}
	return ts[0], nil
}

// UpdateTicket loads ticket id under a row lock, calls fn on a copy, and if fn returns
// changes saves the ticket (UpdatedAt = now), the changes and one ticket.changed event. fn runs
// inside the transaction: it must not call the store (on SQLite, whose one connection it holds,
// that would wait forever) and may run again when the transaction is retried. Without changes
// nothing is written and the stored ticket is returned. fn's error is returned as is.
// Errors: not_found, unavailable, internal, and fn's.
func (s *Store) UpdateTicket(ctx context.Context, id int64, fn func(t *core.Ticket) ([]core.Change, error)) (core.Ticket, error) {
	const op = "gormstore.UpdateTicket"
	var out core.Ticket
	err := s.inTx(ctx, op, func(tx *gorm.DB) error {
		var row ticketRow
		err := s.lock(tx.Where("id = ?", id)).Take(&row).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return notFound("ticket")
		}
		if err != nil {
			return err
		}
		old := row.core()
		t := old
		changes, err := fn(&t)
		if err != nil {
			return fnError{err}
		}
		if len(changes) == 0 {
			out = old
			return nil
		}
		// The identity of a ticket is not fn's to change.
		t.ID, t.Workspace, t.Number, t.CreatedAt, t.UpdatedAt = old.ID, old.Workspace, old.Number, old.CreatedAt, s.now()
		if t.Status != old.Status {
			// A new status starts its timers afresh.
			t.StatusChangedAt, t.Reminded = t.UpdatedAt, false
		}
		nr := toTicketRow(t)
		err = tx.Model(&nr).Select(append([]string{
			"title", "description", "status", "priority", "reporter_id", "reporter_name",
			"assignee_id", "assignee_name", "origin_channel", "thread_channel", "thread_id",
			"card_id", "status_note", "updated_at", "status_changed_at", "reminded", "csat_asked_at"}, slaColumns...)).Updates(&nr).Error
		if err != nil {
			return err
		}
		if err := recount(tx, row.Workspace, old, t); err != nil {
			return err
		}
		if err := restatusDay(tx, row.Workspace, dayOf(t.UpdatedAt), old.Status, t.Status); err != nil {
			return err
		}
		// What the update stored, as the rollups see it: the rating is RateTicket's to change.
		saved := nr
		saved.Workspace, saved.CreatedAt, saved.Rating = row.Workspace, row.CreatedAt, row.Rating
		if err := s.applyRollups(tx, &row, &saved); err != nil {
			return err
		}
		if err := s.writeChanges(tx, t, append([]core.Change(nil), changes...), core.EventTicketChanged); err != nil {
			return err
		}
		out = t
		return nil
	})
	if err != nil {
		return core.Ticket{}, err
	}
	if out.CategoryID != 0 {
		if out.Answers, err = s.answers(s.db.WithContext(ctx), out.ID); err != nil {
			return core.Ticket{}, fail(op, err)
		}
	}
	return out, nil
}

// History returns ticket id's changes, oldest first. Errors: unavailable, internal.
func (s *Store) History(ctx context.Context, id int64) ([]core.Change, error) {
	var rows []changeRow
	if err := s.db.WithContext(ctx).Where("ticket_id = ?", id).Order("id").Find(&rows).Error; err != nil {
		return nil, fail("gormstore.History", err)
	}
	out := make([]core.Change, len(rows))
	for i, r := range rows {
		out[i] = r.core()
	}
	return out, nil
}

// Workspaces lists every workspace that has tickets (one counter row each), sorted. Rows
// whose name is not a valid workspace (made up through an older API that did not check) are
// left out. Errors: unavailable, internal.
func (s *Store) Workspaces(ctx context.Context) ([]core.Workspace, error) {
	var names []string
	if err := s.db.WithContext(ctx).Model(&counterRow{}).Order("workspace").Pluck("workspace", &names).Error; err != nil {
		return nil, fail("gormstore.Workspaces", err)
	}
	out := make([]core.Workspace, 0, len(names))
	for _, n := range names {
		if ws, err := core.ParseWorkspace(n); err == nil {
			out = append(out, ws)
		}
	}
	return out, nil
}
