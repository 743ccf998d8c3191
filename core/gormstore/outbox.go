package gormstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/ticketbot/ticketbot/core"
)

// writeEvent inserts e into the outbox inside tx, due at once.
func (s *Store) writeEvent(tx *gorm.DB, e core.Event) error {
	row, err := toEventRow(e)
	if err != nil {
		return err
	}
	if err := tx.Create(&row).Error; err != nil {
		return err
	}
	return s.writeWebhookTwin(tx, e)
}

// claimCandidates selects due, unleased, undelivered events that are the oldest undelivered
// event of their ticket (events without a ticket stand alone), oldest first; the first %s is
// replaced by the table with its index hint, the second by the platform filter.
//
// The hint keeps the read on the indexes of undelivered events: ix_outbox_pending
// (delivered_at, id) gives them in id order, so a claim reads about as many rows as it
// takes; ix_outbox_due (delivered_at, next_attempt_at, id) is left to MariaDB for when most
// wait out a backoff, though in the plan test it still walks ix_outbox_pending then (3,927
// rows for the 200 due of 4,000 undelivered, as many as without a hint). Left to itself, MariaDB picked the
// primary key whenever its statistics lagged a table that was changing fast — a backlog
// being drained, exactly when claims are many — and walked every delivered event before the
// first undelivered one (2,564 rows read for a claim of 64 with 2,500 of 3,006 delivered;
// on a backlog of 10,000 about 5,000 a claim). SQLite, which sorted every due event read
// through ix_outbox_due, takes ix_outbox_pending (INDEXED BY names one index only).
const claimCandidates = `
SELECT o.id FROM %s
WHERE o.delivered_at IS NULL
  AND o.next_attempt_at <= ?
  AND (o.locked_until IS NULL OR o.locked_until < ?)%s
  AND (o.ticket_id = 0 OR NOT EXISTS (
    SELECT 1 FROM outbox_events e
    WHERE e.ticket_id = o.ticket_id AND e.delivered_at IS NULL AND e.id < o.id
      AND e.platform = o.platform))
ORDER BY o.id
LIMIT ?`

