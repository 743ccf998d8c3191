package gormstore

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/libtnb/sqlite"
	gormmysql "gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/ticketbot/ticketbot/core"
)

// Store is core.Store on a GORM database. It is safe for concurrent use.
type Store struct {
	db    *gorm.DB
	sqlDB *sql.DB
	// batch is a second MySQL pool that allows multi-statement batches (createMySQL).
	batch *sql.DB
	mysql bool
	// mariadb tells MariaDB from MySQL (how a statement's time is bounded: search_budget.go).
	mariadb bool
	// searchBudget bounds a ranked full-text search before it falls back to recent tickets.
	searchBudget time.Duration
	// gate bounds the database work under way at once (gate.go); the intake's INSERTs go
	// around it, batched (intake_batch.go).
	gate   *core.Gate
	intake *intakeBatcher
	log    *slog.Logger
	now    func() time.Time
}

var _ core.Store = (*Store)(nil)

// Open connects to the database named by rawURL, which is mysql://user:pass@host:3306/dbname
// or sqlite://path/to/file.db (also sqlite://:memory:), with the DefaultPool. It does not
// migrate; call Migrate. Errors: invalid (bad URL), unavailable (database unreachable), internal.
func Open(ctx context.Context, rawURL string, log *slog.Logger) (*Store, error) {
	return open(ctx, rawURL, log, DefaultPool())
}

func open(ctx context.Context, rawURL string, log *slog.Logger, pool Pool) (*Store, error) {
	const op = "gormstore.Open"
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return nil, fmt.Errorf("%s: %w", op, core.Errorf(core.EInvalid,
			"database URL must start with mysql:// or sqlite://"))
	}
	var (
		sqlDB   *sql.DB
		batchDB *sql.DB
		dial    gorm.Dialector
		err     error
	)
	switch strings.ToLower(scheme) {
	case "mysql":
		var dsn string
		if dsn, err = mysqlDSN(rawURL); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		if sqlDB, err = sql.Open("mysql", dsn); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		sqlDB.SetMaxOpenConns(pool.MaxOpen)
		sqlDB.SetMaxIdleConns(pool.MaxIdle)
		sqlDB.SetConnMaxLifetime(5 * time.Minute)
		sqlDB.SetConnMaxIdleTime(time.Minute)
		dial = gormmysql.New(gormmysql.Config{Conn: sqlDB})
		if batchDB, err = openBatchDB(dsn+"&multiStatements=true", pool); err != nil {
			_ = sqlDB.Close()
			return nil, fmt.Errorf("%s: %w", op, err)
		}
	case "sqlite":
		var dsn string
		if dsn, err = sqliteDSN(rest); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		// The embedded database is modernc.org/sqlite (SQLite translated to Go, so
		// CGO_ENABLED=0 builds work) through the GORM dialector github.com/libtnb/sqlite.
		// Chosen over github.com/glebarez/sqlite, which pins a 2023 modernc build
		// (SQLite 3.41.2) and is no longer updated, because modernc.org/sqlite v1.62.0
		// embeds SQLite 3.54.1 with FTS5 (unicode61 remove_diacritics) compiled in and
		// libtnb/sqlite is a maintained fork of the same dialector that follows modernc
		// releases; the DSN parameters (_pragma, _txlock) and error type (*sqlite.Error
		// with SQLite's extended codes) stay the same. github.com/ncruces/go-sqlite3 was
		// tried too: its default build has no fts5 module and its GORM dialector
		// (gormlite) is not available from the module proxy.
		if sqlDB, err = sql.Open(sqlite.DriverName, dsn); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		// One connection: SQLite has one writer anyway, and :memory: lives in its connection.
		sqlDB.SetMaxOpenConns(1)
		sqlDB.SetMaxIdleConns(1)
		sqlDB.SetConnMaxLifetime(0)
		sqlDB.SetConnMaxIdleTime(0)
		dial = &sqlite.Dialector{Conn: sqlDB}
	default:
		return nil, fmt.Errorf("%s: %w", op, core.Errorf(core.EInvalid,
			"unknown database URL scheme %q (use mysql:// or sqlite://)", scheme))
	}
	closeAll := func() {
		_ = sqlDB.Close()
		if batchDB != nil {
			_ = batchDB.Close()
		}
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		closeAll()
		return nil, fail(op, err)
	}
	db, err := gorm.Open(dial, &gorm.Config{
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return stamp(time.Now()) },
		Logger: logger.NewSlogLogger(log, logger.Config{
			LogLevel:                  logger.Warn,
			SlowThreshold:             500 * time.Millisecond,
			IgnoreRecordNotFoundError: true,
			ParameterizedQueries:      true, // never log values: they may hold secrets
		}),
	})
	if err != nil {
		closeAll()
		return nil, fail(op, err)
	}
	gate := pool.gate(dial.Name() == "mysql")
	db.ConnPool = gatedPool{db: sqlDB, gate: gate}
	db.Statement.ConnPool = db.ConnPool
	st := &Store{
		db:           db,
		sqlDB:        sqlDB,
		batch:        batchDB,
		gate:         gate,
		intake:       newIntakeBatcher(dial.Name() == "mysql"),
		mysql:        dial.Name() == "mysql",
		log:          log,
		now:          func() time.Time { return stamp(time.Now()) },
		searchBudget: defaultSearchBudget,
	}
	if st.mysql {
		var version string
		if err := sqlDB.QueryRowContext(ctx, "SELECT VERSION()").Scan(&version); err != nil {
			closeAll()
			return nil, fail(op, err)
		}
		st.mariadb = strings.Contains(strings.ToLower(version), "mariadb")
	}
	return st, nil
}

