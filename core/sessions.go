package core

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"time"
)

// Session rules.
const (
	// MaxSessionSecret bounds the cookie value looked up at all.
	MaxSessionSecret = 128
	// touchEvery is how stale LastSeen may get before a request writes it again.
	touchEvery = time.Minute
)

// deploymentID returns the database's deployment id, read once per process.
func (a *Accounts) deploymentID(ctx context.Context) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.deployment != "" {
		return a.deployment, nil
	}
	id, err := a.sessions.DeploymentID(ctx)
	if err != nil {
		return "", err
	}
	a.deployment = id
	return id, nil
}

// sessionHash is what the database keeps of a session secret: an HMAC keyed by the
// deployment id, so a cookie of one deployment means nothing to another (even if a cache or
// a copied table is shared) and reading the table hands out no sign-ins.
func (a *Accounts) sessionHash(ctx context.Context, secret string) ([]byte, error) {
	dep, err := a.deploymentID(ctx)
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, []byte(dep))
	m.Write([]byte(secret))
	return m.Sum(nil), nil
}

// RandomSecret returns n random bytes in unpadded base64url.
func RandomSecret(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// StartSession signs acc in for ttl and returns the cookie secret and the session.
// Errors: not_found (account gone), unavailable, internal.
func (a *Accounts) StartSession(ctx context.Context, acc Account, ttl time.Duration) (string, Session, error) {
	secret := RandomSecret(32)
	h, err := a.sessionHash(ctx, secret)
	if err != nil {
		return "", Session{}, err
	}
	now := a.clock.Now()
	s := Session{Hash: h, AccountID: acc.ID, CSRF: RandomSecret(32), CreatedAt: now, ExpiresAt: now.Add(ttl), LastSeen: now}
	if err := a.sessions.CreateSession(ctx, &s); err != nil {
		return "", Session{}, err
	}
	if err := a.Purge(ctx); err != nil {
		a.log.Warn("could not purge expired sessions", "err", err)
	}
	return secret, s, nil
}

// Session returns the live session of a cookie secret and its account as it is now (role
// changes apply at once). Errors: not_found (no such session, expired, ended, or its
// account changed or deleted), unavailable, internal.
func (a *Accounts) Session(ctx context.Context, secret string) (Session, Account, error) {
	none := Errorf(ENotFound, "not signed in")
	if secret == "" || len(secret) > MaxSessionSecret {
		return Session{}, Account{}, none
	}
	h, err := a.sessionHash(ctx, secret)
	if err != nil {
		return Session{}, Account{}, err
	}
	s, acc, err := a.sessions.SessionByHash(ctx, h)
	if IsCode(err, ENotFound) {
		return Session{}, Account{}, none
	}
	if err != nil {
		return Session{}, Account{}, err
	}
	now := a.clock.Now()
	if !now.Before(s.ExpiresAt) {
		_ = a.sessions.DeleteSession(ctx, h)
		return Session{}, Account{}, none
	}
	if now.Sub(s.LastSeen) >= touchEvery {
		if err := a.sessions.TouchSession(ctx, s.ID, now); err == nil {
			s.LastSeen = now
		}
	}
	return s, acc, nil
}

// EndSession ends the session of a cookie secret for good. Errors: unavailable, internal.
func (a *Accounts) EndSession(ctx context.Context, secret string) error {
	if secret == "" || len(secret) > MaxSessionSecret {
		return nil
	}
	h, err := a.sessionHash(ctx, secret)
	if err != nil {
		return err
	}
	return a.sessions.DeleteSession(ctx, h)
}

// Purge deletes expired sessions and sign-in failures older than a day. StartSession calls
// it, so the tables stay small without a timer of their own. Errors: unavailable, internal.
func (a *Accounts) Purge(ctx context.Context) error {
	now := a.clock.Now()
	if _, err := a.sessions.PurgeSessions(ctx, now); err != nil {
		return err
	}
	_, err := a.store.PurgeLoginFailures(ctx, now.Add(-failureMemory))
	return err
}
