package gormstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// createTicketBatch is CreateTicket on MySQL in one round trip: the transaction, the number,
// the ticket, its report rollups (rollups.go), its "created" change and its ticket.opened event (and its copy for a linked
// workspace's platform, see linkedPlatform, and its webhook twin) travel as one multi-statement
// batch. Opening tickets is the hot path, and every open in a workspace waits for the
// workspace's counter row: sent statement by statement, that lock is held across several
// network round trips; in one batch it is held only while the server runs the batch and
// commits. (The generic GORM path in CreateTicket does the same work for SQLite.)
const createTicketBatch = `START TRANSACTION;
INSERT INTO workspace_counters (workspace, last_number) VALUES (?, LAST_INSERT_ID(1))
  ON DUPLICATE KEY UPDATE last_number = LAST_INSERT_ID(last_number + 1);
SET @tb_number = LAST_INSERT_ID();
INSERT INTO ticket_counts (workspace, status, priority, n) VALUES (?, ?, ?, 1) ON DUPLICATE KEY UPDATE n = n + 1;
INSERT INTO ticket_status_days (workspace, day, status, n) VALUES (?, ?, ?, 1) ON DUPLICATE KEY UPDATE n = n + 1;
%s
INSERT INTO tickets (workspace, number, title, description, status, priority, reporter_id, reporter_name,
  assignee_id, assignee_name, origin_channel, origin_message, request_id, thread_channel, thread_id, card_id, status_note,
  category_id, category_name, created_at, updated_at, status_changed_at,
  sla_first_due, sla_resolve_due, sla_first_alert_at, sla_resolve_alert_at, sla_paused_since, sla_next_due)
  VALUES (?, @tb_number, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);
SET @tb_ticket = LAST_INSERT_ID();
%s
INSERT INTO ticket_changes (ticket_id, actor_id, actor_name, field, from_value, to_value, note, at)
  VALUES (@tb_ticket, ?, ?, 'created', '', ?, '', ?);
INSERT INTO outbox_events (kind, workspace, ticket_id, message_id, actor_id, actor_name, changes, created_at,
  attempts, next_attempt_at, last_error)
  VALUES (?, ?, @tb_ticket, 0, ?, ?, ?, ?, 0, ?, '');
INSERT INTO outbox_events (kind, workspace, ticket_id, message_id, actor_id, actor_name, changes, created_at,
  attempts, next_attempt_at, last_error, platform)
  SELECT ?, ?, @tb_ticket, 0, ?, ?, ?, ?, 0, ?, '', SUBSTRING_INDEX(l.staff_workspace, ':', 1)
  FROM workspace_links l WHERE l.workspace = ? AND SUBSTRING_INDEX(l.staff_workspace, ':', 1) <> ?;
INSERT INTO outbox_events (kind, workspace, ticket_id, message_id, actor_id, actor_name, changes, created_at,
  attempts, next_attempt_at, last_error, platform)
  SELECT ?, ?, @tb_ticket, 0, ?, ?, ?, ?, 0, ?, '', 'webhook' FROM DUAL
  WHERE EXISTS (SELECT 1 FROM webhook_endpoints WHERE workspace IN (?, '') AND active = 1);
SELECT @tb_ticket, @tb_number;
COMMIT`

