package gormstore_test

import (
	"context"
	"database/sql"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/ticketbot/ticketbot/core/coretest"
)

// mysqlClones hands out fresh MariaDB databases that are copies of one migrated once. The
// store suite opens a fresh database for each of its cases, and migrating one from scratch is
// seconds of DDL (every migration's ALTERs); recreating its tables from SHOW CREATE TABLE and
// copying their few rows (the migration ids among them) takes a fraction of that. Migrating
// from scratch stays tested where it is the point: the migration tests use coretest.MySQLURL.
type mysqlClones struct {
	template string // mysql:// URL of the migrated database
}

// newMySQLClones migrates the template database, dropped when group ends.
func newMySQLClones(group *testing.T) *mysqlClones {
	group.Helper()
	c := &mysqlClones{template: coretest.MySQLURL(group)}
	open(group, c.template) // migrates it
	return c
}

// url returns a fresh database for t holding what the template holds; it is dropped when t
// ends.
func (c *mysqlClones) url(t *testing.T) string {
	t.Helper()
	fresh := coretest.MySQLURL(t)
	if err := cloneDatabase(t.Context(), c.template, fresh); err != nil {
		t.Fatalf("copying the template database: %v", err)
	}
	return fresh
}

// cloneDatabase recreates every table of the database at from in the (empty) database at
// to, with its indexes, foreign keys and rows.
func cloneDatabase(ctx context.Context, from, to string) error {
	src, dst, dsn, err := mysqlDSN(from, to)
	if err != nil {
		return err
	}
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	conn, err := db.Conn(ctx) // one session: FOREIGN_KEY_CHECKS is per session
	if err != nil {
		return err
	}
	defer conn.Close()
	rows, err := conn.QueryContext(ctx, "SELECT table_name FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE'", src)
	if err != nil {
		return err
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, name)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	q := func(db, table string) string { return "`" + db + "`.`" + table + "`" }
	// Tables may refer to each other in any order; the keys are checked by the inserts of
	// the tests that follow, not by this copy.
	for _, stmt := range []string{"SET FOREIGN_KEY_CHECKS = 0", "USE `" + dst + "`"} {
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	for _, table := range tables {
		var name, create string
		if err := conn.QueryRowContext(ctx, "SHOW CREATE TABLE "+q(src, table)).Scan(&name, &create); err != nil {
			return err
		}
		if _, err := conn.ExecContext(ctx, create); err != nil {
			return err
		}
		if _, err := conn.ExecContext(ctx, "INSERT INTO "+q(dst, table)+" SELECT * FROM "+q(src, table)); err != nil {
			return err
		}
	}
	_, err = conn.ExecContext(ctx, "SET FOREIGN_KEY_CHECKS = 1")
	return err
}

// mysqlDSN reads two mysql:// URLs of one server: their database names and a DSN for the
// server without a database.
func mysqlDSN(from, to string) (src, dst, dsn string, err error) {
	f, err := url.Parse(from)
	if err != nil {
		return "", "", "", err
	}
	t, err := url.Parse(to)
	if err != nil {
		return "", "", "", err
	}
	cfg := mysql.NewConfig()
	if f.User != nil {
		cfg.User = f.User.Username()
		cfg.Passwd, _ = f.User.Password()
	}
	cfg.Net, cfg.Addr = "tcp", f.Host
	return strings.TrimPrefix(f.Path, "/"), strings.TrimPrefix(t.Path, "/"), cfg.FormatDSN(), nil
}
