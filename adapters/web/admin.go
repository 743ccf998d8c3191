package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/ticketbot/ticketbot/core"
)

// The admin pages: dashboard accounts and REST API tokens.

// accountsView is the accounts page's data.
type accountsView struct {
	Accounts []core.Account
	Me       string
	Form     struct{ Name, Role string }
}

// accountsPage serves GET /admin/accounts.
func (s *Server) accountsPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	s.showAccounts(w, r, v, http.StatusOK, "", nil)
}

func (s *Server) showAccounts(w http.ResponseWriter, r *http.Request, v *viewer, status int, errMsg string, keep func(*accountsView)) {
	accs, err := s.accounts.Accounts(r.Context())
	if err != nil {
		s.pageError(w, r, v, err)
		return
	}
	av := accountsView{Accounts: accs, Me: v.Name}
	av.Form.Role = string(core.RoleStaff)
	if keep != nil {
		keep(&av)
	}
	s.render(w, r, status, "accounts", page{Title: "Accounts", Nav: "accounts", Viewer: v, Flash: flash(r), Error: errMsg, Body: av})
}

// postAccount serves POST /admin/accounts (fields name, role, password).
func (s *Server) postAccount(w http.ResponseWriter, r *http.Request, v *viewer) {
	name, role := r.PostForm.Get("name"), r.PostForm.Get("role")
	err := CreateAccount(r.Context(), s.accounts, name, core.Role(role), []byte(r.PostForm.Get("password")))
	if err == nil {
		s.log.Info("web: account created", "account", strings.ToLower(strings.TrimSpace(name)), "role", role, "by", v.Name)
		http.Redirect(w, r, "/admin/accounts?done=account", http.StatusSeeOther)
		return
	}
	if code := core.ErrorCode(err); code == core.EInvalid || code == core.EConflict {
		s.showAccounts(w, r, v, statusOf(code), upperFirst(core.ErrorMessage(err))+".", func(av *accountsView) {
			av.Form.Name, av.Form.Role = name, role
		})
		return
	}
	s.pageError(w, r, v, err)
}

// postDeleteAccount serves POST /admin/accounts/{name}/delete. Admins cannot delete
// themselves, so at least one admin always remains.
func (s *Server) postDeleteAccount(w http.ResponseWriter, r *http.Request, v *viewer) {
	// Normalised as at creation: MySQL compares names case-insensitively, so "ALICE" would
	// otherwise slip past the self-check and delete alice.
	name, err := NormalizeName(r.PathValue("name"))
	if err != nil {
		s.pageError(w, r, v, err)
		return
	}
	if name == v.Name {
		s.showAccounts(w, r, v, http.StatusConflict, "You cannot delete your own account.", nil)
		return
	}
	if err := s.accounts.DeleteAccount(r.Context(), name); err != nil {
		s.pageError(w, r, v, err)
		return
	}
	s.log.Info("web: account deleted", "account", name, "by", v.Name)
	http.Redirect(w, r, "/admin/accounts?done=account_gone", http.StatusSeeOther)
}

// tokensView is the tokens page's data.
type tokensView struct {
	Tokens []core.APIToken
	// NewName and NewSecret show a token just created, once.
	NewName, NewSecret string
	Form               struct{ Name string }
	// Host is this dashboard's origin, for the example curl command.
	Origin string
}

// tokensPage serves GET /admin/tokens.
func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	s.showTokens(w, r, v, http.StatusOK, "", nil)
}

func (s *Server) showTokens(w http.ResponseWriter, r *http.Request, v *viewer, status int, errMsg string, keep func(*tokensView)) {
	toks, err := s.accounts.Tokens(r.Context())
	if err != nil {
		s.pageError(w, r, v, err)
		return
	}
	scheme := "http"
	if s.cfg.SecureCookies || r.TLS != nil {
		scheme = "https"
	}
	tv := tokensView{Tokens: toks, Origin: (&url.URL{Scheme: scheme, Host: r.Host}).String()}
	if keep != nil {
		keep(&tv)
	}
	s.render(w, r, status, "tokens", page{Title: "API tokens", Nav: "tokens", Viewer: v, Flash: flash(r), Error: errMsg, Body: tv})
}

// postToken serves POST /admin/tokens (field name) and shows the new token once.
func (s *Server) postToken(w http.ResponseWriter, r *http.Request, v *viewer) {
	name := r.PostForm.Get("name")
	secret, err := IssueToken(r.Context(), s.accounts, name, s.clock.Now())
	if err == nil {
		n, _ := NormalizeName(name)
		s.log.Info("web: API token created", "token", n, "by", v.Name)
		s.showTokens(w, r, v, http.StatusCreated, "", func(tv *tokensView) { tv.NewName, tv.NewSecret = n, secret })
		return
	}
	if code := core.ErrorCode(err); code == core.EInvalid || code == core.EConflict {
		s.showTokens(w, r, v, statusOf(code), upperFirst(core.ErrorMessage(err))+".", func(tv *tokensView) { tv.Form.Name = name })
		return
	}
	s.pageError(w, r, v, err)
}

// postRevokeToken serves POST /admin/tokens/{name}/revoke.
func (s *Server) postRevokeToken(w http.ResponseWriter, r *http.Request, v *viewer) {
	name := r.PathValue("name")
	if err := RevokeToken(r.Context(), s.accounts, name, s.clock.Now()); err != nil {
		s.pageError(w, r, v, err)
		return
	}
	s.log.Info("web: API token revoked", "token", name, "by", v.Name)
	http.Redirect(w, r, "/admin/tokens?done=token_gone", http.StatusSeeOther)
}