// createMySQL runs createTicketBatch for nt and returns the ticket's id and number.
func (s *Store) createMySQL(ctx context.Context, nt core.Ticket) (id, number int64, err error) {
	ev, err := toEventRow(core.Event{
		Kind: core.EventTicketOpened, Workspace: nt.Workspace, Actor: nt.Reporter, CreatedAt: nt.CreatedAt,
		Changes: []core.Change{{Actor: nt.Reporter, Field: "created", To: nt.Title, At: nt.CreatedAt}},
	})
	if err != nil {
		return 0, 0, err
	}
	r := toTicketRow(nt)
	// The answers join the batch as one more INSERT, after the ticket's id is known.
	answers, answerArgs := "", []any(nil)
	if rows := answerRows(nt); len(rows) > 0 {
		vals := make([]string, len(rows))
		for i, a := range rows {
			vals[i] = "(@tb_ticket, ?, ?, ?, ?)"
			answerArgs = append(answerArgs, a.Position, a.QuestionID, a.Question, a.Value)
		}
		answers = "INSERT INTO ticket_answers (ticket_id, position, question_id, question, value) VALUES " +
			strings.Join(vals, ", ") + ";"
	}
	// The report rollups the new ticket counts in (rollups.go), after the status days.
	var rollups []string
	var rollupArgs []any
	for _, c := range rollupDiff(nil, &r) {
		q, a := upsertSQL(c, true)
		rollups, rollupArgs = append(rollups, q+";"), append(rollupArgs, a...)
	}
	args := []any{r.Workspace,
		r.Workspace, r.Status, r.Priority,
		r.Workspace, dayOf(r.CreatedAt), r.Status,
	}
	args = append(append(args, rollupArgs...),
		r.Workspace, r.Title, r.Description, r.Status, r.Priority, r.ReporterID, r.ReporterName,
		r.AssigneeID, r.AssigneeName, r.OriginChannel, r.OriginMessage, r.RequestID, r.ThreadChannel, r.ThreadID, r.CardID,
		r.StatusNote, r.CategoryID, r.CategoryName, r.CreatedAt, r.UpdatedAt, r.StatusChangedAt,
		r.SLAFirstDue, r.SLAResolveDue, r.SLAFirstAlertAt, r.SLAResolveAlertAt, r.SLAPausedSince, r.SLANextDue)
	args = append(append(args, answerArgs...),
		nt.Reporter.ID, nt.Reporter.Name, nt.Title, r.CreatedAt,
		ev.Kind, ev.Workspace, ev.ActorID, ev.ActorName, ev.Changes, ev.CreatedAt, ev.NextAttemptAt,
		// the same event for the platform of a workspace that staffs this one (links.go)
		ev.Kind, ev.Workspace, ev.ActorID, ev.ActorName, ev.Changes, ev.CreatedAt, ev.NextAttemptAt,
		ev.Workspace, string(nt.Workspace.Platform),
		// the webhook twin (see writeWebhookTwin), written only while an endpoint wants it
		ev.Kind, ev.Workspace, ev.ActorID, ev.ActorName, ev.Changes, ev.CreatedAt, ev.NextAttemptAt, ev.Workspace)
	leave, err := s.gate.Enter(ctx, core.DepDatabase)
	if err != nil {
		return 0, 0, err
	}
	defer leave()
	conn, err := s.batch.Conn(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close()
	err = func() error {
		rows, err := conn.QueryContext(ctx, fmt.Sprintf(createTicketBatch, strings.Join(rollups, "\n"), answers), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for {
			for rows.Next() {
				if err := rows.Scan(&id, &number); err != nil {
					return err
				}
			}
			if !rows.NextResultSet() {
				break
			}
		}
		return rows.Err()
	}()
	if err != nil {
		// A statement that failed mid-batch can leave the transaction open on this
		// connection; roll it back before the connection goes back to the pool.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if _, rerr := conn.ExecContext(rctx, "ROLLBACK"); rerr != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn }) // discard the connection
			return 0, 0, fmt.Errorf("%w (and the rollback failed: %v)", err, rerr)
		}
		return 0, 0, err
	}
	if id == 0 || number == 0 {
		return 0, 0, errors.New("create batch returned no ticket")
	}
	return id, number, nil
}

// openBatchDB opens the pool used for multi-statement batches (MySQL only).
func openBatchDB(dsn string, pool Pool) (*sql.DB, error) {
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(pool.BatchOpen)
	db.SetMaxIdleConns(min(pool.MaxIdle, pool.BatchOpen))
	db.SetConnMaxLifetime(5 * time.Minute)
	db.SetConnMaxIdleTime(time.Minute)
	return db, nil
}

// createTicketMySQL is CreateTicket's MySQL path, retried like inTx on deadlocks and lock
// wait timeouts.
func (s *Store) createTicketMySQL(ctx context.Context, t *core.Ticket) error {
	const op = "gormstore.CreateTicket"
	nt := newTicket(*t, s.now())
	var err error
	for attempt := range maxAttempts {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return fail(op, errors.Join(ctx.Err(), err))
			case <-time.After(randomJitter(time.Duration(5<<attempt) * time.Millisecond)):
			}
		}
		var id, n int64
		if id, n, err = s.createMySQL(ctx, nt); err == nil {
			nt.ID, nt.Number = id, n
			*t = nt
			return nil
		}
		if !isRetryable(err) {
			break
		}
	}
	return failWrite(op, err)
}
