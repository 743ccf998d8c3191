package gormstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/ticketbot/ticketbot/core"
)

type deploymentRow struct {
	ID           int `gorm:"primaryKey;autoIncrement:false"`
	DeploymentID string
}

func (deploymentRow) TableName() string { return "deployment" }

type sessionRow struct {
	ID        int64 `gorm:"primaryKey"`
	Hash      []byte
	AccountID int64
	CSRF      string
	CreatedAt time.Time `gorm:"autoCreateTime:false"`
	ExpiresAt time.Time
	LastSeen  time.Time
}

func (sessionRow) TableName() string { return "web_sessions" }

type loginFailureRow struct {
	Key    string `gorm:"primaryKey"`
	Count  int
	LastAt time.Time
}

func (loginFailureRow) TableName() string { return "login_failures" }

// DeploymentID returns the deployment's random id, creating it on first use (the first
// writer wins; everyone reads the row it wrote). Errors: unavailable, internal.
func (s *Store) DeploymentID(ctx context.Context) (string, error) {
	const op = "gormstore.DeploymentID"
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fail(op, err)
	}
	db := s.db.WithContext(ctx)
	err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&deploymentRow{ID: 1, DeploymentID: hex.EncodeToString(b)}).Error
	if err != nil && !isUnique(err) {
		return "", fail(op, err)
	}
	var row deploymentRow
	if err := db.Where("id = 1").Take(&row).Error; err != nil {
		return "", fail(op, err)
	}
	return row.DeploymentID, nil
}

// CreateSession stores sess and sets its ID. Errors: not_found (no such account), conflict,
// unavailable, internal.
func (s *Store) CreateSession(ctx context.Context, sess *core.Session) error {
	const op = "gormstore.CreateSession"
	row := sessionRow{Hash: sess.Hash, AccountID: sess.AccountID, CSRF: sess.CSRF,
		CreatedAt: stamp(sess.CreatedAt), ExpiresAt: stamp(sess.ExpiresAt), LastSeen: stamp(sess.LastSeen)}
	return s.inTx(ctx, op, func(tx *gorm.DB) error {
		// The account must still exist: a sign-in racing its deletion must not leave a
		// session behind (SQLite without foreign keys would keep one).
		var n int64
		if err := s.lock(tx.Model(&accountRow{}).Where("id = ?", sess.AccountID)).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return notFound("account")
		}
		if err := tx.Create(&row).Error; err != nil {
			if isUnique(err) {
				return core.Errorf(core.EConflict, "session exists")
			}
			return err
		}
		sess.ID = row.ID
		return nil
	})
}

// SessionByHash returns the session with hash and its account.
// Errors: not_found, unavailable, internal.
func (s *Store) SessionByHash(ctx context.Context, hash []byte) (core.Session, core.Account, error) {
	const op = "gormstore.SessionByHash"
	var row sessionRow
	err := s.db.WithContext(ctx).Where("hash = ?", hash).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return core.Session{}, core.Account{}, fail(op, notFound("session"))
	}
	if err != nil {
		return core.Session{}, core.Account{}, fail(op, err)
	}
	var acc accountRow
	err = s.db.WithContext(ctx).Where("id = ?", row.AccountID).Take(&acc).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return core.Session{}, core.Account{}, fail(op, notFound("session"))
	}
	if err != nil {
		return core.Session{}, core.Account{}, fail(op, err)
	}
	return core.Session{ID: row.ID, Hash: row.Hash, AccountID: row.AccountID, CSRF: row.CSRF,
		CreatedAt: row.CreatedAt.UTC(), ExpiresAt: row.ExpiresAt.UTC(), LastSeen: row.LastSeen.UTC()}, acc.core(), nil
}

// TouchSession sets session id's LastSeen. Errors: unavailable, internal.
func (s *Store) TouchSession(ctx context.Context, id int64, at time.Time) error {
	err := s.db.WithContext(ctx).Model(&sessionRow{}).Where("id = ?", id).Update("last_seen", stamp(at)).Error
	return fail("gormstore.TouchSession", err)
}

// DeleteSession removes the session with hash. Errors: unavailable, internal.
func (s *Store) DeleteSession(ctx context.Context, hash []byte) error {
	return fail("gormstore.DeleteSession", s.db.WithContext(ctx).Where("hash = ?", hash).Delete(&sessionRow{}).Error)
}

// PurgeSessions deletes sessions that expired before before. Errors: unavailable, internal.
func (s *Store) PurgeSessions(ctx context.Context, before time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Where("expires_at < ?", stamp(before)).Delete(&sessionRow{})
	return res.RowsAffected, fail("gormstore.PurgeSessions", res.Error)
}

// LoginFailures returns key's failed sign-ins. Errors: unavailable, internal.
func (s *Store) LoginFailures(ctx context.Context, key string) (core.LoginFailures, error) {
	var row loginFailureRow
	err := s.db.WithContext(ctx).Where("`key` = ?", key).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return core.LoginFailures{}, nil
	}
	if err != nil {
		return core.LoginFailures{}, fail("gormstore.LoginFailures", err)
	}
	return core.LoginFailures{Count: row.Count, Last: row.LastAt.UTC()}, nil
}

// RecordLoginFailure adds a failure at at to key (from zero when its last was before since).
// Errors: unavailable, internal.
func (s *Store) RecordLoginFailure(ctx context.Context, key string, at, since time.Time) (core.LoginFailures, error) {
	const op = "gormstore.RecordLoginFailure"
	var out core.LoginFailures
	err := s.inTx(ctx, op, func(tx *gorm.DB) error {
		var row loginFailureRow
		err := s.lock(tx.Where("`key` = ?", key)).Take(&row).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			row = loginFailureRow{Key: key, Count: 1, LastAt: stamp(at)}
			// Two first failures at once: one insert loses with a unique error, and inTx
			// does not retry those, so count on the winner's row instead.
			err = tx.Clauses(clause.OnConflict{
				Columns:   []clause.Column{{Name: "key"}},
				DoUpdates: clause.Assignments(map[string]any{"count": gorm.Expr("count + 1"), "last_at": stamp(at)}),
			}).Create(&row).Error
			if err != nil {
				return err
			}
			if err := tx.Where("`key` = ?", key).Take(&row).Error; err != nil {
				return err
			}
			out = core.LoginFailures{Count: row.Count, Last: row.LastAt.UTC()}
			return nil
		case err != nil:
			return err
		}
		if row.LastAt.Before(since) {
			row.Count = 0
		}
		row.Count++
		row.LastAt = stamp(at)
		if err := tx.Model(&loginFailureRow{}).Where("`key` = ?", key).
			Updates(map[string]any{"count": row.Count, "last_at": row.LastAt}).Error; err != nil {
			return err
		}
		out = core.LoginFailures{Count: row.Count, Last: row.LastAt.UTC()}
		return nil
	})
	return out, err
}

// ClearLoginFailures forgets key's failures. Errors: unavailable, internal.
func (s *Store) ClearLoginFailures(ctx context.Context, key string) error {
	return fail("gormstore.ClearLoginFailures", s.db.WithContext(ctx).Where("`key` = ?", key).Delete(&loginFailureRow{}).Error)
}

// PurgeLoginFailures forgets keys whose last failure was before before.
// Errors: unavailable, internal.
func (s *Store) PurgeLoginFailures(ctx context.Context, before time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Where("last_at < ?", stamp(before)).Delete(&loginFailureRow{})
	return res.RowsAffected, fail("gormstore.PurgeLoginFailures", res.Error)
}
