package web

import (
	_ "embed"
	"net/http"
	"slices"
	"strings"
)

// openAPIDoc is the OpenAPI 3 description of the REST API v1; a test keeps it and the routes
// in step.
//
//go:embed openapi.json
var openAPIDoc []byte

// apiOpenAPI serves GET /api/v1/openapi.json; it needs no token.
func (s *Server) apiOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(openAPIDoc)
}

// apiFallback answers requests under /api/ that no API route takes: 405 with Allow when the
// path exists for other methods, 404 otherwise; in JSON like every API answer.
func (s *Server) apiFallback(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, rt := range s.apiRoutes() {
		method, path, ok := strings.Cut(rt.pattern, " ")
		if ok && pathMatches(path, r.URL.Path) && !slices.Contains(allow, method) {
			allow = append(allow, method)
			if method == http.MethodGet {
				allow = append(allow, http.MethodHead)
			}
		}
	}
	if len(allow) == 0 {
		s.apiError(w, r, &httpError{status: http.StatusNotFound, code: "not_found",
			message: "no such API route; see /api/v1/openapi.json"})
		return
	}
	s.apiError(w, r, &httpError{status: http.StatusMethodNotAllowed, code: codeMethodNotAllowed,
		message: r.Method + " is not allowed here; use " + strings.Join(allow, ", "), allow: strings.Join(allow, ", ")})
}

// pathMatches reports whether path fits pattern, whose {name} segments match any one segment.
func pathMatches(pattern, path string) bool {
	ps, xs := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(ps) != len(xs) {
		return false
	}
	for i, p := range ps {
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
			if xs[i] == "" {
				return false
			}
			continue
		}
		if p != xs[i] {
			return false
		}
	}
	return true
}
