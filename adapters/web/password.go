package web

import (
	"net/http"

	"github.com/ticketbot/ticketbot/core"
)

// The signed-in user's own password: the current one is required. Every session of the
// account ends (other browsers are signed out); this browser gets a fresh session.

var errNoPassword = &httpError{status: http.StatusForbidden, code: core.EForbidden,
	message: "you signed in with Slack or Discord, so there is no ticketbot password to change"}

// passwordPage serves GET /account/password.
func (s *Server) passwordPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	if v.identity != nil {
		s.pageError(w, r, v, errNoPassword)
		return
	}
	pv := passwordView{}
	for _, p := range s.providers {
		pv.Providers = append(pv.Providers, p.name())
	}
	var err error
	if pv.Links, err = s.accounts.Links(r.Context(), v.Name); err != nil {
		s.pageError(w, r, v, err)
		return
	}
	s.render(w, r, http.StatusOK, "password", page{Title: "Change password", Nav: "password", Viewer: v, Flash: flash(r), Body: pv})
}

// passwordView is the account page's data: its linked identities and the platforms it can
// link.
type passwordView struct {
	Links     []core.IdentityLink
	Providers []string
}

// postPassword serves POST /account/password (fields current, password, confirm).
func (s *Server) postPassword(w http.ResponseWriter, r *http.Request, v *viewer) {
	if v.identity != nil {
		s.pageError(w, r, v, errNoPassword)
		return
	}
	f := r.PostForm
	show := func(status int, msg string) {
		s.render(w, r, status, "password", page{Title: "Change password", Nav: "password", Viewer: v, Error: msg})
	}
	if f.Get("password") != f.Get("confirm") {
		show(http.StatusBadRequest, "The new passwords do not match.")
		return
	}
	ctx := r.Context()
	acc, err := s.accounts.ChangePassword(ctx, v.Name, []byte(f.Get("current")), []byte(f.Get("password")))
	switch core.ErrorCode(err) {
	case "":
	case core.EForbidden:
		show(http.StatusForbidden, "The current password is wrong.")
		return
	case core.EInvalid:
		show(http.StatusBadRequest, upperFirst(core.ErrorMessage(err))+".")
		return
	default:
		s.pageError(w, r, v, err)
		return
	}
	s.log.Info("web: password changed", "account", v.Name)
	if err := s.startSession(ctx, w, acc); err != nil {
		s.setCookie(w, "tb_session", "", -1)
		http.Redirect(w, r, "/login?done=signed_out", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/account/password?done=password", http.StatusSeeOther)
}
