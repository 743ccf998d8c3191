package gormstore

import (
	"fmt"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// migrateSearch (202612010003_search) adds full-text indexes over tickets' titles and
// descriptions and messages' content. MySQL/MariaDB: InnoDB FULLTEXT indexes, built without
// the stop-word list (so "for" or "the" can be searched); the utf8mb4_unicode_ci collation
// folds case and accents. SQLite: FTS5 tables over the same columns (unicode61 with
// remove_diacritics 2), kept by triggers in the same transaction as every insert, update and
// delete, and filled from the rows there are. (On MySQL, the first FULLTEXT index of a big
// table rebuilds it: plan the migration of a large database.)
func migrateSearch() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "202612010003_search",
		Migrate: func(tx *gorm.DB) error {
			stmts := sqliteSearchSchema
			if tx.Dialector.Name() == "mysql" {
				stmts = []string{
					"SET SESSION innodb_ft_enable_stopword = 0",
					"CREATE FULLTEXT INDEX ft_tickets_text ON tickets (title, description)",
					"CREATE FULLTEXT INDEX ft_ticket_messages_content ON ticket_messages (content)",
				}
			}
			for _, q := range stmts {
				if err := tx.Exec(q).Error; err != nil {
					return fmt.Errorf("%.60s: %w", q, err)
				}
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			stmts := []string{
				"DROP TRIGGER tickets_fts_ai", "DROP TRIGGER tickets_fts_au", "DROP TRIGGER tickets_fts_ad",
				"DROP TRIGGER messages_fts_ai", "DROP TRIGGER messages_fts_au", "DROP TRIGGER messages_fts_ad",
				"DROP TABLE tickets_fts", "DROP TABLE messages_fts",
			}
			if tx.Dialector.Name() == "mysql" {
				stmts = []string{"DROP INDEX ft_tickets_text ON tickets", "DROP INDEX ft_ticket_messages_content ON ticket_messages"}
			}
			for _, q := range stmts {
				if err := tx.Exec(q).Error; err != nil {
					return err
				}
			}
			return nil
		},
	}
}

// sqliteSearchSchema is the SQLite half of 202612010003_search: external-content FTS5
// tables (the text stays in tickets and ticket_messages) and the triggers that keep them.
var sqliteSearchSchema = []string{
	`CREATE VIRTUAL TABLE tickets_fts USING fts5(title, description, content='tickets', content_rowid='id',
		tokenize='unicode61 remove_diacritics 2')`,
	`CREATE VIRTUAL TABLE messages_fts USING fts5(content, content='ticket_messages', content_rowid='id',
		tokenize='unicode61 remove_diacritics 2')`,
	`CREATE TRIGGER tickets_fts_ai AFTER INSERT ON tickets BEGIN
		INSERT INTO tickets_fts(rowid, title, description) VALUES (new.id, new.title, new.description);
	END`,
	`CREATE TRIGGER tickets_fts_au AFTER UPDATE OF title, description ON tickets BEGIN
		INSERT INTO tickets_fts(tickets_fts, rowid, title, description) VALUES ('delete', old.id, old.title, old.description);
		INSERT INTO tickets_fts(rowid, title, description) VALUES (new.id, new.title, new.description);
	END`,
	`CREATE TRIGGER tickets_fts_ad AFTER DELETE ON tickets BEGIN
		INSERT INTO tickets_fts(tickets_fts, rowid, title, description) VALUES ('delete', old.id, old.title, old.description);
	END`,
	`CREATE TRIGGER messages_fts_ai AFTER INSERT ON ticket_messages BEGIN
		INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
	END`,
	`CREATE TRIGGER messages_fts_au AFTER UPDATE OF content ON ticket_messages BEGIN
		INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
		INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
	END`,
	`CREATE TRIGGER messages_fts_ad AFTER DELETE ON ticket_messages BEGIN
		INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
	END`,
	`INSERT INTO tickets_fts(tickets_fts) VALUES ('rebuild')`,
	`INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')`,
}
