package core

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Scope is what an API token may do; scopes are ordered read < write < admin.
type Scope string

// Scopes, weakest first.
const (
	ScopeRead  Scope = "read"
	ScopeWrite Scope = "write"
	ScopeAdmin Scope = "admin"
)

// ParseScope accepts read, write or admin; empty means write. Errors: invalid.
func ParseScope(s string) (Scope, error) {
	switch sc := Scope(strings.ToLower(strings.TrimSpace(s))); sc {
	case "":
		return ScopeWrite, nil
	case ScopeRead, ScopeWrite, ScopeAdmin:
		return sc, nil
	}
	return "", FieldError("scope", "the scope must be read, write or admin, not %q", s)
}

// AtLeast reports whether s allows everything o allows.
func (s Scope) AtLeast(o Scope) bool { return s.rank() >= o.rank() }

func (s Scope) rank() int {
	switch s {
	case ScopeAdmin:
		return 3
	case ScopeWrite:
		return 2
	case ScopeRead:
		return 1
	}
	return 0
}

// Token format.
const (
	// TokenPrefix starts every API token, so leaked tokens are easy to recognise and scan for.
	TokenPrefix = "tbk_"
	tokenBytes  = 32
	// maxTokenTTL bounds --expires.
	maxTokenTTL = 10 * 365 * 24 * time.Hour
)

var tokenLen = len(TokenPrefix) + base64.RawURLEncoding.EncodedLen(tokenBytes)

// HashToken is what the store keeps of a token secret.
func HashToken(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// wellFormedToken reports whether s can be a token at all, so junk never reaches the database.
func wellFormedToken(s string) bool {
	if len(s) != tokenLen || !strings.HasPrefix(s, TokenPrefix) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s[len(TokenPrefix):])
	return err == nil
}

// ParseExpiry reads a token lifetime such as "90d", "12h" or "30m"; "" means never.
// Errors: invalid.
func ParseExpiry(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	bad := FieldError("expires", "expiry %q must be a whole number of days, hours or minutes, e.g. 90d, 12h or 30m", s)
	unit := map[byte]time.Duration{'d': 24 * time.Hour, 'h': time.Hour, 'm': time.Minute}[s[len(s)-1]]
	n, err := strconv.Atoi(s[:len(s)-1])
	if unit == 0 || err != nil || n < 1 || s[0] == '+' {
		return 0, bad
	}
	if d := time.Duration(n) * unit; d/unit == time.Duration(n) && d <= maxTokenTTL {
		return d, nil
	}
	return 0, FieldError("expires", "expiry %q is longer than ten years", s)
}

// NewToken is what CreateToken needs.
type NewToken struct {
	Name      string
	Scope     Scope     // "" is write
	Workspace Workspace // zero: every workspace
	TTL       time.Duration
}

// CreateToken stores a new token and returns it with its secret, which is shown once: only
// its SHA-256 hash is kept. Errors: forbidden, invalid, conflict (an active token has that
// name), unavailable, internal.
func (a *Accounts) CreateToken(ctx context.Context, actor Actor, in NewToken) (APIToken, string, error) {
	const op = "core.Accounts.CreateToken"
	if err := requireAdmin(actor); err != nil {
		return APIToken{}, "", err
	}
	n, err := NormalizeName(in.Name)
	if err != nil {
		return APIToken{}, "", err
	}
	scope, err := ParseScope(string(in.Scope))
	if err != nil {
		return APIToken{}, "", err
	}
	if in.TTL < 0 || in.TTL > maxTokenTTL {
		return APIToken{}, "", FieldError("expires", "a token lives from one minute to ten years")
	}
	raw := make([]byte, tokenBytes)
	if _, err := rand.Read(raw); err != nil {
		return APIToken{}, "", Internal(op, err)
	}
	secret := TokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	now := a.clock.Now()
	t := APIToken{Name: n, Hash: HashToken(secret), Scope: scope, Workspace: in.Workspace, CreatedAt: now}
	if in.TTL > 0 {
		exp := now.Add(in.TTL)
		t.ExpiresAt = &exp
	}
	if err := a.store.CreateToken(ctx, &t); err != nil {
		if IsCode(err, EConflict) {
			return APIToken{}, "", &Error{Code: EConflict, Field: "name",
				Message: fmt.Sprintf("an active token called %q exists already; revoke it first", n)}
		}
		return APIToken{}, "", fmt.Errorf("%s: %w", op, err)
	}
	return t, secret, nil
}

// Tokens lists the unrevoked tokens, without secrets. Errors: forbidden, unavailable, internal.
func (a *Accounts) Tokens(ctx context.Context, actor Actor) ([]APIToken, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	return a.store.Tokens(ctx)
}

// RevokeToken revokes the active token called name; requests with it fail from then on.
// Errors: forbidden, invalid, not_found, unavailable, internal.
func (a *Accounts) RevokeToken(ctx context.Context, actor Actor, name string) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	n, err := NormalizeName(name)
	if err != nil {
		return err
	}
	if err := a.store.RevokeToken(ctx, n, a.clock.Now()); err != nil {
		if IsCode(err, ENotFound) {
			return Errorf(ENotFound, "no active token called %q", n)
		}
		return fmt.Errorf("core.Accounts.RevokeToken: %w", err)
	}
	return nil
}

// errNoToken is the one answer for a malformed, unknown, revoked or expired token, so a
// caller learns nothing about which.
func errNoToken() *Error { return Errorf(ENotFound, "unknown, revoked or expired API token") }

// TokenBySecret returns the live token whose secret this is.
// Errors: not_found (malformed, unknown, revoked or expired), unavailable, internal.
func (a *Accounts) TokenBySecret(ctx context.Context, secret string) (APIToken, error) {
	if !wellFormedToken(secret) {
		return APIToken{}, errNoToken()
	}
	hash := HashToken(secret)
	tok, err := a.store.TokenByHash(ctx, hash)
	switch {
	case IsCode(err, ENotFound):
		return APIToken{}, errNoToken()
	case err != nil:
		return APIToken{}, err
	}
	// The store found the row by hash; compare again in constant time so that no lookup
	// detail (collation, prefix index) can ever let a near-miss through.
	if subtle.ConstantTimeCompare(tok.Hash, hash) != 1 || tok.RevokedAt != nil {
		return APIToken{}, errNoToken()
	}
	if tok.ExpiresAt != nil && !a.clock.Now().Before(*tok.ExpiresAt) {
		return APIToken{}, errNoToken()
	}
	return tok, nil
}

// Actor is who a token acts as: staff (admin with the admin scope), bound to the token's
// workspace if it has one.
func (t APIToken) Actor() Actor {
	role := RoleStaff
	if t.Scope == ScopeAdmin {
		role = RoleAdmin
	}
	return Actor{User: UserRef{ID: "api:" + t.Name, Name: t.Name}, Role: role, Workspace: t.Workspace}
}
