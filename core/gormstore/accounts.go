package gormstore

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/ticketbot/ticketbot/core"
)

// CreateAccount stores a and sets its ID (and CreatedAt, if zero); a.Name must be new.
// Errors: invalid (no name), conflict, unavailable, internal.
func (s *Store) CreateAccount(ctx context.Context, a *core.Account) error {
	const op = "gormstore.CreateAccount"
	if a.Name == "" {
		return fail(op, core.Errorf(core.EInvalid, "an account needs a name"))
	}
	created := s.now()
	if !a.CreatedAt.IsZero() {
		created = stamp(a.CreatedAt)
	}
	hash := a.PasswordHash
	if hash == nil {
		hash = []byte{}
	}
	row := accountRow{Name: a.Name, Role: string(a.Role), Workspace: a.Workspace.String(), PasswordHash: hash, CreatedAt: created}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		if isUnique(err) {
			return fail(op, core.Errorf(core.EConflict, "an account called %q already exists", a.Name))
		}
		return fail(op, err)
	}
	a.ID, a.CreatedAt = row.ID, created
	return nil
}

// AccountByName returns the account called name. Errors: not_found, unavailable, internal.
func (s *Store) AccountByName(ctx context.Context, name string) (core.Account, error) {
	const op = "gormstore.AccountByName"
	var row accountRow
	err := s.db.WithContext(ctx).Where("name = ?", name).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return core.Account{}, fail(op, notFound("account"))
	}
	if err != nil {
		return core.Account{}, fail(op, err)
	}
	return row.core(), nil
}

// Accounts lists every account by name. Errors: unavailable, internal.
func (s *Store) Accounts(ctx context.Context) ([]core.Account, error) {
	var rows []accountRow
	if err := s.db.WithContext(ctx).Order("name").Find(&rows).Error; err != nil {
		return nil, fail("gormstore.Accounts", err)
	}
	out := make([]core.Account, len(rows))
	for i, r := range rows {
		out[i] = r.core()
	}
	return out, nil
}

// lockAccount loads the account called name and counts the other admins, locking both.
func (s *Store) lockAccount(tx *gorm.DB, name string) (accountRow, int, error) {
	var row accountRow
	err := s.lock(tx.Where("name = ?", name)).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return row, 0, notFound("account")
	}
	if err != nil {
		return row, 0, err
	}
	// Locking every admin row makes two concurrent demotions of the last two admins wait
	// for each other, so one of them sees it would remove the last admin.
	var admins []int64
	if err := s.lock(tx.Model(&accountRow{}).Where("role = ?", string(core.RoleAdmin))).Pluck("id", &admins).Error; err != nil {
		return row, 0, err
	}
	others := 0
	for _, id := range admins {
		if id != row.ID {
			others++
		}
	}
	return row, others, nil
}

// UpdateAccount saves fn's changes to the account called name (role, workspace, password
// hash) and deletes its sessions, in one transaction.
// Errors: not_found, unavailable, internal, and fn's.
func (s *Store) UpdateAccount(ctx context.Context, name string, fn func(a *core.Account, otherAdmins int) error) (core.Account, error) {
	const op = "gormstore.UpdateAccount"
	var out core.Account
	err := s.inTx(ctx, op, func(tx *gorm.DB) error {
		row, others, err := s.lockAccount(tx, name)
		if err != nil {
			return err
		}
		a := row.core()
		if err := fn(&a, others); err != nil {
			return fnError{err}
		}
		if len(a.PasswordHash) == 0 {
			return core.Errorf(core.EInvalid, "an account needs a password hash")
		}
		err = tx.Model(&accountRow{}).Where("id = ?", row.ID).Updates(map[string]any{
			"role": string(a.Role), "workspace": a.Workspace.String(), "password_hash": a.PasswordHash,
		}).Error
		if err != nil {
			return err
		}
		if err := tx.Where("account_id = ?", row.ID).Delete(&sessionRow{}).Error; err != nil {
			return err
		}
		out = a
		return nil
	})
	return out, err
}

