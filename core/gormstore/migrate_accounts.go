package gormstore

import (
	"fmt"
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// migrateAccounts (202612010001_accounts) gives accounts a workspace (requester accounts),
// tokens a scope, a workspace and an expiry, and adds database-kept sessions, the
// deployment id they are bound to, and sign-in failure counters.
func migrateAccounts() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "202612010001_accounts",
		Migrate: func(tx *gorm.DB) error {
			m := tx.Migrator()
			for _, c := range []struct {
				model any
				field string
			}{
				{&v2Account{}, "Workspace"},
				{&v2Token{}, "Scope"},
				{&v2Token{}, "Workspace"},
				{&v2Token{}, "ExpiresAt"},
			} {
				if err := m.AddColumn(c.model, c.field); err != nil {
					return fmt.Errorf("add %T.%s: %w", c.model, c.field, err)
				}
			}
			for _, t := range []any{&v2Deployment{}, &v2Session{}, &v2LoginFailure{}} {
				if err := m.CreateTable(t); err != nil {
					return fmt.Errorf("create %T: %w", t, err)
				}
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			m := tx.Migrator()
			if err := m.DropTable(&v2LoginFailure{}, &v2Session{}, &v2Deployment{}); err != nil {
				return err
			}
			for _, c := range []string{"ExpiresAt", "Workspace", "Scope"} {
				if err := m.DropColumn(&v2Token{}, c); err != nil {
					return err
				}
			}
			return m.DropColumn(&v2Account{}, "Workspace")
		},
	}
}

// Schema of 202612010001_accounts.

type v2Account struct {
	v1Account
	Workspace string `gorm:"size:80;not null;default:''"`
}

func (v2Account) TableName() string { return "accounts" }

type v2Token struct {
	v1Token
	Scope     string     `gorm:"size:8;not null;default:'write'"`
	Workspace string     `gorm:"size:80;not null;default:''"`
	ExpiresAt *time.Time `gorm:"precision:6"`
}

func (v2Token) TableName() string { return "api_tokens" }

// v2Deployment holds one row: the random id that binds sessions to this deployment.
type v2Deployment struct {
	ID           int    `gorm:"primaryKey;autoIncrement:false"`
	DeploymentID string `gorm:"size:64;not null"`
}

func (v2Deployment) TableName() string { return "deployment" }

type v2Session struct {
	ID        int64      `gorm:"primaryKey;autoIncrement"`
	Hash      []byte     `gorm:"size:32;not null;uniqueIndex:ux_web_sessions_hash"`
	AccountID int64      `gorm:"not null;index:ix_web_sessions_account"`
	Account   *v1Account `gorm:"foreignKey:AccountID;constraint:OnDelete:CASCADE"`
	CSRF      string     `gorm:"size:64;not null"`
	CreatedAt time.Time  `gorm:"precision:6;not null"`
	ExpiresAt time.Time  `gorm:"precision:6;not null;index:ix_web_sessions_expires"`
	LastSeen  time.Time  `gorm:"precision:6;not null"`
}

func (v2Session) TableName() string { return "web_sessions" }

type v2LoginFailure struct {
	Key    string    `gorm:"size:191;primaryKey"`
	Count  int       `gorm:"not null"`
	LastAt time.Time `gorm:"precision:6;not null"`
}

func (v2LoginFailure) TableName() string { return "login_failures" }
