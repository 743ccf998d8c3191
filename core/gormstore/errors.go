package gormstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"
	"gorm.io/gorm"
	gosqlite "modernc.org/sqlite"

	"github.com/ticketbot/ticketbot/core"
)

// SQLite primary result codes and the extended codes of unique violations.
const (
	sqliteBusy             = 5
	sqliteLocked           = 6
	sqliteCantOpen         = 14
	sqliteConstraintPK     = 1555
	sqliteConstraintUnique = 2067
	// sqliteConstraintForeignKey is SQLITE_CONSTRAINT_FOREIGNKEY.
	sqliteConstraintForeignKey = 787
)

// MySQL server error numbers.
const (
	myDuplicate       = 1062
	myLockWaitTimeout = 1205
	myDeadlock        = 1213
	myTooManyConns    = 1040
	myServerShutdown  = 1053
	myNoParentRow     = 1452
)

// fail wraps err with op, giving it a core code: unique violations and unknown rows keep the
// *core.Error the caller made; connection problems become unavailable; the rest stay internal.
func fail(op string, err error) error {
	if err == nil {
		return nil
	}
	var ce *core.Error
	if errors.As(err, &ce) {
		return fmt.Errorf("%s: %w", op, err)
	}
	if isRetryable(err) {
		return fmt.Errorf("%s: %w", op, &core.Error{Code: core.EUnavailable, Dependency: core.DepDatabase,
			Message: "the database is busy; try again", Err: err})
	}
	if isUnavailable(err) {
		return fmt.Errorf("%s: %w", op, &core.Error{Code: core.EUnavailable, Dependency: core.DepDatabase,
			Message: "the database is not reachable", Err: err})
	}
	return fmt.Errorf("%s: %w", op, err)
}

// failWrite is fail for a write: an unavailable error whose cause may have struck after the
// statements reached the server (a timeout, a connection lost mid-way) is marked
// OutcomeUnknown, since the commit may have landed; a refusal (nothing was sent) is not.
func failWrite(op string, err error) error {
	var ce *core.Error
	if err == nil || errors.As(err, &ce) || isRetryable(err) || !isUnavailable(err) || isRefusal(err) {
		return fail(op, err)
	}
	return fmt.Errorf("%s: %w", op, &core.Error{Code: core.EUnavailable, Dependency: core.DepDatabase,
		OutcomeUnknown: true, Message: "the database did not confirm the change in time", Err: err})
}

// isRefusal reports whether err means the database turned the request away before any of it
// ran: the connection was refused, the server had no room or was shutting down, or the
// driver gave up before sending (driver.ErrBadConn).
func isRefusal(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return false // whatever else went wrong, the deadline struck while waiting for an answer
	}
	if refused, known := refusedByServer(err); known {
		return refused
	}
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, driver.ErrBadConn) ||
		strings.Contains(err.Error(), "sql: database is closed")
}

// refusedByServer reports whether err is the server turning work away outright (MySQL: too
// many connections, shutting down; SQLite: cannot open the file); known is false when err
// carries no server error at all.
func refusedByServer(err error) (refused, known bool) {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == myTooManyConns || me.Number == myServerShutdown, true
	}
	var se *gosqlite.Error
	if errors.As(err, &se) {
		return se.Code()&0xff == sqliteCantOpen, true
	}
	return false, false
}

// notFound is the not_found error for a missing thing ("ticket", "message", …).
func notFound(what string) error { return core.Errorf(core.ENotFound, "%s not found", what) }

// isUnique reports whether err is a unique-key violation.
func isUnique(err error) bool {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == myDuplicate
	}
	var se *gosqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqliteConstraintUnique || se.Code() == sqliteConstraintPK
	}
	return errors.Is(err, gorm.ErrDuplicatedKey)
}

// isForeignKey reports whether err is a row referring to a parent that does not exist
// (MySQL 1452, SQLite SQLITE_CONSTRAINT_FOREIGNKEY).
func isForeignKey(err error) bool {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == myNoParentRow
	}
	var se *gosqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqliteConstraintForeignKey
	}
	return false
}

// isRetryable reports whether err means "another transaction was in the way": MySQL deadlock or
// lock wait timeout, SQLite busy or locked. The whole transaction may be run again.
func isRetryable(err error) bool {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == myDeadlock || me.Number == myLockWaitTimeout
	}
	var se *gosqlite.Error
	if errors.As(err, &se) {
		c := se.Code() & 0xff
		return c == sqliteBusy || c == sqliteLocked
	}
	return false
}

// isUnavailable reports whether err means the database could not be reached in time.
func isUnavailable(err error) bool {
	if refused, known := refusedByServer(err); known {
		return refused
	}
	var ne net.Error
	return errors.As(err, &ne) ||
		errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, mysql.ErrInvalidConn) ||
		errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, context.Canceled) ||
		strings.Contains(err.Error(), "sql: database is closed")
}

// fnError carries a callback's error through a transaction untouched.
type fnError struct{ err error }

func (e fnError) Error() string { return e.err.Error() }
func (e fnError) Unwrap() error { return e.err }

// maxAttempts bounds how often a transaction is run when others are in its way.
const maxAttempts = 6

// inTx runs fn in a transaction, running it again (after a short jittered pause) when MySQL
// reports a deadlock or lock wait timeout or SQLite is busy. fn may therefore run more than
// once and must not have effects outside tx. A *core.Error or callback error (see fnError)
// from fn is returned as is; other errors are classified by fail.
func (s *Store) inTx(ctx context.Context, op string, fn func(tx *gorm.DB) error) error {
	var err error
	for attempt := 0; attempt < maxAttempts; attempt++ {
		if attempt > 0 {
			d := randomJitter(time.Duration(5<<attempt) * time.Millisecond)
			s.log.DebugContext(ctx, "retrying transaction", "op", op, "attempt", attempt+1, "err", err)
			select {
			case <-ctx.Done():
				return fail(op, errors.Join(ctx.Err(), err))
			case <-time.After(d):
			}
		}
		err = s.db.WithContext(ctx).Transaction(fn)
		if err == nil || !isRetryable(err) {
			break
		}
	}
	var fe fnError
	if errors.As(err, &fe) {
		return fe.err
	}
	return failWrite(op, err)
}

// randomJitter returns a duration between d/2 and 3d/2.
func randomJitter(d time.Duration) time.Duration {
	return d/2 + rand.N(d+1)
}
