package web_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/adapters/web"
)

type openAPIDoc struct {
	OpenAPI    string                                `json:"openapi"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas map[string]struct {
			Required   []string                   `json:"required"`
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"schemas"`
	} `json:"components"`
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// TestOpenAPI keeps the document and the router in step: every route Routes registers under
// /api/v1/ is described, every described operation is served, every $ref resolves, and the
// schemas name exactly the fields the handlers write.
func TestOpenAPI(t *testing.T) {
	h := newHarness(t, "sqlite://"+t.TempDir()+"/t.db")
	r := h.api("GET", "/api/v1/openapi.json", "", "")
	wantStatus(t, r, http.StatusOK)
	var raw map[string]any
	r.json(t, &raw)
	var doc openAPIDoc
	r.json(t, &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi %q", doc.OpenAPI)
	}

	registered := map[string]bool{}
	for _, p := range web.APIPatterns(h.srv) {
		method, path, ok := strings.Cut(p, " ")
		if !ok {
			continue // the JSON 404/405 fallback for /api/
		}
		registered[method+" "+path] = true
	}
	described := map[string]bool{}
	for path, item := range doc.Paths {
		for key := range item {
			if slices.Contains(httpMethods, key) {
				described[strings.ToUpper(key)+" "+path] = true
			}
		}
	}

	if len(registered) < 7 || len(described) < 7 {
		t.Fatalf("%d registered and %d described operations; the walk found too few", len(registered), len(described))
	}
	t.Run("every registered route is described", func(t *testing.T) {
		for _, op := range sortedKeys(registered) {
			if !described[op] {
				t.Errorf("%s is served but not in openapi.json", op)
			}
		}
	})
	t.Run("every described operation is served", func(t *testing.T) {
		for _, op := range sortedKeys(described) {
			if !registered[op] {
				t.Errorf("%s is in openapi.json but not registered", op)
			}
			method, path, _ := strings.Cut(op, " ")
			url := regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(path, "1")
			r := h.with(t).api(method, url, "", "")
			if r.status == http.StatusNotFound || r.status == http.StatusMethodNotAllowed {
				t.Errorf("%s %s: %d, the router does not serve it", method, url, r.status)
			}
		}
	})
	t.Run("every $ref resolves", func(t *testing.T) {
		for _, ref := range refs(raw) {
			var node any = raw
			for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
				m, ok := node.(map[string]any)
				if !ok || m[part] == nil {
					t.Errorf("$ref %s does not resolve", ref)
					break
				}
				node = m[part]
			}
		}
	})
	t.Run("schemas name the fields the handlers write", func(t *testing.T) {
		tk := h.with(t).open(wsSlack, "schema probe")
		msg := h.with(t).api("POST", fmt.Sprintf("/api/v1/tickets/%d/messages", tk.ID), "-", `{"content":"hi"}`)
		for _, tc := range []struct {
			schema string
			body   []byte
		}{
			{"Ticket", h.with(t).api("GET", fmt.Sprintf("/api/v1/tickets/%d", tk.ID), "-", "").body},
			{"TicketList", h.with(t).api("GET", "/api/v1/tickets", "-", "").body},
			{"Message", msg.body},
			{"MessageList", h.with(t).api("GET", fmt.Sprintf("/api/v1/tickets/%d/messages", tk.ID), "-", "").body},
			{"Error", h.with(t).api("GET", "/api/v1/tickets/999999", "-", "").body},
		} {
			var got map[string]json.RawMessage
			if err := json.Unmarshal(tc.body, &got); err != nil {
				t.Fatalf("%s: %v", tc.schema, err)
			}
			s := doc.Components.Schemas[tc.schema]
			if want, have := sortedKeys(s.Properties), sortedKeys(got); !slices.Equal(want, have) {
				t.Errorf("%s: schema has %v, response has %v", tc.schema, want, have)
			}
			for _, req := range s.Required {
				if _, ok := s.Properties[req]; !ok {
					t.Errorf("%s: required %q is not a property", tc.schema, req)
				}
			}
		}
	})
}

// refs collects every "$ref" value in a decoded JSON document.
func refs(v any) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if s, ok := val.(string); ok && k == "$ref" {
				out = append(out, s)
			}
			out = append(out, refs(val)...)
		}
	case []any:
		for _, val := range x {
			out = append(out, refs(val)...)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := slices.Collect(maps.Keys(m))
	sort.Strings(keys)
	return keys
}
