package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/ticketbot/ticketbot/core"
)

// The admin pages for REST API tokens: list (without secrets), create with a scope, an
// optional workspace and expiry (the secret is shown once), revoke.

// tokensView is the tokens page's data.
type tokensView struct {
	Tokens []core.APIToken
	// NewName and NewSecret show a token just created, once.
	NewName, NewSecret string
	Form               struct{ Name, Scope, Workspace, Expires string }
	// Origin is this dashboard's origin, for the example curl command.
	Origin string
}

// tokensPage serves GET /admin/tokens.
func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	s.showTokens(w, r, v, http.StatusOK, "", nil)
}

func (s *Server) showTokens(w http.ResponseWriter, r *http.Request, v *viewer, status int, errMsg string, keep func(*tokensView)) {
	toks, err := s.accounts.Tokens(r.Context(), v.Actor())
	if err != nil {
		s.pageError(w, r, v, err)
		return
	}
	scheme := "http"
	if s.cfg.SecureCookies || r.TLS != nil {
		scheme = "https"
	}
	tv := tokensView{Tokens: toks, Origin: (&url.URL{Scheme: scheme, Host: r.Host}).String()}
	tv.Form.Scope = string(core.ScopeWrite)
	if keep != nil {
		keep(&tv)
	}
	s.render(w, r, status, "tokens", page{Title: "API tokens", Nav: "tokens", Viewer: v, Flash: flash(r), Error: errMsg, Body: tv})
}

// newToken reads the token form. Errors: invalid.
func newToken(f url.Values) (core.NewToken, error) {
	in := core.NewToken{Name: f.Get("name"), Scope: core.Scope(f.Get("scope"))}
	if ws := strings.TrimSpace(f.Get("workspace")); ws != "" {
		w, err := core.ParseWorkspace(ws)
		if err != nil {
			return in, core.FieldError("workspace", "%s", core.ErrorMessage(err))
		}
		in.Workspace = w
	}
	ttl, err := core.ParseExpiry(f.Get("expires"))
	in.TTL = ttl
	return in, err
}

// postToken serves POST /admin/tokens (fields name, scope, workspace, expires) and shows the
// new token once.
func (s *Server) postToken(w http.ResponseWriter, r *http.Request, v *viewer) {
	f := r.PostForm
	in, err := newToken(f)
	if err == nil {
		var tok core.APIToken
		var secret string
		if tok, secret, err = s.accounts.CreateToken(r.Context(), v.Actor(), in); err == nil {
			s.log.Info("web: API token created", "token", tok.Name, "scope", tok.Scope, "workspace", tok.Workspace.String(), "by", v.Name)
			s.showTokens(w, r, v, http.StatusCreated, "", func(tv *tokensView) { tv.NewName, tv.NewSecret = tok.Name, secret })
			return
		}
	}
	if code := core.ErrorCode(err); code == core.EInvalid || code == core.EConflict {
		s.showTokens(w, r, v, statusOf(code), upperFirst(core.ErrorMessage(err))+".", func(tv *tokensView) {
			tv.Form.Name, tv.Form.Scope, tv.Form.Workspace, tv.Form.Expires = f.Get("name"), f.Get("scope"), f.Get("workspace"), f.Get("expires")
		})
		return
	}
	s.pageError(w, r, v, err)
}

// postRevokeToken serves POST /admin/tokens/{name}/revoke.
func (s *Server) postRevokeToken(w http.ResponseWriter, r *http.Request, v *viewer) {
	name := r.PathValue("name")
	if err := s.accounts.RevokeToken(r.Context(), v.Actor(), name); err != nil {
		s.pageError(w, r, v, err)
		return
	}
	s.log.Info("web: API token revoked", "token", name, "by", v.Name)
	http.Redirect(w, r, "/admin/tokens?done=token_gone", http.StatusSeeOther)
}
