package gormstore

import (
	"fmt"
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// migrateCategories (202612010101_categories) adds categories, each ticket's category (its id
// and its name when opened), the answers to a category's questions and their full-text
// index: MySQL/MariaDB a FULLTEXT index on the answer, SQLite an FTS5 table kept by
// triggers. Tickets of a category are listed through ix_tickets_category_status_id, so a
// category's list reads a page per status like the other lists (see listIndex).
func migrateCategories() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "202612010101_categories",
		Migrate: func(tx *gorm.DB) error {
			m := tx.Migrator()
			if err := m.CreateTable(&v4Category{}, &v4Answer{}); err != nil {
				return fmt.Errorf("create categories: %w", err)
			}
			for _, col := range []string{"CategoryID", "CategoryName"} {
				if err := m.AddColumn(&v4TicketCategory{}, col); err != nil {
					return fmt.Errorf("add tickets.%s: %w", col, err)
				}
			}
			stmts := []string{"CREATE INDEX ix_tickets_category_status_id ON tickets (category_id, status, id)"}
			if tx.Dialector.Name() == "mysql" {
				stmts = append(stmts, "SET SESSION innodb_ft_enable_stopword = 0",
					"CREATE FULLTEXT INDEX ft_ticket_answers_value ON ticket_answers (value)")
			} else {
				stmts = append(stmts, sqliteAnswerSearch...)
			}
			for _, q := range stmts {
				if err := tx.Exec(q).Error; err != nil {
					return fmt.Errorf("%.60s: %w", q, err)
				}
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			if tx.Dialector.Name() != "mysql" {
				for _, q := range []string{"DROP TRIGGER answers_fts_ai", "DROP TRIGGER answers_fts_ad", "DROP TABLE answers_fts"} {
					if err := tx.Exec(q).Error; err != nil {
						return err
					}
				}
			}
			m := tx.Migrator()
			if err := m.DropIndex(&v1Ticket{}, "ix_tickets_category_status_id"); err != nil {
				return err
			}
			for _, col := range []string{"CategoryID", "CategoryName"} {
				if err := m.DropColumn(&v4TicketCategory{}, col); err != nil {
					return err
				}
			}
			return m.DropTable(&v4Answer{}, &v4Category{})
		},
	}
}

// sqliteAnswerSearch is the SQLite half of the answers' full-text index. Answers are never
// edited, only inserted and (with their ticket) deleted.
var sqliteAnswerSearch = []string{
	`CREATE VIRTUAL TABLE answers_fts USING fts5(value, content='ticket_answers', content_rowid='id',
		tokenize='unicode61 remove_diacritics 2')`,
	`CREATE TRIGGER answers_fts_ai AFTER INSERT ON ticket_answers BEGIN
		INSERT INTO answers_fts(rowid, value) VALUES (new.id, new.value);
	END`,
	`CREATE TRIGGER answers_fts_ad AFTER DELETE ON ticket_answers BEGIN
		INSERT INTO answers_fts(answers_fts, rowid, value) VALUES ('delete', old.id, old.value);
	END`,
}

// Schema of 202612010101_categories.

// v4Category is a category; NameKey is its name folded to lower case, unique per workspace.
// Questions is a JSON array of core.Question.
type v4Category struct {
	ID          int64     `gorm:"primaryKey;autoIncrement"`
	Workspace   string    `gorm:"size:80;not null;uniqueIndex:ux_categories_ws_name,priority:1"`
	Name        string    `gorm:"size:255;not null"`
	NameKey     string    `gorm:"size:191;not null;uniqueIndex:ux_categories_ws_name,priority:2"`
	Description string    `gorm:"not null"`
	Questions   string    `gorm:"not null"`
	CreatedAt   time.Time `gorm:"precision:6;not null"`
	UpdatedAt   time.Time `gorm:"precision:6;not null"`
}

func (v4Category) TableName() string { return "categories" }

// v4Answer is one answer of a ticket, in question order (Position).
type v4Answer struct {
	ID         int64     `gorm:"primaryKey;autoIncrement"`
	TicketID   int64     `gorm:"not null;index:ix_ticket_answers_ticket,priority:1"`
	Ticket     *v1Ticket `gorm:"foreignKey:TicketID;constraint:OnDelete:CASCADE"`
	Position   int       `gorm:"not null;index:ix_ticket_answers_ticket,priority:2"`
	QuestionID string    `gorm:"size:16;not null"`
	Question   string    `gorm:"size:255;not null"`
	Value      string    `gorm:"not null"`
}

func (v4Answer) TableName() string { return "ticket_answers" }

// v4TicketCategory is the part of tickets that 202612010101_categories adds.
type v4TicketCategory struct {
	CategoryID   int64  `gorm:"not null;default:0"`
	CategoryName string `gorm:"size:255;not null;default:''"`
}

func (v4TicketCategory) TableName() string { return "tickets" }
