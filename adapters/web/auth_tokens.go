package web

import (
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/ticketbot/ticketbot/core"
)

// errUnauthorized is the one answer to a missing, malformed, unknown or revoked token, so a
// caller learns nothing about which.
var errUnauthorized = &httpError{status: http.StatusUnauthorized, code: codeUnauthorized,
	message: "a valid API token is required: Authorization: Bearer tbk_…"}

// authAPI resolves the bearer token of a request to its Actor, applies the token's rate
// limit, and calls h; anything else answers 401 or 429.
func (s *Server) authAPI(h func(http.ResponseWriter, *http.Request, core.Actor)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		actor, err := s.tokenActor(r)
		if err != nil {
			s.apiError(w, r, err)
			return
		}
		if d := s.cfg.Throttle.Allow(r.Context(), "api:token:"+actor.User.Name, s.cfg.APILimit); !d.Allowed {
			s.apiError(w, r, &httpError{status: http.StatusTooManyRequests, code: core.ERateLimited,
				message: "too many requests with this token; slow down", retry: d.RetryAfter})
			return
		}
		h(w, r, actor)
	})
}

// tokenActor checks the request's bearer token against the stored hashes.
// Errors: unauthorized, unavailable, internal.
func (s *Server) tokenActor(r *http.Request) (core.Actor, error) {
	scheme, secret, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return core.Actor{}, errUnauthorized
	}
	secret = strings.TrimSpace(secret)
	if !wellFormedToken(secret) {
		return core.Actor{}, errUnauthorized
	}
	hash := hashToken(secret)
	tok, err := s.accounts.TokenByHash(r.Context(), hash)
	switch {
	case core.IsCode(err, core.ENotFound):
		return core.Actor{}, errUnauthorized
	case err != nil:
		return core.Actor{}, err
	}
	// The store found the row by hash; compare again in constant time so that no lookup
	// detail (collation, prefix index) can ever let a near-miss through.
	if subtle.ConstantTimeCompare(tok.Hash, hash) != 1 || tok.RevokedAt != nil {
		return core.Actor{}, errUnauthorized
	}
	return apiActor(tok.Name), nil
}

// apiActor is who an API token acts as: staff, bound to no workspace.
func apiActor(name string) core.Actor {
	return core.Actor{User: core.UserRef{ID: "api:" + name, Name: name}, Role: core.RoleStaff}
}
