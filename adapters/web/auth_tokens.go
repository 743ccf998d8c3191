package web

import (
	"net/http"
	"strings"

	"github.com/ticketbot/ticketbot/core"
)

// errUnauthorized is the one answer to a missing, malformed, unknown, revoked or expired
// token, so a caller learns nothing about which.
var errUnauthorized = &httpError{status: http.StatusUnauthorized, code: codeUnauthorized,
	message: "a valid API token is required: Authorization: Bearer tbk_…"}

// authAPI resolves the bearer token of a request to its Actor, checks the token's scope
// against the route (see requiredScope), applies the token's rate limit, and calls h;
// anything else answers 401, 403 or 429.
func (s *Server) authAPI(h func(http.ResponseWriter, *http.Request, core.Actor)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, err := s.requestToken(r)
		if err != nil {
			s.apiError(w, r, err)
			return
		}
		if need := requiredScope(r.Method, r.Pattern); !tok.Scope.AtLeast(need) {
			s.apiError(w, r, &httpError{status: http.StatusForbidden, code: core.EForbidden,
				message: "this token's scope is " + string(tok.Scope) + "; this request needs " + string(need)})
			return
		}
		actor := tok.Actor()
		if d := s.cfg.Throttle.Allow(r.Context(), "api:token:"+tok.Name, s.cfg.APILimit); !d.Allowed {
			s.apiError(w, r, &httpError{status: http.StatusTooManyRequests, code: core.ERateLimited,
				message: "too many requests with this token; slow down", retry: d.RetryAfter})
			return
		}
		h(w, r, actor)
	})
}

// requiredScope is the one rule for which token scope a request needs: settings and
// webhooks need admin (reading them too), other reads need read, every other write needs
// write. pattern is the route's ServeMux pattern ("PATCH /api/v1/workspaces/{ws}/settings"),
// so routes added later inherit the rule.
func requiredScope(method, pattern string) core.Scope {
	_, path, _ := strings.Cut(pattern, " ")
	if path == "" {
		path = pattern
	}
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i, seg := range segs {
		if seg == "settings" || (i == 2 && seg == "webhooks") {
			return core.ScopeAdmin
		}
	}
	if method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions {
		return core.ScopeRead
	}
	return core.ScopeWrite
}

// requestToken checks the request's bearer token. Errors: unauthorized, unavailable, internal.
func (s *Server) requestToken(r *http.Request) (core.APIToken, error) {
	scheme, secret, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return core.APIToken{}, errUnauthorized
	}
	tok, err := s.accounts.TokenBySecret(r.Context(), strings.TrimSpace(secret))
	switch {
	case core.IsCode(err, core.ENotFound):
		return core.APIToken{}, errUnauthorized
	case err != nil:
		return core.APIToken{}, err
	}
	return tok, nil
}
