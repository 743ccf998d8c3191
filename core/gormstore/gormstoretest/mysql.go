// Package gormstoretest gives tests MariaDB databases that already hold ticketbot's schema.
// Migrating a database from scratch is seconds of DDL (every migration's ALTERs), and the
// suites open a fresh database for nearly every case; here each test binary migrates one
// template database per server once, and each test gets a copy of it: its tables recreated
// from SHOW CREATE TABLE (indexes and foreign keys included) and their few rows (the
// migration ids among them) copied. Tests of the migrations themselves use
// coretest.MySQLURL, which gives an empty database.
package gormstoretest

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/ticketbot/ticketbot/core/coretest"
	"github.com/ticketbot/ticketbot/core/gormstore"
)

// templatePrefix starts a template database's name, followed by its creation time.
const templatePrefix = "tbt_"

// staleAfter is how old another binary's template must be before one is dropped: a binary
// cannot drop its own at exit (tests have no hook for the end of the binary), so each new
// template clears those of runs long over.
const staleAfter = 6 * time.Hour

// template is one server's migrated database, made once per test binary.
type template struct {
	once sync.Once
	name string
	err  error
}

// templates holds the template of each server this binary's tests use. A package variable:
// the template must outlive every test that copies it, and only the binary spans them all.
var templates sync.Map // server DSN → *template

// MySQLURL is coretest.MySQLURL holding ticketbot's migrated schema: a fresh database,
// dropped when tb ends, copied from this binary's template. It skips, or fails under CI=true,
// as coretest.MySQLURL does when there is no server.
func MySQLURL(tb testing.TB) string {
	tb.Helper()
	fresh := coretest.MySQLURL(tb)
	u, err := url.Parse(fresh)
	if err != nil {
		tb.Fatalf("gormstoretest: %v", err)
	}
	dsn := serverDSN(u)
	v, _ := templates.LoadOrStore(dsn, &template{})
	tpl := v.(*template)
	tpl.once.Do(func() { tpl.name, tpl.err = makeTemplate(u, dsn) })
	if tpl.err != nil {
		tb.Fatalf("gormstoretest: the template database: %v", tpl.err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := Clone(ctx, dsn, tpl.name, strings.TrimPrefix(u.Path, "/")); err != nil {
		tb.Fatalf("gormstoretest: copying the template database: %v", err)
	}
	return fresh
}

// serverDSN is the DSN of u's server without a database.
func serverDSN(u *url.URL) string {
	cfg := mysql.NewConfig()
	if u.User != nil {
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
	}
	cfg.Net, cfg.Addr, cfg.Timeout = "tcp", u.Host, 3*time.Second
	return cfg.FormatDSN()
}

// makeTemplate creates and migrates a template database on u's server (dropping other
// binaries' stale ones) and returns its name.
func makeTemplate(u *url.URL, dsn string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		return "", err
	}
	defer db.Close()
	if err := dropStale(ctx, db); err != nil {
		return "", err
	}
	name := fmt.Sprintf("%s%d_%s", templatePrefix, time.Now().Unix(), strings.TrimPrefix(u.Path, "/tb_"))
	if _, err := db.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		return "", err
	}
	tu := *u
	tu.Path = "/" + name
	s, err := gormstore.Open(ctx, tu.String(), slog.New(slog.DiscardHandler))
	if err != nil {
		return "", err
	}
	defer s.Close()
	return name, s.Migrate(ctx)
}

// dropStale drops the templates made more than staleAfter ago.
func dropStale(ctx context.Context, db *sql.DB) error {
	names, err := column(ctx, db, "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'tbt\\_%'")
	if err != nil {
		return err
	}
	var stale []string
	for _, name := range names {
		stamp, _, _ := strings.Cut(strings.TrimPrefix(name, templatePrefix), "_")
		if at, err := strconv.ParseInt(stamp, 10, 64); err == nil && time.Since(time.Unix(at, 0)) > staleAfter {
			stale = append(stale, name)
		}
	}
	for _, name := range stale {
		if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+name+"`"); err != nil {
			return err
		}
	}
	return nil
}

// Clone recreates every table of database from in the empty database to, on the server of
// dsn, with its indexes, foreign keys and rows.
func Clone(ctx context.Context, dsn, from, to string) error {
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	conn, err := db.Conn(ctx) // one session: FOREIGN_KEY_CHECKS and USE are per session
	if err != nil {
		return err
	}
	defer conn.Close()
	tables, err := column(ctx, conn, "SELECT table_name FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE'", from)
	if err != nil {
		return err
	}
	q := func(db, table string) string { return "`" + db + "`.`" + table + "`" }
	// Tables refer to each other in any order: the keys are created unchecked and hold for
	// the rows copied, which held them in the template.
	for _, stmt := range []string{"SET FOREIGN_KEY_CHECKS = 0", "USE `" + to + "`"} {
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	for _, table := range tables {
		var name, create string
		if err := conn.QueryRowContext(ctx, "SHOW CREATE TABLE "+q(from, table)).Scan(&name, &create); err != nil {
			return err
		}
		if _, err := conn.ExecContext(ctx, create); err != nil {
			return err
		}
		if _, err := conn.ExecContext(ctx, "INSERT INTO "+q(to, table)+" SELECT * FROM "+q(from, table)); err != nil {
			return err
		}
	}
	_, err = conn.ExecContext(ctx, "SET FOREIGN_KEY_CHECKS = 1")
	return err
}

// querier is what column needs of a *sql.DB or *sql.Conn.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// column runs query and returns its rows' single string column.
func column(ctx context.Context, q querier, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
