package web

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// Sessions live in the database (core.Accounts): the cookie holds a random secret, the
// database a hash of it bound to this deployment. Nothing about a session is cached, so a
// sign-out, a password or role change or a deleted account ends it at once on every replica,
// whatever state Redis is in, and sign-in works while Redis is down.

// viewer is the signed-in dashboard user of a request.
type viewer struct {
	Name      string
	Role      core.Role
	Workspace core.Workspace
	CSRF      string
	secret    string // the session cookie's value
	// identity is set for a person signed in with Slack or Discord: Role and Workspace are
	// then their highest role and its workspace (see identityViewer).
	identity *core.Identity
	// session is the platform sign-in session (when identity is set).
	session core.IdentitySession
	// staffIn are the workspaces a platform sign-in is staff in (the dashboard's choice).
	staffIn []core.Membership
	// Choices are staffIn named, for the header's switcher (set on dashboard pages).
	Choices []wsChoice
}

// Actor is who the viewer is to the core.
func (v *viewer) Actor() core.Actor {
	if v.identity != nil {
		return core.Actor{User: v.identity.User, Role: v.Role, Workspace: v.Workspace}
	}
	return core.Account{Name: v.Name, Role: v.Role, Workspace: v.Workspace}.Actor()
}

// IsAdmin reports whether the viewer may manage accounts and tokens.
func (v *viewer) IsAdmin() bool { return v.Role.AtLeast(core.RoleAdmin) && v.Workspace.IsZero() }

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

// startSession signs acc in: it stores a new session and sets its cookie.
// Errors: not_found (account gone), unavailable, internal.
func (s *Server) startSession(ctx context.Context, w http.ResponseWriter, acc core.Account) error {
	secret, _, err := s.accounts.StartSession(ctx, acc, s.cfg.SessionTTL)
	if err != nil {
		return err
	}
	s.setCookie(w, "tb_session", secret, s.cfg.SessionTTL)
	return nil
}

// session returns the viewer of r, or nil when r carries no live session.
// Errors: unavailable, internal.
func (s *Server) session(r *http.Request) (*viewer, error) {
	c, err := r.Cookie(s.cookieName("tb_session"))
	if err != nil || c.Value == "" {
		return nil, nil
	}
	sess, acc, err := s.accounts.Session(r.Context(), c.Value)
	if core.IsCode(err, core.ENotFound) {
		return s.identitySession(r.Context(), c.Value)
	}
	if err != nil {
		return nil, err
	}
	return &viewer{Name: acc.Name, Role: acc.Role, Workspace: acc.Workspace, CSRF: sess.CSRF, secret: c.Value}, nil
}

// endSession deletes v's session and its cookie. Errors: unavailable, internal.
func (s *Server) endSession(ctx context.Context, w http.ResponseWriter, v *viewer) error {
	s.setCookie(w, "tb_session", "", -1)
	if v.identity != nil {
		return s.accounts.EndIdentitySession(ctx, v.secret)
	}
	return s.accounts.EndSession(ctx, v.secret)
}

// randomToken returns n random bytes in unpadded base64url.
func randomToken(n int) string { return core.RandomSecret(n) }

// signedIn is the start of every signed-in page and form (dashboard and portal): it returns
// the viewer, or sends the browser to /login (back to the page, or to home after a POST)
// and reports false. A POSTed form is parsed (capped) and must carry the session's CSRF token.
func (s *Server) signedIn(w http.ResponseWriter, r *http.Request, home string) (*viewer, bool) {
	v, err := s.session(r)
	if err != nil {
		s.pageError(w, r, nil, err)
		return nil, false
	}
	if v == nil {
		next := home
		if r.Method == http.MethodGet {
			next = r.URL.RequestURI()
		}
		http.Redirect(w, r, "/login?next="+url.QueryEscape(next), http.StatusSeeOther)
		return nil, false
	}
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		if err := r.ParseForm(); err != nil {
			s.pageError(w, r, v, formError(err))
			return nil, false
		}
		if !validCSRF(v.CSRF, r.PostForm.Get("csrf")) {
			s.pageError(w, r, v, errBadCSRF)
			return nil, false
		}
	}
	return v, true
}
