package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"strings"

	"github.com/go-sql-driver/mysql"
)

func newEnv(ctx context.Context) (*env, error) {
	e := &env{
		log:      slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		mysqlURL: getenv("TICKETBOT_BENCH_MYSQL_URL", "mysql://root@127.0.0.1:3306/test"),
		redisURL: getenv("TICKETBOT_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
		dbPrefix: getenv("TICKETBOT_BENCH_DB_PREFIX", "tbbench"),
	}
	db, err := e.openRaw(e.mysqlURL)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("MariaDB at %s is not reachable (set TICKETBOT_BENCH_MYSQL_URL): %w", e.mysqlURL, err)
	}
	return e, nil
}

func getenv(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// freshDatabase creates an empty database for one suite, dropped when the run ends, and
// returns its mysql:// URL.
func (e *env) freshDatabase(ctx context.Context) (string, error) {
	return e.createDatabase(ctx, true)
}

// createDatabase creates an empty database, dropped when the run ends if drop, and returns
// its mysql:// URL.
func (e *env) createDatabase(ctx context.Context, drop bool) (string, error) {
	name := fmt.Sprintf("%s_%08x", e.dbPrefix, rand.Uint32())
	db, err := e.openRaw(e.mysqlURL)
	if err != nil {
		return "", err
	}
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name+" CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		db.Close()
		return "", fmt.Errorf("create database: %w", err)
	}
	e.cleanup = append(e.cleanup, func() {
		if drop {
			_, _ = db.Exec("DROP DATABASE IF EXISTS " + name)
		}
		db.Close()
	})
	return e.databaseURL(name), nil
}

// databaseURL is the mysql:// URL of database name on the run's server.
func (e *env) databaseURL(name string) string {
	u, _ := url.Parse(e.mysqlURL)
	u.Path = "/" + name
	return u.String()
}

// openRaw opens a mysql:// URL with plain database/sql, for baselines and bookkeeping.
func (e *env) openRaw(raw string) (*sql.DB, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "mysql" {
		return nil, fmt.Errorf("not a mysql:// URL: %q", raw)
	}
	c := mysql.NewConfig()
	c.Net = "tcp"
	c.Addr = u.Host
	c.User = u.User.Username()
	c.Passwd, _ = u.User.Password()
	c.DBName = strings.TrimPrefix(u.Path, "/")
	c.ParseTime = true
	c.InterpolateParams = true // one round trip per statement, as gormstore does
	c.Params = map[string]string{"charset": "utf8mb4"}
	return sql.Open("mysql", c.FormatDSN())
}
