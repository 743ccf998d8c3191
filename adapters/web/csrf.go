package web

import (
	"crypto/subtle"
	"net/http"
	"time"
)

// Every dashboard form carries a CSRF token in the hidden field "csrf": the session's own for
// signed-in forms, and for the sign-in form (which has no session yet) a double-submit token
// that must match the tb_login cookie. Cross-origin POSTs are also refused up front by
// net/http's CrossOriginProtection (Sec-Fetch-Site / Origin).

const loginCSRFTTL = time.Hour

// validCSRF reports whether the submitted token equals the expected one.
func validCSRF(want, got string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

// loginCSRF returns the sign-in form's token, reusing the browser's tb_login cookie when it
// has one, so that two open sign-in tabs both work.
func (s *Server) loginCSRF(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(s.cookieName("tb_login")); err == nil && len(c.Value) == 43 {
		return c.Value
	}
	tok := randomToken(32)
	s.setCookie(w, "tb_login", tok, loginCSRFTTL)
	return tok
}

// checkLoginCSRF reports whether the sign-in form's token matches the tb_login cookie. A post
// without the field (a script posting just username and password, as the contract allows) is
// let through: cross-site posts never get here, CrossOriginProtection refuses them first.
func (s *Server) checkLoginCSRF(r *http.Request) bool {
	if _, ok := r.PostForm["csrf"]; !ok {
		return true
	}
	c, err := r.Cookie(s.cookieName("tb_login"))
	return err == nil && validCSRF(c.Value, r.PostForm.Get("csrf"))
}
