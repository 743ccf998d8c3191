package web

// APIPatterns lists the patterns Routes registers for the REST API, for the OpenAPI test.
func APIPatterns(s *Server) []string {
	var out []string
	for _, r := range s.apiRoutes() {
		out = append(out, r.pattern)
	}
	return out
}

// RequiredScope exposes the API's scope rule to tests.
var RequiredScope = requiredScope
