package gormstore

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// Sizes of the intake's writes.
const (
	// intakeWriters is how many intake INSERTs run at once on MySQL. They use the main
	// pool's connections that its gate leaves over (DefaultPool: 24 open, 16 gated), so an
	// acknowledgement never waits behind the work a busy database is doing; SQLite has one.
	intakeWriters = 8
	// intakeBatchMax caps the rows of one INSERT.
	intakeBatchMax = 200
	// intakeWriteTimeout bounds one INSERT, which writes other callers' rows too.
	intakeWriteTimeout = 2 * time.Second
)

// intakeBatcher gathers concurrent AddIntake calls into multi-row INSERTs: while the writers
// are busy, the calls that arrive wait together and the next free writer stores them all in
// one statement and one commit. Under a burst the batches grow by themselves, so a few
// connections keep up with hundreds of acknowledgements a second; alone, a call is written
// at once.
type intakeBatcher struct {
	writers chan struct{}
	mu      sync.Mutex
	queue   []*intakeCall
}

// intakeCall is one AddIntake waiting for its row to be written.
type intakeCall struct {
	row  intakeRow
	done chan struct{} // closed once written (or failed)
	err  error
	dup  bool // a request with the key was stored already; nothing was written
}

func newIntakeBatcher(mysql bool) *intakeBatcher {
	n := 1
	if mysql {
		n = intakeWriters
	}
	return &intakeBatcher{writers: make(chan struct{}, n)}
}

// add has row written and waits for it: as a writer of the batch it belongs to, or for the
// writer that took it. Errors: unavailable (busy: ctx ended before a writer took the row;
// outcome unknown: the INSERT did not answer in time), internal.
func (s *Store) addIntakeRow(ctx context.Context, row intakeRow) *intakeCall {
	b := s.intake
	c := &intakeCall{row: row, done: make(chan struct{})}
	b.mu.Lock()
	b.queue = append(b.queue, c)
	b.mu.Unlock()
	for {
		select {
		case <-c.done:
			return c
		case b.writers <- struct{}{}:
			batch, waiting := b.take(c)
			if len(batch) > 0 {
				s.writeIntake(ctx, batch)
			}
			<-b.writers
			if !waiting {
				<-c.done // written in this batch, or being written by another writer
				return c
			}
		case <-ctx.Done():
			if b.drop(c) {
				c.err = &core.Error{Code: core.EUnavailable, Dependency: core.DepDatabase, Busy: true,
					Message: "the database is busy; nothing was changed, please try again", Err: ctx.Err()}
				return c
			}
			<-c.done // a writer has it: its write is bounded by intakeWriteTimeout
			return c
		}
	}
}

// take removes up to intakeBatchMax calls from the queue, oldest first, and reports whether
// c is still waiting in it after that.
func (b *intakeBatcher) take(c *intakeCall) (batch []*intakeCall, waiting bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := min(len(b.queue), intakeBatchMax)
	batch = b.queue[:n:n]
	b.queue = b.queue[n:]
	return batch, slices.Contains(b.queue, c)
}

// drop removes c from the queue, reporting whether it was still there.
func (b *intakeBatcher) drop(c *intakeCall) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, q := range b.queue {
		if q == c {
			b.queue = append(b.queue[:i], b.queue[i+1:]...)
			return true
		}
	}
	return false
}

const intakeColumns = `INSERT INTO intake_requests
  (request_key, platform, payload, attempts, created_at, next_attempt_at, locked_by, locked_until, last_error)
  VALUES `

// writeIntake stores batch in one INSERT and reads back the rows' ids. A key stored already
// (a replay) fails the whole statement; the rows are then written one by one, so only the
// replays are told so. Every call of batch is done when it returns.
func (s *Store) writeIntake(ctx context.Context, batch []*intakeCall) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), intakeWriteTimeout)
	defer cancel()
	defer func() {
		for _, c := range batch {
			close(c.done)
		}
	}()
	// Within the batch, a key's second call is a replay of its first: it shares its outcome.
	first := map[string]*intakeCall{}
	var rows, replays []*intakeCall
	for _, c := range batch {
		if _, ok := first[c.row.RequestKey]; ok {
			replays = append(replays, c)
			continue
		}
		first[c.row.RequestKey] = c
		rows = append(rows, c)
	}
	defer func() {
		for _, c := range replays {
			f := first[c.row.RequestKey]
			c.err, c.dup = f.err, f.err == nil
		}
	}()
	err := s.insertIntake(ctx, rows)
	for try := 1; isRetryable(err) && try < maxAttempts; try++ {
		// Concurrent batches locking the same unique index can deadlock; nothing was written.
		err = s.insertIntake(ctx, rows)
	}
	if isUnique(err) && len(rows) > 1 {
		for _, c := range rows {
			s.writeIntake1(ctx, c)
		}
		return
	}
	for _, c := range rows {
		c.err = err
		if isUnique(err) {
			c.err, c.dup = nil, true
		}
	}
}

// writeIntake1 writes c alone (after its batch met a replay).
func (s *Store) writeIntake1(ctx context.Context, c *intakeCall) {
	err := s.insertIntake(ctx, []*intakeCall{c})
	for try := 1; isRetryable(err) && try < maxAttempts; try++ {
		err = s.insertIntake(ctx, []*intakeCall{c})
	}
	c.err = err
	if isUnique(err) {
		c.err, c.dup = nil, true
	}
}

// insertIntake writes rows in one INSERT and sets their ids. Errors: the driver's.
func (s *Store) insertIntake(ctx context.Context, rows []*intakeCall) error {
	var q strings.Builder
	q.WriteString(intakeColumns)
	args := make([]any, 0, 8*len(rows))
	keys := make([]any, 0, len(rows))
	for i, c := range rows {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, '')")
		r := c.row
		args = append(args, r.RequestKey, r.Platform, r.Payload, r.Attempts, r.CreatedAt, r.NextAttemptAt, r.LockedBy, r.LockedUntil)
		keys = append(keys, r.RequestKey)
	}
	res, err := s.sqlDB.ExecContext(ctx, q.String(), args...)
	if err != nil {
		return err
	}
	if len(rows) == 1 {
		rows[0].row.ID, err = res.LastInsertId()
		return err
	}
	if !slices.ContainsFunc(rows, func(c *intakeCall) bool { return c.row.LockedBy != nil }) {
		return nil // queued requests: nobody needs their ids (the workers read them back)
	}
	return s.readIntakeIDs(ctx, rows, keys)
}

// readIntakeIDs sets the ids of rows (keys), just written by a multi-row INSERT, whose ids
// need not be consecutive. They are read on the intake's connections (the store's gate may
// be saturated). Errors: the driver's.
func (s *Store) readIntakeIDs(ctx context.Context, rows []*intakeCall, keys []any) error {
	var q strings.Builder
	q.WriteString("SELECT id, request_key FROM intake_requests WHERE request_key IN (?")
	q.WriteString(strings.Repeat(", ?", len(keys)-1))
	q.WriteString(")")
	found, err := s.sqlDB.QueryContext(ctx, q.String(), keys...)
	if err != nil {
		return err
	}
	defer found.Close()
	ids := make(map[string]int64, len(rows))
	for found.Next() {
		var id int64
		var key string
		if err := found.Scan(&id, &key); err != nil {
			return err
		}
		ids[key] = id
	}
	if err := found.Err(); err != nil {
		return err
	}
	for _, c := range rows {
		c.row.ID = ids[c.row.RequestKey]
	}
	return nil
}
