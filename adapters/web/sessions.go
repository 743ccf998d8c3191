package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// sessionKeyPrefix namespaces sessions in the shared StateStore. The key holds the SHA-256 of
// the cookie's secret, not the secret, so reading the state store does not hand out sign-ins.
const sessionKeyPrefix = "tb:session:"

// sessionRecord is what the StateStore keeps of a signed-in browser.
type sessionRecord struct {
	Name    string    `json:"name"`
	CSRF    string    `json:"csrf"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
}

// viewer is the signed-in dashboard user of a request.
type viewer struct {
	Name string
	Role core.Role
	CSRF string
	key  string // the session's StateStore key
}

// Actor is who the viewer is to the core.
func (v *viewer) Actor() core.Actor {
	return core.Actor{User: core.UserRef{ID: "web:" + v.Name, Name: v.Name}, Role: v.Role}
}

// IsAdmin reports whether the viewer may manage accounts and tokens.
func (v *viewer) IsAdmin() bool { return v.Role.AtLeast(core.RoleAdmin) }

// cookieName is the session cookie's name; with Secure cookies the __Host- prefix makes the
// browser refuse it from plain HTTP or another subdomain.
func (s *Server) cookieName(base string) string {
	if s.cfg.SecureCookies {
		return "__Host-" + base
	}
	return base
}

// setCookie sets an HttpOnly, SameSite=Lax cookie on path / that lasts ttl (a negative ttl
// deletes it).
func (s *Server) setCookie(w http.ResponseWriter, base, value string, ttl time.Duration) {
	c := &http.Cookie{
		Name:     s.cookieName(base),
		Value:    value,
		Path:     "/",
		HttpOnly: true,
		Secure:   s.cfg.SecureCookies,
		SameSite: http.SameSiteLaxMode,
	}
	if ttl < 0 {
		c.MaxAge = -1
	} else {
		c.MaxAge = int(ttl / time.Second)
		c.Expires = s.clock.Now().Add(ttl)
	}
	http.SetCookie(w, c)
}

// startSession signs name in: it stores a new session and sets its cookie.
// Errors: unavailable, internal.
func (s *Server) startSession(ctx context.Context, w http.ResponseWriter, name string) error {
	secret := randomToken(32)
	now := s.clock.Now()
	rec := sessionRecord{Name: name, CSRF: randomToken(32), Created: now, Expires: now.Add(s.cfg.SessionTTL)}
	b, err := json.Marshal(rec)
	if err != nil {
		return core.Internal("web.startSession", err)
	}
	if err := s.state.Set(ctx, sessionKey(secret), b, s.cfg.SessionTTL); err != nil {
		return err
	}
	s.setCookie(w, "tb_session", secret, s.cfg.SessionTTL)
	return nil
}

// session returns the viewer of r, or nil when r carries no live session or its account is
// gone. Errors: unavailable, internal.
func (s *Server) session(r *http.Request) (*viewer, error) {
	c, err := r.Cookie(s.cookieName("tb_session"))
	if err != nil || c.Value == "" || len(c.Value) > 128 {
		return nil, nil
	}
	key := sessionKey(c.Value)
	b, err := s.state.Get(r.Context(), key)
	if core.IsCode(err, core.ENotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var rec sessionRecord
	if err := json.Unmarshal(b, &rec); err != nil || !s.clock.Now().Before(rec.Expires) {
		_ = s.state.Delete(r.Context(), key)
		return nil, nil
	}
	// The account is read on every request, so a deleted account is signed out at once.
	acc, err := s.accounts.AccountByName(r.Context(), rec.Name)
	if core.IsCode(err, core.ENotFound) {
		_ = s.state.Delete(r.Context(), key)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &viewer{Name: acc.Name, Role: acc.Role, CSRF: rec.CSRF, key: key}, nil
}

// endSession deletes v's session and its cookie.
func (s *Server) endSession(ctx context.Context, w http.ResponseWriter, v *viewer) error {
	s.setCookie(w, "tb_session", "", -1)
	return s.state.Delete(ctx, v.key)
}

func sessionKey(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return sessionKeyPrefix + hex.EncodeToString(h[:])
}

// randomToken returns n random bytes in unpadded base64url.
func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
