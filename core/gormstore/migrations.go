package gormstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"

	"github.com/ticketbot/ticketbot/core"
)

// migrationTable records which migrations have run; migrateLock prefixes the MySQL named
// lock held while migrating.
const (
	migrationTable = "schema_migrations"
	migrateLock    = "ticketbot.migrate"
)

// MigrateLockName is the named lock that serialises migrations of database db. Named locks are
// server-wide, so the name carries the database: deployments (or test databases) sharing one
// server do not wait for each other. MySQL allows 64 characters; a longer name is hashed.
func MigrateLockName(db string) string {
	name := migrateLock + "." + db
	if len(name) > 64 {
		sum := sha256.Sum256([]byte(db))
		name = migrateLock + "." + hex.EncodeToString(sum[:])[:40]
	}
	return name
}

// Migrate applies the schema migrations that have not run yet; running it again is a no-op.
// On MySQL a named lock serialises replicas that start at the same moment.
// A cancelled ctx stops it before it begins (the error wraps context.Canceled); once begun it
// runs to its end, so SIGTERM at start-up never leaves a schema half changed (MySQL DDL is not
// transactional) — and the SQLite migrator, which scans a nil row when its query is cancelled,
// never sees a cancellation. Errors: unavailable, internal.
func (s *Store) Migrate(ctx context.Context) error {
	const op = "gormstore.Migrate"
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	db := s.db.WithContext(context.WithoutCancel(ctx))
	if !s.mysql {
		opts := *gormigrate.DefaultOptions
		opts.TableName = migrationTable
		opts.UseTransaction = true // SQLite DDL is transactional: all or nothing
		return fail(op, gormigrate.New(db, &opts, migrations()).Migrate())
	}
	err := db.Connection(func(pinned *gorm.DB) error {
		// Session makes every call below start from the pinned connection's clean statement.
		conn := pinned.Session(&gorm.Session{})
		var dbName string
		if err := conn.Raw("SELECT DATABASE()").Scan(&dbName).Error; err != nil {
			return err
		}
		lock := MigrateLockName(dbName)
		var got *int
		if err := conn.Raw("SELECT GET_LOCK(?, ?)", lock, 60).Scan(&got).Error; err != nil {
			return err
		}
		if got == nil || *got != 1 {
			return core.Errorf(core.EUnavailable, "another process is migrating the database")
		}
		defer func() {
			// The connection goes back to the pool, so the lock must be released explicitly.
			if err := conn.Exec("SELECT RELEASE_LOCK(?)", lock).Error; err != nil {
				s.log.WarnContext(ctx, "could not release the migration lock", "err", err)
			}
		}()
		opts := *gormigrate.DefaultOptions
		opts.TableName = migrationTable
		mig := conn.Set("gorm:table_options", "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci").
			Session(&gorm.Session{})
		return gormigrate.New(mig, &opts, migrations()).Migrate()
	})
	return fail(op, err)
}

// migrations lists every schema change in order. A migration, once released, never changes:
// it declares the tables as they were then (the v1… types below), not the current row structs.
func migrations() []*gormigrate.Migration {
	return []*gormigrate.Migration{
		{
			ID: "202611210001_initial",
			Migrate: func(tx *gorm.DB) error {
				for _, t := range []any{
					&v1Counter{}, &v1Ticket{}, &v1Change{}, &v1Message{}, &v1Event{},
					&v1Settings{}, &v1Account{}, &v1Token{},
				} {
					if err := tx.Migrator().CreateTable(t); err != nil {
						return fmt.Errorf("create %T: %w", t, err)
					}
				}
				return nil
			},
			Rollback: func(tx *gorm.DB) error {
				return tx.Migrator().DropTable(
					&v1Token{}, &v1Account{}, &v1Settings{}, &v1Event{},
					&v1Message{}, &v1Change{}, &v1Ticket{}, &v1Counter{})
			},
		},
		migrateConversations(),
		migrateAccounts(),
		migrateRequestIDs(),
		migrateDrafts(),
		migrateInstalls(),
		migrateLists(),
		migrateSearch(),
		migrateIdentity(),
		migrateNames(),
		migrateLinks(),
		migrateViews(),
		migrateWorkflow(),
		migrateCategories(),
		migrateHoursSettings(),
		migrateListShapes(),
		migrateWebhooks(),
		migrateSLA(),
		migrateOutboxPending(),
		migrateReports(),
		migrateListBounds(),
		migrateIntake(),
		migrateRollups(),
	}
}

// Schema of 202611210001_initial.

type v1Counter struct {
	Workspace  string `gorm:"size:80;primaryKey"`
	LastNumber int64  `gorm:"not null"`
}

func (v1Counter) TableName() string { return "workspace_counters" }

