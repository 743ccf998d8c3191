package gormstore

import (
	"fmt"
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// migrateIdentity (202612010004_identity_sessions) adds the sessions of people signed in with
// Slack or Discord (a platform identity instead of an account) and the sign-in states (OAuth2
// state, PKCE verifier, OIDC nonce) waiting for the platform to send the browser back.
func migrateIdentity() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "202612010004_identity_sessions",
		Migrate: func(tx *gorm.DB) error {
			for _, t := range []any{&v3IdentitySession{}, &v3SignInState{}} {
				if err := tx.Migrator().CreateTable(t); err != nil {
					return fmt.Errorf("create %T: %w", t, err)
				}
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			return tx.Migrator().DropTable(&v3SignInState{}, &v3IdentitySession{})
		},
	}
}

// Schema of 202612010004_identity_sessions.

type v3IdentitySession struct {
	ID          int64     `gorm:"primaryKey;autoIncrement"`
	Hash        []byte    `gorm:"size:32;not null;uniqueIndex:ux_identity_sessions_hash"`
	Platform    string    `gorm:"size:16;not null"`
	UserID      string    `gorm:"size:128;not null"`
	UserName    string    `gorm:"size:255;not null"`
	Memberships string    `gorm:"not null"`
	CSRF        string    `gorm:"size:64;not null"`
	CreatedAt   time.Time `gorm:"precision:6;not null"`
	ExpiresAt   time.Time `gorm:"precision:6;not null;index:ix_identity_sessions_expires"`
	LastSeen    time.Time `gorm:"precision:6;not null"`
}

func (v3IdentitySession) TableName() string { return "identity_sessions" }

type v3SignInState struct {
	Hash      []byte    `gorm:"size:32;primaryKey"`
	Provider  string    `gorm:"size:16;not null"`
	Verifier  string    `gorm:"size:128;not null"`
	Nonce     string    `gorm:"size:128;not null"`
	Next      string    `gorm:"size:2048;not null"`
	ExpiresAt time.Time `gorm:"precision:6;not null;index:ix_signin_states_expires"`
}

func (v3SignInState) TableName() string { return "signin_states" }
