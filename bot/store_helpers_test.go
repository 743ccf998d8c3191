package bot_test

import (
	"log/slog"
	"testing"

	"github.com/ticketbot/ticketbot/core/gormstore"
)

// openSQLite opens and migrates a fresh SQLite store, closed when t ends.
func openSQLite(t *testing.T) *gormstore.Store {
	t.Helper()
	st, err := gormstore.Open(t.Context(), "sqlite://"+t.TempDir()+"/t.db", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return st
}