type v1Ticket struct {
	ID            int64     `gorm:"primaryKey;autoIncrement;index:ix_tickets_ws_id,priority:2;index:ix_tickets_ws_status_id,priority:3;index:ix_tickets_ws_reporter_id,priority:3;index:ix_tickets_ws_assignee_id,priority:3"`
	Workspace     string    `gorm:"size:80;not null;uniqueIndex:ux_tickets_ws_number,priority:1;index:ix_tickets_ws_id,priority:1;index:ix_tickets_ws_status_id,priority:1;index:ix_tickets_ws_reporter_id,priority:1;index:ix_tickets_ws_assignee_id,priority:1;index:ix_tickets_ws_thread,priority:1"`
	Number        int64     `gorm:"not null;uniqueIndex:ux_tickets_ws_number,priority:2"`
	Title         string    `gorm:"size:300;not null"`
	Description   string    `gorm:"not null"`
	Status        string    `gorm:"size:16;not null;index:ix_tickets_ws_status_id,priority:2"`
	Priority      string    `gorm:"size:16;not null"`
	ReporterID    string    `gorm:"size:128;not null;index:ix_tickets_ws_reporter_id,priority:2"`
	ReporterName  string    `gorm:"size:255;not null"`
	AssigneeID    string    `gorm:"size:128;not null;index:ix_tickets_ws_assignee_id,priority:2"`
	AssigneeName  string    `gorm:"size:255;not null"`
	OriginChannel string    `gorm:"size:128;not null"`
	ThreadChannel string    `gorm:"size:128;not null;index:ix_tickets_ws_thread,priority:2"`
	ThreadID      string    `gorm:"size:128;not null;index:ix_tickets_ws_thread,priority:3"`
	CardID        string    `gorm:"size:128;not null"`
	StatusNote    string    `gorm:"not null"`
	CreatedAt     time.Time `gorm:"precision:6;not null"`
	UpdatedAt     time.Time `gorm:"precision:6;not null"`
}

func (v1Ticket) TableName() string { return "tickets" }

type v1Change struct {
	ID        int64     `gorm:"primaryKey;autoIncrement;index:ix_ticket_changes_ticket_id,priority:2"`
	TicketID  int64     `gorm:"not null;index:ix_ticket_changes_ticket_id,priority:1"`
	Ticket    *v1Ticket `gorm:"foreignKey:TicketID;constraint:OnDelete:CASCADE"`
	ActorID   string    `gorm:"size:128;not null"`
	ActorName string    `gorm:"size:255;not null"`
	Field     string    `gorm:"size:64;not null"`
	FromValue string    `gorm:"not null"`
	ToValue   string    `gorm:"not null"`
	Note      string    `gorm:"not null"`
	At        time.Time `gorm:"precision:6;not null"`
}

func (v1Change) TableName() string { return "ticket_changes" }

type v1Message struct {
	ID          int64     `gorm:"primaryKey;autoIncrement"`
	TicketID    int64     `gorm:"not null;uniqueIndex:ux_ticket_messages_ticket_external,priority:1"`
	Ticket      *v1Ticket `gorm:"foreignKey:TicketID;constraint:OnDelete:CASCADE"`
	ExternalID  string    `gorm:"size:128;not null;uniqueIndex:ux_ticket_messages_ticket_external,priority:2"`
	AuthorID    string    `gorm:"size:128;not null"`
	AuthorName  string    `gorm:"size:255;not null"`
	Content     string    `gorm:"not null"`
	Attachments string    `gorm:"not null"`
	Source      string    `gorm:"size:16;not null"`
	Edited      bool      `gorm:"not null"`
	Deleted     bool      `gorm:"not null"`
	CreatedAt   time.Time `gorm:"precision:6;not null"`
	UpdatedAt   time.Time `gorm:"precision:6;not null"`
}

func (v1Message) TableName() string { return "ticket_messages" }

// v1Event is the outbox. ix_outbox_due finds due undelivered events in id order;
// ix_outbox_ticket answers "has this ticket an earlier undelivered event?".
type v1Event struct {
	ID            int64      `gorm:"primaryKey;autoIncrement;index:ix_outbox_due,priority:3;index:ix_outbox_ticket,priority:3"`
	Kind          string     `gorm:"size:32;not null"`
	Workspace     string     `gorm:"size:80;not null"`
	TicketID      int64      `gorm:"not null;index:ix_outbox_ticket,priority:1"`
	MessageID     int64      `gorm:"not null"`
	ActorID       string     `gorm:"size:128;not null"`
	ActorName     string     `gorm:"size:255;not null"`
	Changes       string     `gorm:"not null"`
	CreatedAt     time.Time  `gorm:"precision:6;not null"`
	Attempts      int        `gorm:"not null"`
	NextAttemptAt time.Time  `gorm:"precision:6;not null;index:ix_outbox_due,priority:2"`
	LockedBy      *string    `gorm:"size:128"`
	LockedUntil   *time.Time `gorm:"precision:6"`
	DeliveredAt   *time.Time `gorm:"precision:6;index:ix_outbox_due,priority:1;index:ix_outbox_ticket,priority:2"`
	LastError     string     `gorm:"not null"`
}

func (v1Event) TableName() string { return "outbox_events" }

type v1Settings struct {
	Workspace string    `gorm:"size:80;primaryKey"`
	Channel   string    `gorm:"size:128;not null"`
	StaffRole string    `gorm:"size:128;not null"`
	UpdatedAt time.Time `gorm:"precision:6;not null"`
}

func (v1Settings) TableName() string { return "workspace_settings" }

type v1Account struct {
	ID           int64     `gorm:"primaryKey;autoIncrement"`
	Name         string    `gorm:"size:191;not null;uniqueIndex:ux_accounts_name"`
	Role         string    `gorm:"size:16;not null"`
	PasswordHash []byte    `gorm:"size:255;not null"`
	CreatedAt    time.Time `gorm:"precision:6;not null"`
}

func (v1Account) TableName() string { return "accounts" }

type v1Token struct {
	ID         int64      `gorm:"primaryKey;autoIncrement"`
	Name       string     `gorm:"size:191;not null;index:ix_api_tokens_name"`
	ActiveName *string    `gorm:"size:191;uniqueIndex:ux_api_tokens_active_name"`
	Hash       []byte     `gorm:"size:64;not null;uniqueIndex:ux_api_tokens_hash"`
	CreatedAt  time.Time  `gorm:"precision:6;not null"`
	RevokedAt  *time.Time `gorm:"precision:6"`
}

func (v1Token) TableName() string { return "api_tokens" }
