package gormstore_test

import (
	"context"
	"database/sql"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
)

// rawMySQL opens rawURL (mysql://…) with database/sql, for holding locks behind a store's back.
func rawMySQL(t *testing.T, rawURL string) *sql.DB {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	cfg := mysql.NewConfig()
	cfg.User = u.User.Username()
	cfg.Passwd, _ = u.User.Password()
	cfg.Net, cfg.Addr, cfg.DBName = "tcp", u.Host, strings.TrimPrefix(u.Path, "/")
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func TestUpdateTicketRetriesAfterLockWaitTimeoutMySQL(t *testing.T) {
	base := coretest.MySQLURL(t)
	// Extra URL parameters become session variables: make lock waits give up after 1s.
	s := open(t, base+"?innodb_lock_wait_timeout=1")
	ctx := context.Background()
	tk := core.Ticket{Workspace: core.Workspace{Platform: core.PlatformSlack, ExternalID: "T1"}, Title: "locked"}
	if err := s.CreateTicket(ctx, &tk); err != nil {
		t.Fatal(err)
	}

	tx, err := rawMySQL(t, base).BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, "SELECT id FROM tickets WHERE id = ? FOR UPDATE", tk.ID); err != nil {
		t.Fatal(err)
	}
	release := time.AfterFunc(1500*time.Millisecond, func() { _ = tx.Commit() })
	defer release.Stop()

	var calls atomic.Int32
	start := time.Now()
	got, err := s.UpdateTicket(ctx, tk.ID, func(x *core.Ticket) ([]core.Change, error) {
		calls.Add(1)
		x.Status = core.StatusClosed
		return []core.Change{{Field: "status", From: "open", To: "closed"}}, nil
	})
	if err != nil {
		t.Fatalf("UpdateTicket after a lock wait timeout: %v", err)
	}
	if got.Status != core.StatusClosed || calls.Load() != 1 {
		t.Errorf("status %q after %d calls of fn", got.Status, calls.Load())
	}
	if waited := time.Since(start); waited < time.Second {
		t.Errorf("UpdateTicket took %v; the lock was held for 1.5s, so it cannot have waited", waited)
	}
}

func TestCanceledContextIsUnavailable(t *testing.T) {
	s := open(t, sqliteFileURL(t))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Ticket(ctx, 1)
	if core.ErrorCode(err) != core.EUnavailable {
		t.Fatalf("Ticket with a canceled context = %v, want unavailable", err)
	}
	if core.ErrorCode(s.Ping(ctx)) != core.EUnavailable {
		t.Fatalf("Ping with a canceled context should be unavailable")
	}
}
