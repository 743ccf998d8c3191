package gormstore_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
	"github.com/ticketbot/ticketbot/core/gormstore"
	"github.com/ticketbot/ticketbot/core/gormstore/gormstoretest"
)

// open opens and migrates the store at rawURL, closing it when t ends.
func open(t testing.TB, rawURL string) *gormstore.Store {
	t.Helper()
	s, err := gormstore.Open(context.Background(), rawURL, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("Open(%s): %v", rawURL, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return s
}

func sqliteFileURL(t testing.TB) string {
	return "sqlite://" + filepath.Join(t.TempDir(), "ticketbot.db")
}

func TestStoreSuite(t *testing.T) {
	t.Run("sqlite file", func(t *testing.T) {
		coretest.RunStoreSuite(t, func(t *testing.T) core.Store { return open(t, sqliteFileURL(t)) })
	})
	t.Run("sqlite memory", func(t *testing.T) {
		coretest.RunStoreSuite(t, func(t *testing.T) core.Store { return open(t, "sqlite://:memory:") })
	})
	t.Run("mysql", func(t *testing.T) {
		gormstoretest.MySQLURL(t) // skips the whole group at once when there is no server
		coretest.RunStoreSuite(t, func(t *testing.T) core.Store { return open(t, gormstoretest.MySQLURL(t)) })
	})
}

// createConcurrently opens two stores on rawURL and has each create perWorker tickets from
// 25 goroutines in one workspace; the numbers must be exactly 1..2*25*perWorker.
func createConcurrently(t *testing.T, rawURL string, perWorker int) {
	stores := []*gormstore.Store{open(t, rawURL), open(t, rawURL)}
	ws := core.Workspace{Platform: core.PlatformSlack, ExternalID: "TCONC"}
	const workers = 25
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		nums []int64
	)
	for _, s := range stores {
		for w := range workers {
			wg.Go(func() {
				for i := range perWorker {
					tk := core.Ticket{Workspace: ws, Title: fmt.Sprintf("w%d-%d", w, i), Reporter: core.UserRef{ID: "U1"}}
					if err := s.CreateTicket(context.Background(), &tk); err != nil {
						t.Errorf("CreateTicket: %v", err)
						return
					}
					mu.Lock()
					nums = append(nums, tk.Number)
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	slices.Sort(nums)
	want := make([]int64, 2*workers*perWorker)
	for i := range want {
		want[i] = int64(i + 1)
	}
	if !slices.Equal(nums, want) {
		t.Fatalf("numbers = %v, want 1..%d exactly once each", nums, len(want))
	}
	listed, err := stores[0].ListTickets(context.Background(), core.ListFilter{Workspace: ws, Limit: 200})
	if err != nil || len(listed) != len(want) {
		t.Fatalf("ListTickets = %d tickets, %v; want %d", len(listed), err, len(want))
	}
	n, err := stores[1].PendingEvents(context.Background())
	if err != nil || n != int64(len(want)) {
		t.Fatalf("PendingEvents = %d, %v; want one ticket.opened per ticket (%d)", n, err, len(want))
	}
}

func TestCreateTicketNumbersAcrossProcessesMySQL(t *testing.T) {
	createConcurrently(t, coretest.MySQLURL(t), 1)
}

func TestCreateTicketNumbersAcrossProcessesSQLite(t *testing.T) {
	createConcurrently(t, sqliteFileURL(t), 1)
}

func TestMigrateTwiceIsANoOp(t *testing.T) {
	urls := map[string]func(t *testing.T) string{
		"sqlite": func(t *testing.T) string { return sqliteFileURL(t) },
		"mysql":  func(t *testing.T) string { return coretest.MySQLURL(t) },
	}
	for name, mk := range urls {
		t.Run(name, func(t *testing.T) {
			u := mk(t)
			s := open(t, u) // migrated once
			tk := core.Ticket{Workspace: core.Workspace{Platform: core.PlatformDiscord, ExternalID: "1"}, Title: "kept"}
			if err := s.CreateTicket(context.Background(), &tk); err != nil {
				t.Fatal(err)
			}
			if err := s.Migrate(context.Background()); err != nil {
				t.Fatalf("second Migrate: %v", err)
			}
			again := open(t, u) // a second process migrating the same database
			got, err := again.Ticket(context.Background(), tk.ID)
			if err != nil || got.Title != "kept" {
				t.Fatalf("after migrating again: %+v, %v", got, err)
			}
		})
	}
}

func TestConcurrentMigrateMySQL(t *testing.T) {
	u := coretest.MySQLURL(t)
	var wg sync.WaitGroup
	for range 3 {
		s, err := gormstore.Open(context.Background(), u, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		wg.Go(func() {
			if err := s.Migrate(context.Background()); err != nil {
				t.Errorf("Migrate: %v", err)
			}
		})
	}
	wg.Wait()
	// The lock is this database's: a lock leaked by one of the three stores stays held by its
	// pooled connection until Cleanup, and a short wait for it times out.
	ctx := context.Background()
	conn, err := rawMySQL(t, u).Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var dbName string
	if err := conn.QueryRowContext(ctx, "SELECT DATABASE()").Scan(&dbName); err != nil {
		t.Fatal(err)
	}
	lock := gormstore.MigrateLockName(dbName)
	var got int
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 2)", lock).Scan(&got); err != nil || got != 1 {
		t.Fatalf("migration lock %s still held after Migrate: GET_LOCK = %d, %v", lock, got, err)
	}
	if _, err := conn.ExecContext(ctx, "SELECT RELEASE_LOCK(?)", lock); err != nil {
		t.Fatal(err)
	}
}

func TestMigrationLocksArePerDatabase(t *testing.T) {
	a, b := gormstore.MigrateLockName("tb_prod"), gormstore.MigrateLockName("tb_staging")
	if a == b || !strings.HasPrefix(a, "ticketbot.migrate.") {
		t.Errorf("lock names %q and %q", a, b)
	}
	long := gormstore.MigrateLockName(strings.Repeat("d", 64))
	if len(long) > 64 || long == gormstore.MigrateLockName(strings.Repeat("e", 64)) {
		t.Errorf("a 64-character database name gives lock %q (%d characters)", long, len(long))
	}
}

func TestOpenRejectsBadURLs(t *testing.T) {
	for _, u := range []string{
		"postgres://localhost/db",
		"ticketbot.db",
		"sqlite://",
		"mysql://localhost",
		"mysql://localhost:3306/",
		"mysql://%zz@localhost/db",
	} {
		_, err := gormstore.Open(context.Background(), u, nil)
		if core.ErrorCode(err) != core.EInvalid {
			t.Errorf("Open(%q) = %v, want an invalid error", u, err)
		}
	}
}

func TestOpenUnreachableMySQLIsUnavailable(t *testing.T) {
	_, err := gormstore.Open(context.Background(), "mysql://root@127.0.0.1:1/nope", nil)
	if core.ErrorCode(err) != core.EUnavailable {
		t.Fatalf("Open = %v, want unavailable", err)
	}
}

// The store reads the time from the clock it is given, so tests can move it.
func TestStoreUsesItsClock(t *testing.T) {
	ctx := context.Background()
	st, err := gormstore.Open(ctx, "sqlite://:memory:", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2031, 2, 3, 4, 5, 6, 0, time.UTC)
	st.SetClock(coretest.NewFakeClock(at))
	tk := core.Ticket{Workspace: core.Workspace{Platform: core.PlatformSlack, ExternalID: "T1"}, Title: "clocked", Reporter: core.UserRef{ID: "U1"}}
	if err := st.CreateTicket(ctx, &tk); err != nil {
		t.Fatal(err)
	}
	if !tk.CreatedAt.Equal(at) || !tk.UpdatedAt.Equal(at) {
		t.Fatalf("times %v / %v, want %v", tk.CreatedAt, tk.UpdatedAt, at)
	}
}

// SIGTERM at start-up cancels the context Migrate runs on. Cancelled before it begins, Migrate
// says so (and the SQLite migrator, which scans a nil row when its query is cancelled, is never
// reached: it panicked there); the schema is then migrated by the next start.
func TestMigrateOnACancelledContextChangesNothing(t *testing.T) {
	urls := map[string]func(t *testing.T) string{
		"sqlite": func(t *testing.T) string { return sqliteFileURL(t) },
		"mysql":  func(t *testing.T) string { return coretest.MySQLURL(t) },
	}
	for name, mk := range urls {
		t.Run(name, func(t *testing.T) {
			u := mk(t)
			s, err := gormstore.Open(context.Background(), u, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if err := s.Migrate(ctx); !errors.Is(err, context.Canceled) {
				t.Fatalf("Migrate(cancelled) = %v, want context.Canceled", err)
			}
			if _, err := s.PendingEvents(context.Background()); err == nil {
				t.Fatal("the outbox table exists: a cancelled Migrate changed the schema")
			}
			if err := s.Migrate(context.Background()); err != nil {
				t.Fatalf("Migrate after the cancelled one: %v", err)
			}
			if _, err := s.PendingEvents(context.Background()); err != nil {
				t.Fatalf("after migrating: %v", err)
			}
		})
	}
}

func TestIntakeSuite(t *testing.T) {
	t.Run("sqlite file", func(t *testing.T) {
		coretest.RunIntakeSuite(t, func(t *testing.T) core.IntakeStore { return open(t, sqliteFileURL(t)) })
	})
	t.Run("mysql", func(t *testing.T) {
		gormstoretest.MySQLURL(t)
		coretest.RunIntakeSuite(t, func(t *testing.T) core.IntakeStore { return open(t, gormstoretest.MySQLURL(t)) })
	})
}