// DeleteAccount removes the account called name and its sessions once fn (if not nil)
// accepts it. Errors: not_found, unavailable, internal, and fn's.
func (s *Store) DeleteAccount(ctx context.Context, name string, fn func(a core.Account, otherAdmins int) error) error {
	const op = "gormstore.DeleteAccount"
	return s.inTx(ctx, op, func(tx *gorm.DB) error {
		row, others, err := s.lockAccount(tx, name)
		if err != nil {
			return err
		}
		if fn != nil {
			if err := fn(row.core(), others); err != nil {
				return fnError{err}
			}
		}
		if err := tx.Where("account_id = ?", row.ID).Delete(&sessionRow{}).Error; err != nil {
			return err
		}
		if err := tx.Where("account = ?", row.Name).Delete(&identityLinkRow{}).Error; err != nil {
			return err
		}
		return tx.Where("id = ?", row.ID).Delete(&accountRow{}).Error
	})
}

// CreateToken stores t and sets its ID (and CreatedAt, if zero); no active token may have the
// same name, and no token the same hash. Errors: invalid (no name or hash), conflict,
// unavailable, internal.
func (s *Store) CreateToken(ctx context.Context, t *core.APIToken) error {
	const op = "gormstore.CreateToken"
	if t.Name == "" || len(t.Hash) == 0 {
		return fail(op, core.Errorf(core.EInvalid, "a token needs a name and a hash"))
	}
	created := s.now()
	if !t.CreatedAt.IsZero() {
		created = stamp(t.CreatedAt)
	}
	name := t.Name
	scope := t.Scope
	if scope == "" {
		scope = core.ScopeWrite
	}
	row := tokenRow{Name: t.Name, ActiveName: &name, Hash: t.Hash, Scope: string(scope),
		Workspace: t.Workspace.String(), CreatedAt: created}
	if t.ExpiresAt != nil {
		exp := stamp(*t.ExpiresAt)
		row.ExpiresAt = &exp
	}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		if isUnique(err) {
			return fail(op, core.Errorf(core.EConflict, "a token called %q (or with the same secret) already exists", t.Name))
		}
		return fail(op, err)
	}
	t.ID, t.CreatedAt, t.Scope, t.ExpiresAt, t.RevokedAt = row.ID, created, scope, row.ExpiresAt, nil
	return nil
}

// TokenByHash returns the unrevoked token with hash (expired or not). Errors: not_found, unavailable, internal.
func (s *Store) TokenByHash(ctx context.Context, hash []byte) (core.APIToken, error) {
	const op = "gormstore.TokenByHash"
	var row tokenRow
	err := s.db.WithContext(ctx).Where("hash = ? AND revoked_at IS NULL", hash).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return core.APIToken{}, fail(op, notFound("token"))
	}
	if err != nil {
		return core.APIToken{}, fail(op, err)
	}
	return row.core(), nil
}

// Tokens lists active tokens by name. Errors: unavailable, internal.
func (s *Store) Tokens(ctx context.Context) ([]core.APIToken, error) {
	var rows []tokenRow
	if err := s.db.WithContext(ctx).Where("revoked_at IS NULL").Order("name").Find(&rows).Error; err != nil {
		return nil, fail("gormstore.Tokens", err)
	}
	out := make([]core.APIToken, len(rows))
	for i, r := range rows {
		out[i] = r.core()
	}
	return out, nil
}

// RevokeToken revokes the active token called name at at; its name may then be used again.
// Errors: not_found, unavailable, internal.
func (s *Store) RevokeToken(ctx context.Context, name string, at time.Time) error {
	const op = "gormstore.RevokeToken"
	res := s.db.WithContext(ctx).Model(&tokenRow{}).Where("active_name = ?", name).
		Updates(map[string]any{"revoked_at": stamp(at), "active_name": nil})
	if res.Error != nil {
		return fail(op, res.Error)
	}
	if res.RowsAffected == 0 {
		return fail(op, notFound("token"))
	}
	return nil
}