// ClaimEvents leases up to limit due events, each the oldest undelivered event of its ticket,
// to owner until now+lease, and counts the attempt. One conditional UPDATE takes them all (one
// commit per batch, not per event); only the rows it changed carry this claim's owner and
// lease end, so two owners never hold the same event. Errors: unavailable, internal.
func (s *Store) ClaimEvents(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int, platforms ...core.Platform) ([]core.Event, error) {
	const op = "gormstore.ClaimEvents"
	if limit <= 0 {
		return nil, nil
	}
	now = stamp(now)
	until := stamp(now.Add(lease))
	db := s.db.WithContext(ctx)
	q, args := s.claimSQL(now, limit, platforms)
	var ids []int64
	if err := db.Raw(q, args...).Scan(&ids).Error; err != nil {
		return nil, fail(op, err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	res := db.Model(&eventRow{}).
		Where("id IN ? AND delivered_at IS NULL AND next_attempt_at <= ? AND (locked_until IS NULL OR locked_until < ?)",
			ids, now, now).
		Updates(map[string]any{
			"locked_by":    owner,
			"locked_until": until,
			"attempts":     gorm.Expr("attempts + 1"),
		})
	if res.Error != nil {
		return nil, fail(op, res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, nil
	}
	var rows []eventRow
	if err := db.Where("id IN ? AND locked_by = ? AND locked_until = ?", ids, owner, until).Order("id").Find(&rows).Error; err != nil {
		return nil, s.releaseAfter(ctx, op, owner, ids, err)
	}
	out := make([]core.Event, 0, len(rows))
	for _, r := range rows {
		e, err := r.core()
		if err != nil {
			return nil, s.releaseAfter(ctx, op, owner, ids, err)
		}
		out = append(out, e)
	}
	return out, nil
}

// claimSQL is the candidate query of a claim of limit events due at now for platforms.
func (s *Store) claimSQL(now time.Time, limit int, platforms []core.Platform) (string, []any) {
	filter, args := "", []any{now, now}
	if len(platforms) > 0 {
		var ors []string
		for _, p := range platforms {
			// An event without a target platform goes to its workspace's.
			ors = append(ors, "o.platform = ?", "(o.platform = '' AND o.workspace LIKE ?)")
			args = append(args, string(p), string(p)+":%")
		}
		filter = "\n  AND (" + strings.Join(ors, " OR ") + ")"
	}
	args = append(args, limit)
	table := "outbox_events o INDEXED BY ix_outbox_pending"
	if s.mysql {
		table = "outbox_events o USE INDEX (ix_outbox_pending, ix_outbox_due)"
	}
	return fmt.Sprintf(claimCandidates, table, filter), args
}

// releaseAfter gives back leases taken by a ClaimEvents call that then failed, so the events
// need not wait for their lease to run out, and returns err classified.
func (s *Store) releaseAfter(ctx context.Context, op, owner string, ids []int64, err error) error {
	if len(ids) > 0 {
		rel := s.db.WithContext(context.WithoutCancel(ctx)).Model(&eventRow{}).
			Where("id IN ? AND locked_by = ? AND delivered_at IS NULL", ids, owner).
			Updates(map[string]any{"locked_by": nil, "locked_until": nil})
		if rel.Error != nil {
			s.log.WarnContext(ctx, "outbox: could not release leases after a failed claim", "err", rel.Error)
		}
	}
	return fail(op, err)
}

// RenewLeases extends owner's leases on the undelivered events ids to until and returns how
// many it extended. Errors: unavailable, internal.
func (s *Store) RenewLeases(ctx context.Context, owner string, ids []int64, until time.Time) (int64, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	res := s.db.WithContext(ctx).Model(&eventRow{}).
		Where("id IN ? AND locked_by = ? AND delivered_at IS NULL AND locked_until IS NOT NULL", ids, owner).
		Update("locked_until", stamp(until))
	if res.Error != nil {
		return 0, fail("gormstore.RenewLeases", res.Error)
	}
	return res.RowsAffected, nil
}

// MarkDelivered records that owner delivered event id. Errors: conflict (the event is not
// leased by owner, or already delivered), unavailable, internal.
func (s *Store) MarkDelivered(ctx context.Context, id int64, owner string, at time.Time) error {
	const op = "gormstore.MarkDelivered"
	res := s.db.WithContext(ctx).Model(&eventRow{}).
		Where("id = ? AND locked_by = ? AND delivered_at IS NULL", id, owner).
		Updates(map[string]any{"delivered_at": stamp(at), "locked_until": nil, "last_error": ""})
	if res.Error != nil {
		return fail(op, res.Error)
	}
	if res.RowsAffected == 0 {
		return fail(op, core.Errorf(core.EConflict, "event %d is not leased by %s", id, owner))
	}
	return nil
}

// MarkDeliveredMany records that owner delivered the events ids, in one UPDATE, and returns
// how many it marked. Errors: unavailable, internal.
func (s *Store) MarkDeliveredMany(ctx context.Context, ids []int64, owner string, at time.Time) (int64, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	res := s.db.WithContext(ctx).Model(&eventRow{}).
		Where("id IN ? AND locked_by = ? AND delivered_at IS NULL", ids, owner).
		Updates(map[string]any{"delivered_at": stamp(at), "locked_until": nil, "last_error": ""})
	if res.Error != nil {
		return 0, fail("gormstore.MarkDeliveredMany", res.Error)
	}
	return res.RowsAffected, nil
}

// MarkFailed releases owner's lease on event id, records reason and makes the event due again
// at next. Errors: conflict (the event is not leased by owner), unavailable, internal.
func (s *Store) MarkFailed(ctx context.Context, id int64, owner string, next time.Time, reason string) error {
	const op = "gormstore.MarkFailed"
	if len(reason) > 2000 {
		reason = strings.ToValidUTF8(reason[:2000], "")
	}
	res := s.db.WithContext(ctx).Model(&eventRow{}).
		Where("id = ? AND locked_by = ? AND delivered_at IS NULL", id, owner).
		Updates(map[string]any{
			"locked_by": nil, "locked_until": nil,
			"next_attempt_at": stamp(next), "last_error": reason,
		})
	if res.Error != nil {
		return fail(op, res.Error)
	}
	if res.RowsAffected == 0 {
		return fail(op, core.Errorf(core.EConflict, "event %d is not leased by %s", id, owner))
	}
	return nil
}

// PendingEvents counts undelivered events. Errors: unavailable, internal.
func (s *Store) PendingEvents(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&eventRow{}).Where("delivered_at IS NULL").Count(&n).Error; err != nil {
		return 0, fail("gormstore.PendingEvents", err)
	}
	return n, nil
}

// PurgeDelivered deletes up to limit events delivered before before. The ids are selected
// first: MySQL refuses LIMIT inside an IN subquery. Errors: unavailable, internal.
func (s *Store) PurgeDelivered(ctx context.Context, before time.Time, limit int) (int64, error) {
	const op = "gormstore.PurgeDelivered"
	if limit <= 0 {
		return 0, nil
	}
	db := s.db.WithContext(ctx)
	var ids []int64
	if err := db.Model(&eventRow{}).Where("delivered_at IS NOT NULL AND delivered_at < ?", stamp(before)).
		Order("id").Limit(limit).Pluck("id", &ids).Error; err != nil {
		return 0, fail(op, err)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	res := db.Where("id IN ? AND delivered_at IS NOT NULL", ids).Delete(&eventRow{})
	if res.Error != nil {
		return 0, fail(op, res.Error)
	}
	return res.RowsAffected, nil
}
