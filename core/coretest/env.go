package coretest

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Environment variables naming the test servers, and their defaults.
const (
	MySQLEnv     = "TICKETBOT_TEST_MYSQL_URL"
	RedisEnv     = "TICKETBOT_TEST_REDIS_URL"
	defaultMySQL = "mysql://root@127.0.0.1:3306/test"
	defaultRedis = "redis://127.0.0.1:6379/15"
	// ServicesEnv=embedded runs the embedded variants (SQLite, in-process state) only: tests
	// that need MySQL or Redis skip, under CI too. `make test-race` sets it — its pass looks
	// for data races in ticketbot's own code, which the MySQL/Redis variants of `make test`
	// already ran without the detector's 5-10x slowdown.
	ServicesEnv = "TICKETBOT_TEST_SERVICES"
)

// skipUnlessServices skips tb when ServicesEnv says this pass runs the embedded stores only.
func skipUnlessServices(tb testing.TB, what string) {
	tb.Helper()
	if os.Getenv(ServicesEnv) == "embedded" {
		tb.Skipf("%s=embedded: this pass runs without %s", ServicesEnv, what)
	}
}

// unreachable remembers, per server URL, why it could not be reached, so a missing server
// costs one dial timeout per test binary rather than one per test.
var unreachable sync.Map // string → error

// MySQLURL creates a fresh database tb_<random> on the MySQL/MariaDB server named by
// TICKETBOT_TEST_MYSQL_URL (default mysql://root@127.0.0.1:3306/test), drops it when tb ends,
// and returns its mysql:// URL. An unreachable server skips the test, or fails it when CI=true.
func MySQLURL(tb testing.TB) string {
	tb.Helper()
	skipUnlessServices(tb, "MySQL")
	raw := envOr(MySQLEnv, defaultMySQL)
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "mysql" || u.Host == "" {
		tb.Fatalf("%s=%q is not a mysql://user:pass@host:3306/db URL", MySQLEnv, raw)
	}
	cfg := mysql.NewConfig()
	if u.User != nil {
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
	}
	cfg.Net, cfg.Addr, cfg.Timeout = "tcp", u.Host, 3*time.Second
	if u.Port() == "" {
		cfg.Addr = net.JoinHostPort(u.Hostname(), "3306")
	}
	dsn := cfg.FormatDSN()
	if err, ok := unreachable.Load(dsn); ok {
		skipOrFail(tb, "MySQL", cfg.Addr, MySQLEnv, err.(error))
	}
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		tb.Fatalf("coretest.MySQLURL: %v", err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		unreachable.Store(dsn, err)
		skipOrFail(tb, "MySQL", cfg.Addr, MySQLEnv, err)
	}
	name := "tb_" + randomHex(6)
	if _, err := db.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		tb.Fatalf("coretest.MySQLURL: create database %s: %v", name, err)
	}
	tb.Cleanup(func() {
		db, err := sql.Open("mysql", dsn)
		if err != nil {
			tb.Errorf("coretest.MySQLURL: drop database %s: %v", name, err)
			return
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+name+"`"); err != nil {
			tb.Errorf("coretest.MySQLURL: drop database %s: %v", name, err)
		}
	})
	out := *u
	out.Path = "/" + name
	return out.String()
}

// RedisURL returns the Redis URL named by TICKETBOT_TEST_REDIS_URL (default
// redis://127.0.0.1:6379/15) after checking that the server answers PING. An unreachable
// server skips the test, or fails it when CI=true. Tests share the database: namespace keys.
func RedisURL(tb testing.TB) string {
	tb.Helper()
	skipUnlessServices(tb, "Redis")
	raw := envOr(RedisEnv, defaultRedis)
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
		tb.Fatalf("%s=%q is not a redis://[:pass@]host:6379/db URL", RedisEnv, raw)
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "6379")
	}
	if err, ok := unreachable.Load(raw); ok {
		skipOrFail(tb, "Redis", addr, RedisEnv, err.(error))
	}
	if u.Scheme == "redis" { // a TLS server is taken on trust: its client will tell
		if err := redisPing(addr, u.User); err != nil {
			unreachable.Store(raw, err)
			skipOrFail(tb, "Redis", addr, RedisEnv, err)
		}
	}
	return raw
}

// redisPing dials addr, authenticates if user carries a password, and expects +PONG.
func redisPing(addr string, user *url.Userinfo) error {
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(3 * time.Second))
	r := bufio.NewReader(conn)
	if pass, ok := user.Password(); ok {
		cmd := []string{"AUTH", pass}
		if name := user.Username(); name != "" {
			cmd = []string{"AUTH", name, pass}
		}
		if err := redisCommand(conn, r, cmd...); err != nil {
			return fmt.Errorf("AUTH: %w", err)
		}
	}
	if err := redisCommand(conn, r, "PING"); err != nil {
		return fmt.Errorf("PING: %w", err)
	}
	return nil
}

// redisCommand sends one RESP command and accepts a simple-string reply.
func redisCommand(conn net.Conn, r *bufio.Reader, args ...string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := conn.Write([]byte(b.String())); err != nil {
		return err
	}
	line, err := r.ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "+") {
		return fmt.Errorf("unexpected reply %q", strings.TrimSpace(line))
	}
	return nil
}

func skipOrFail(tb testing.TB, what, addr, env string, err error) {
	tb.Helper()
	msg := fmt.Sprintf("%s not reachable at %s (set %s): %v", what, addr, env, err)
	if os.Getenv("CI") == "true" {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
