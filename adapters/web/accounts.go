package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/ticketbot/ticketbot/core"
)

// Account and token rules.
const (
	// MinPasswordBytes and MaxPasswordBytes bound a dashboard password; bcrypt reads at most
	// 72 bytes, so longer ones are refused rather than silently cut.
	MinPasswordBytes = 8
	MaxPasswordBytes = 72
	// maxNameLen bounds account and token names.
	maxNameLen = 64
	// tokenPrefix starts every API token, so leaked tokens are easy to recognise and scan for.
	tokenPrefix = "tbk_"
	// tokenBytes is the entropy of a token.
	tokenBytes = 32
	// bcryptCost is the work factor of stored password hashes.
	bcryptCost = bcrypt.DefaultCost
)

// tokenLen is the length of a token: the prefix and 32 bytes in unpadded base64url.
var tokenLen = len(tokenPrefix) + base64.RawURLEncoding.EncodedLen(tokenBytes)

// NormalizeName returns the canonical form of an account or token name: trimmed and lower
// case, so that names compare the same on every database collation. Errors: invalid.
func NormalizeName(name string) (string, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if n == "" || len(n) > maxNameLen {
		return "", core.Errorf(core.EInvalid, "a name needs 1 to %d characters", maxNameLen)
	}
	for i, r := range n {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || i > 0 && (r == '.' || r == '_' || r == '-')
		if !ok {
			return "", core.Errorf(core.EInvalid,
				"a name may hold letters, digits, '.', '_' and '-', and starts with a letter or digit")
		}
	}
	return n, nil
}

// CreateAccount stores a dashboard account called name with role (staff or admin) and a
// bcrypt hash of password. The name is normalised (see NormalizeName).
// Errors: invalid (name, role or password), conflict (name taken), unavailable, internal.
func CreateAccount(ctx context.Context, store core.AccountStore, name string, role core.Role, password []byte) error {
	n, err := NormalizeName(name)
	if err != nil {
		return err
	}
	if role != core.RoleStaff && role != core.RoleAdmin {
		return core.Errorf(core.EInvalid, "a dashboard account is staff or admin, not %q", role)
	}
	if len(password) < MinPasswordBytes || len(password) > MaxPasswordBytes {
		return core.Errorf(core.EInvalid, "a password needs %d to %d bytes", MinPasswordBytes, MaxPasswordBytes)
	}
	hash, err := bcrypt.GenerateFromPassword(password, bcryptCost)
	if err != nil {
		return core.Internal("web.CreateAccount", err)
	}
	if err := store.CreateAccount(ctx, &core.Account{Name: n, Role: role, PasswordHash: hash}); err != nil {
		if core.IsCode(err, core.EConflict) {
			return core.Errorf(core.EConflict, "an account called %q exists already", n)
		}
		return fmt.Errorf("web.CreateAccount: %w", err)
	}
	return nil
}

// IssueToken creates an API token called name at now and returns its secret, which is shown
// once: only its SHA-256 hash is stored. Errors: invalid (name), conflict (an active token has
// that name), unavailable, internal.
func IssueToken(ctx context.Context, store core.AccountStore, name string, now time.Time) (string, error) {
	n, err := NormalizeName(name)
	if err != nil {
		return "", err
	}
	raw := make([]byte, tokenBytes)
	if _, err := rand.Read(raw); err != nil {
		return "", core.Internal("web.IssueToken", err)
	}
	secret := tokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	t := core.APIToken{Name: n, Hash: hashToken(secret), CreatedAt: now}
	if err := store.CreateToken(ctx, &t); err != nil {
		if core.IsCode(err, core.EConflict) {
			return "", core.Errorf(core.EConflict, "an active token called %q exists already; revoke it first", n)
		}
		return "", fmt.Errorf("web.IssueToken: %w", err)
	}
	return secret, nil
}

// RevokeToken revokes the active token called name at now; requests with it fail from then on.
// Errors: invalid (name), not_found, unavailable, internal.
func RevokeToken(ctx context.Context, store core.AccountStore, name string, now time.Time) error {
	n, err := NormalizeName(name)
	if err != nil {
		return err
	}
	if err := store.RevokeToken(ctx, n, now); err != nil {
		if core.IsCode(err, core.ENotFound) {
			return core.Errorf(core.ENotFound, "no active token called %q", n)
		}
		return fmt.Errorf("web.RevokeToken: %w", err)
	}
	return nil
}

// hashToken is what the store keeps of a token secret.
func hashToken(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// wellFormedToken reports whether s can be a token at all, so junk never reaches the database.
func wellFormedToken(s string) bool {
	if len(s) != tokenLen || !strings.HasPrefix(s, tokenPrefix) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s[len(tokenPrefix):])
	return err == nil
}
