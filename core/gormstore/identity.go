package gormstore

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/ticketbot/ticketbot/core"
)

type identitySessionRow struct {
	ID          int64 `gorm:"primaryKey"`
	Hash        []byte
	Platform    string
	UserID      string
	UserName    string
	Memberships string
	CSRF        string
	CreatedAt   time.Time `gorm:"autoCreateTime:false"`
	ExpiresAt   time.Time
	LastSeen    time.Time
	// ActiveWorkspace is the workspace chosen for the dashboard ("" for none).
	ActiveWorkspace string
	RolesCheckedAt  *time.Time
}

func (identitySessionRow) TableName() string { return "identity_sessions" }

type signInStateRow struct {
	Hash      []byte `gorm:"primaryKey"`
	Provider  string
	Verifier  string
	Nonce     string
	Next      string
	ExpiresAt time.Time
}

func (signInStateRow) TableName() string { return "signin_states" }

// CreateIdentitySession stores sess and sets its ID. Errors: conflict, unavailable, internal.
func (s *Store) CreateIdentitySession(ctx context.Context, sess *core.IdentitySession) error {
	const op = "gormstore.CreateIdentitySession"
	ms, err := core.EncodeMemberships(sess.Identity.Memberships)
	if err != nil {
		return fail(op, err)
	}
	row := identitySessionRow{Hash: sess.Hash, Platform: string(sess.Identity.Platform), UserID: sess.Identity.User.ID,
		UserName: sess.Identity.User.Name, Memberships: ms, CSRF: sess.CSRF,
		CreatedAt: stamp(sess.CreatedAt), ExpiresAt: stamp(sess.ExpiresAt), LastSeen: stamp(sess.LastSeen)}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		if isUnique(err) {
			return core.Errorf(core.EConflict, "session exists")
		}
		return fail(op, err)
	}
	sess.ID = row.ID
	return nil
}

// IdentitySessionByHash returns the session with hash. Errors: not_found, unavailable, internal.
func (s *Store) IdentitySessionByHash(ctx context.Context, hash []byte) (core.IdentitySession, error) {
	const op = "gormstore.IdentitySessionByHash"
	var row identitySessionRow
	err := s.db.WithContext(ctx).Where("hash = ?", hash).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return core.IdentitySession{}, fail(op, notFound("session"))
	}
	if err != nil {
		return core.IdentitySession{}, fail(op, err)
	}
	ms, err := core.DecodeMemberships(row.Memberships)
	if err != nil {
		return core.IdentitySession{}, err
	}
	out := core.IdentitySession{ID: row.ID, Hash: row.Hash, CSRF: row.CSRF,
		Identity:  core.Identity{Platform: core.Platform(row.Platform), User: core.UserRef{ID: row.UserID, Name: row.UserName}, Memberships: ms},
		CreatedAt: row.CreatedAt.UTC(), ExpiresAt: row.ExpiresAt.UTC(), LastSeen: row.LastSeen.UTC()}
	if row.ActiveWorkspace != "" {
		out.Workspace, _ = core.ParseWorkspace(row.ActiveWorkspace)
	}
	if row.RolesCheckedAt != nil {
		out.RolesCheckedAt = row.RolesCheckedAt.UTC()
	}
	return out, nil
}

// SetIdentityWorkspace records the workspace chosen in session id. Errors: unavailable, internal.
func (s *Store) SetIdentityWorkspace(ctx context.Context, id int64, ws core.Workspace) error {
	err := s.db.WithContext(ctx).Model(&identitySessionRow{}).Where("id = ?", id).Update("active_workspace", ws.String()).Error
	return fail("gormstore.SetIdentityWorkspace", err)
}

// SetIdentityRoles replaces session id's memberships and when they were checked.
// Errors: unavailable, internal.
func (s *Store) SetIdentityRoles(ctx context.Context, id int64, ms []core.Membership, checkedAt time.Time) error {
	const op = "gormstore.SetIdentityRoles"
	enc, err := core.EncodeMemberships(ms)
	if err != nil {
		return fail(op, err)
	}
	at := stamp(checkedAt)
	err = s.db.WithContext(ctx).Model(&identitySessionRow{}).Where("id = ?", id).
		Updates(map[string]any{"memberships": enc, "roles_checked_at": &at}).Error
	return fail(op, err)
}

// TouchIdentitySession sets session id's LastSeen. Errors: unavailable, internal.
func (s *Store) TouchIdentitySession(ctx context.Context, id int64, at time.Time) error {
	err := s.db.WithContext(ctx).Model(&identitySessionRow{}).Where("id = ?", id).Update("last_seen", stamp(at)).Error
	return fail("gormstore.TouchIdentitySession", err)
}

// DeleteIdentitySession removes the session with hash. Errors: unavailable, internal.
func (s *Store) DeleteIdentitySession(ctx context.Context, hash []byte) error {
	return fail("gormstore.DeleteIdentitySession", s.db.WithContext(ctx).Where("hash = ?", hash).Delete(&identitySessionRow{}).Error)
}

// PurgeIdentitySessions deletes sessions and sign-in states that expired before before.
// Errors: unavailable, internal.
func (s *Store) PurgeIdentitySessions(ctx context.Context, before time.Time) (int64, error) {
	const op = "gormstore.PurgeIdentitySessions"
	db := s.db.WithContext(ctx)
	res := db.Where("expires_at < ?", stamp(before)).Delete(&identitySessionRow{})
	if res.Error != nil {
		return 0, fail(op, res.Error)
	}
	res2 := db.Where("expires_at < ?", stamp(before)).Delete(&signInStateRow{})
	return res.RowsAffected + res2.RowsAffected, fail(op, res2.Error)
}

// SaveSignInState stores st. Errors: conflict, unavailable, internal.
func (s *Store) SaveSignInState(ctx context.Context, st core.SignInState) error {
	row := signInStateRow{Hash: st.Hash, Provider: st.Provider, Verifier: st.Verifier, Nonce: st.Nonce,
		Next: st.Next, ExpiresAt: stamp(st.ExpiresAt)}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		if isUnique(err) {
			return core.Errorf(core.EConflict, "sign-in state exists")
		}
		return fail("gormstore.SaveSignInState", err)
	}
	return nil
}

// TakeSignInState deletes the state with hash and returns it. Two callers racing for one state:
// only the one whose DELETE removed the row gets it. Errors: not_found, unavailable, internal.
func (s *Store) TakeSignInState(ctx context.Context, hash []byte) (core.SignInState, error) {
	const op = "gormstore.TakeSignInState"
	var out core.SignInState
	err := s.inTx(ctx, op, func(tx *gorm.DB) error {
		var row signInStateRow
		err := tx.Where("hash = ?", hash).Take(&row).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return notFound("sign-in state")
		}
		if err != nil {
			return err
		}
		res := tx.Where("hash = ?", hash).Delete(&signInStateRow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return notFound("sign-in state")
		}
		out = core.SignInState{Hash: row.Hash, Provider: row.Provider, Verifier: row.Verifier, Nonce: row.Nonce,
			Next: row.Next, ExpiresAt: row.ExpiresAt.UTC()}
		return nil
	})
	return out, err
}
