package gormstore

import (
	"context"
	"database/sql"

	"gorm.io/gorm"

	"github.com/ticketbot/ticketbot/core"
)

// gatedPool is the connection pool GORM talks to: every statement outside a transaction, and
// every transaction from BEGIN to COMMIT or ROLLBACK, holds a slot of the store's Gate, so a
// burst waits in front of the pool for as long as each request's deadline allows and is then
// told "busy" having changed nothing — instead of queueing for connections until its deadline
// strikes somewhere in the middle of a commit. Queries give their slot back once the server
// answered (GORM reads the rows at once).
type gatedPool struct {
	db   *sql.DB
	gate *core.Gate
}

var (
	_ gorm.ConnPool         = gatedPool{}
	_ gorm.ConnPoolBeginner = gatedPool{}
	_ gorm.GetDBConnector   = gatedPool{}
)

func (p gatedPool) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return p.db.PrepareContext(ctx, query)
}

func (p gatedPool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	leave, err := p.gate.Enter(ctx, core.DepDatabase)
	if err != nil {
		return nil, err
	}
	defer leave()
	return p.db.ExecContext(ctx, query, args...)
}

func (p gatedPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	leave, err := p.gate.Enter(ctx, core.DepDatabase)
	if err != nil {
		return nil, err
	}
	defer leave()
	return p.db.QueryContext(ctx, query, args...)
}

// QueryRowContext is not gated: *sql.Row cannot carry the gate's error, and the store reads
// single rows through QueryContext (GORM's Scan, First, Count).
func (p gatedPool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return p.db.QueryRowContext(ctx, query, args...)
}

// BeginTx takes a slot for the whole transaction; Commit or Rollback gives it back.
func (p gatedPool) BeginTx(ctx context.Context, opts *sql.TxOptions) (gorm.ConnPool, error) {
	leave, err := p.gate.Enter(ctx, core.DepDatabase)
	if err != nil {
		return nil, err
	}
	tx, err := p.db.BeginTx(ctx, opts)
	if err != nil {
		leave()
		return nil, err
	}
	return &gatedTx{Tx: tx, leave: leave}, nil
}

// GetDBConn lets gorm.DB.DB() find the pool under the gate.
func (p gatedPool) GetDBConn() (*sql.DB, error) { return p.db, nil }

// gatedTx is a transaction holding a gate slot until it ends.
type gatedTx struct {
	*sql.Tx
	leave func()
}

func (t *gatedTx) Commit() error {
	defer t.leave()
	return t.Tx.Commit()
}

func (t *gatedTx) Rollback() error {
	defer t.leave()
	return t.Tx.Rollback()
}

// Gate returns the gate in front of the store's connections (tests hold its slots to
// reproduce an overload).
func (s *Store) Gate() *core.Gate { return s.gate }

// Saturated reports whether the database is too busy for work before an acknowledgement:
// on MySQL, every slot of the gate taken or callers waiting for one. SQLite's one connection
// is taken by any statement, so its gate says nothing of the load: never (an Intake learns of
// a slow SQLite from its acceptors' work running late).
func (s *Store) Saturated() bool { return s.mysql && s.gate.Saturated() }
