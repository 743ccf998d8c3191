package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// errBadLogin is the one answer for an unknown user and a wrong password.
const errBadLogin = "Wrong username or password."

// loginView is the sign-in page's data.
type loginView struct {
	Username string
	Next     string
	CSRF     string
	// Providers are the platforms one may sign in with ("slack", "discord").
	Providers []string
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
	for _, p := range s.providers {
		lv.Providers = append(lv.Providers, p.name())
	}
	s.render(w, r, status, "login", page{Title: "Sign in", Error: errMsg, Flash: flash(r), Body: lv})
}

// login serves POST /login (form fields username, password). Failed attempts are counted
// per username and per client address by core.Accounts, which makes further attempts wait.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, nil, formError(err))
		return
	}
	username := strings.ToLower(strings.TrimSpace(r.PostForm.Get("username")))
	password := r.PostForm.Get("password")
	lv := loginView{Username: username, Next: safeNext(r.PostForm.Get("next"))}
	if !s.checkLoginCSRF(r) {
		s.renderLogin(w, r, http.StatusForbidden, lv, "The sign-in form had expired. Please try again.")
		return
	}
	if username == "" || password == "" {
		s.renderLogin(w, r, http.StatusBadRequest, lv, "Enter your username and password.")
		return
	}
	ctx := r.Context()
	acc, err := s.accounts.Authenticate(ctx, username, []byte(password), s.clientIP(r))
	switch core.ErrorCode(err) {
	case "":
	case core.ERateLimited:
		d := core.RetryAfterOf(err)
		w.Header().Set("Retry-After", fmt.Sprint(int((d+time.Second-1)/time.Second)))
		s.renderLogin(w, r, http.StatusTooManyRequests, lv,
			"Too many failed sign-ins. Try again in "+waitText(d)+".")
		return
	case core.EForbidden:
		s.renderLogin(w, r, http.StatusUnauthorized, lv, errBadLogin)
		return
	default:
		s.pageError(w, r, nil, err)
		return
	}
	if old, err := s.session(r); err == nil && old != nil {
		_ = s.accounts.EndSession(ctx, old.secret) // a new sign-in never keeps the previous session alive
	}
	if err := s.startSession(ctx, w, acc); err != nil {
		s.pageError(w, r, nil, err)
		return
	}
	s.setCookie(w, "tb_login", "", -1)
	s.log.Info("web: signed in", "user", acc.Name, "client", s.clientIP(r))
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