// SetClock makes the store read the time from c (created, updated and delivered times, due
// outbox events) instead of the system clock; call it before the store is used.
func (s *Store) SetClock(c core.Clock) {
	s.now = func() time.Time { return stamp(c.Now()) }
	s.db.Config.NowFunc = s.now
}

// Close closes the database connections.
func (s *Store) Close() error {
	if s.batch != nil {
		_ = s.batch.Close()
	}
	if err := s.sqlDB.Close(); err != nil {
		return fmt.Errorf("gormstore.Close: %w", err)
	}
	return nil
}

// Ping checks the database answers. Errors: unavailable.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("gormstore.Ping: %w", &core.Error{Code: core.EUnavailable,
			Message: "the database is not reachable", Err: err})
	}
	return nil
}

// mysqlDSN turns mysql://user:pass@host:3306/dbname?param=value into a go-sql-driver DSN.
func mysqlDSN(rawURL string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", core.Errorf(core.EInvalid, "database URL is not a valid URL")
	}
	db := strings.TrimPrefix(u.Path, "/")
	if u.Host == "" || db == "" || strings.Contains(db, "/") {
		return "", core.Errorf(core.EInvalid, "database URL must look like mysql://user:pass@host:3306/dbname")
	}
	cfg := mysql.NewConfig()
	if u.User != nil {
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
	}
	cfg.Net = "tcp"
	cfg.Addr = u.Host
	if u.Port() == "" {
		cfg.Addr = net.JoinHostPort(u.Hostname(), "3306")
	}
	cfg.DBName = db
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	cfg.Collation = "utf8mb4_unicode_ci"
	cfg.ClientFoundRows = true // RowsAffected counts matched rows, so "no such row" is detectable
	cfg.Timeout = 5 * time.Second
	// Interpolating parameters client-side (safe with utf8mb4) makes each statement one round
	// trip instead of three (prepare, execute, close).
	cfg.InterpolateParams = true
	cfg.Params = map[string]string{"charset": "utf8mb4"}
	for k, vs := range u.Query() {
		if len(vs) > 0 {
			cfg.Params[k] = vs[len(vs)-1]
		}
	}
	dsn := cfg.FormatDSN()
	if _, err := mysql.ParseDSN(dsn); err != nil {
		return "", core.Errorf(core.EInvalid, "database URL has a bad parameter: %v", err)
	}
	return dsn, nil
}

// sqliteDSN turns the part after sqlite:// into a DSN for modernc.org/sqlite.
func sqliteDSN(path string) (string, error) {
	if path == "" || strings.Contains(path, "?") {
		return "", core.Errorf(core.EInvalid, "database URL must look like sqlite://path/to/file.db or sqlite://:memory:")
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	if path != ":memory:" {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
	}
	// BEGIN IMMEDIATE takes the write lock up front, so concurrent writers wait on
	// busy_timeout instead of failing on a read-to-write lock upgrade.
	q.Set("_txlock", "immediate")
	return path + "?" + q.Encode(), nil
}

// stamp is the one way times enter the database: UTC, microseconds (MySQL DATETIME(6)).
func stamp(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
