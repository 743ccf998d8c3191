package web

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/ticketbot/ticketbot/core"
)

// errBadLogin is the one answer for an unknown user and a wrong password.
const errBadLogin = "Wrong username or password."

// loginView is the sign-in page's data.
type loginView struct {
	Username string
	Next     string
	CSRF     string
}

// loginPage serves GET /login.
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	v, err := s.session(r)
	if err != nil {
		s.pageError(w, r, nil, err)
		return
	}
	next := safeNext(r.URL.Query().Get("next"))
	if v != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	s.renderLogin(w, r, http.StatusOK, loginView{Next: next}, "")
}

func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, lv loginView, errMsg string) {
	lv.CSRF = s.loginCSRF(w, r)
	s.render(w, r, status, "login", page{Title: "Sign in", Error: errMsg, Flash: flash(r), Body: lv})
}

// login serves POST /login (form fields username, password). Attempts are limited per
// username and per client address; an unknown user costs a bcrypt comparison like a known
// one and gets the same answer as a wrong password.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, nil, formError(err))
		return
	}
	username := strings.ToLower(strings.TrimSpace(r.PostForm.Get("username")))
	password := r.PostForm.Get("password")
	lv := loginView{Username: username, Next: safeNext(r.PostForm.Get("next"))}
	if len(username) > maxNameLen {
		username = username[:maxNameLen]
	}
	if !s.checkLoginCSRF(r) {
		s.renderLogin(w, r, http.StatusForbidden, lv, "The sign-in form had expired. Please try again.")
		return
	}
	if username == "" || password == "" {
		s.renderLogin(w, r, http.StatusBadRequest, lv, "Enter your username and password.")
		return
	}
	ctx := r.Context()
	for _, key := range []string{"web:login:user:" + username, "web:login:ip:" + s.clientIP(r)} {
		if d := s.cfg.Throttle.Allow(ctx, key, s.cfg.LoginLimit); !d.Allowed {
			w.Header().Set("Retry-After", fmt.Sprint(int((d.RetryAfter+time.Second-1)/time.Second)))
			s.renderLogin(w, r, http.StatusTooManyRequests, lv,
				"Too many sign-in attempts. Try again in "+waitText(d.RetryAfter)+".")
			return
		}
	}
	acc, err := s.accounts.AccountByName(ctx, username)
	switch {
	case core.IsCode(err, core.ENotFound):
		_ = bcrypt.CompareHashAndPassword(s.dummyHash, []byte(password))
		s.renderLogin(w, r, http.StatusUnauthorized, lv, errBadLogin)
		return
	case err != nil:
		s.pageError(w, r, nil, err)
		return
	}
	if bcrypt.CompareHashAndPassword(acc.PasswordHash, []byte(password)) != nil {
		s.renderLogin(w, r, http.StatusUnauthorized, lv, errBadLogin)
		return
	}
	if old, err := s.session(r); err == nil && old != nil {
		_ = s.state.Delete(ctx, old.key) // a new sign-in never keeps the previous session alive
	}
	if err := s.startSession(ctx, w, acc.Name); err != nil {
		s.pageError(w, r, nil, err)
		return
	}
	s.setCookie(w, "tb_login", "", -1)
	s.log.Info("web: signed in", "user", acc.Name)
	http.Redirect(w, r, lv.Next, http.StatusSeeOther)
}

// logout serves POST /logout.
func (s *Server) logout(w http.ResponseWriter, r *http.Request, v *viewer) {
	if err := s.endSession(r.Context(), w, v); err != nil {
		s.pageError(w, r, v, err)
		return
	}
	http.Redirect(w, r, "/login?done=signed_out", http.StatusSeeOther)
}

// clientIP is the address login attempts are counted against.
func (s *Server) clientIP(r *http.Request) string {
	if s.cfg.TrustForwardedFor {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			parts := strings.Split(xff[len(xff)-1], ",")
			if ip := net.ParseIP(strings.TrimSpace(parts[len(parts)-1])); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// safeNext keeps a post-sign-in redirect on this site: a path, never another host.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return next
}

// waitText renders a wait as "1 minute", "12 minutes" or "30 seconds".
func waitText(d time.Duration) string {
	switch {
	case d <= time.Second:
		return "a second"
	case d < time.Minute:
		return fmt.Sprintf("%d seconds", int((d+time.Second-1)/time.Second))
	case d < 2*time.Minute:
		return "a minute"
	}
	return fmt.Sprintf("%d minutes", int((d+time.Minute-1)/time.Minute))
}
