package gormstore

// An internal test: it runs SQL on the Store's own connection, so it proves the driver the
// store really opens has what later features rely on.

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
)

// TestSQLiteHasFTS5 checks the embedded SQLite has FTS5 with the unicode61 tokenizer's
// remove_diacritics option: full-text search must find "Ärger" when a user types "arger".
func TestSQLiteHasFTS5(t *testing.T) {
	for name, url := range map[string]string{
		"file":   "sqlite://" + filepath.Join(t.TempDir(), "fts.db"),
		"memory": "sqlite://:memory:",
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s, err := Open(ctx, url, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer s.Close()
			var version string
			if err := s.db.WithContext(ctx).Raw("SELECT sqlite_version()").Scan(&version).Error; err != nil {
				t.Fatalf("sqlite_version: %v", err)
			}
			t.Logf("SQLite %s", version)
			db := s.db.WithContext(ctx)
			if err := db.Exec(`CREATE VIRTUAL TABLE docs USING fts5(body, tokenize = 'unicode61 remove_diacritics 2')`).Error; err != nil {
				t.Fatalf("create fts5 table: %v", err)
			}
			if err := db.Exec(`INSERT INTO docs(body) VALUES (?), (?)`,
				"So viel Ärger mit dem Drucker", "VPN down since Monday").Error; err != nil {
				t.Fatalf("insert: %v", err)
			}
			for _, q := range []string{"arger", "ärger", "ÄRGER", "Arger"} {
				var bodies []string
				if err := db.Raw(`SELECT body FROM docs WHERE docs MATCH ?`, q).Scan(&bodies).Error; err != nil {
					t.Fatalf("MATCH %q: %v", q, err)
				}
				if len(bodies) != 1 || bodies[0] != "So viel Ärger mit dem Drucker" {
					t.Errorf("MATCH %q = %q, want the one row with Ärger", q, bodies)
				}
			}
			var none int64
			if err := db.Raw(`SELECT count(*) FROM docs WHERE docs MATCH ?`, "drucken").Scan(&none).Error; err != nil {
				t.Fatalf("MATCH drucken: %v", err)
			}
			if none != 0 {
				t.Errorf("MATCH drucken found %d rows, want 0 (tokens match whole words)", none)
			}
		})
	}
}
