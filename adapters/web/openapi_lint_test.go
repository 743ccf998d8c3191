package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/ticketbot/ticketbot/core"
)

// loadDoc fetches the served document and validates it with kin-openapi.
func loadDoc(t *testing.T, h *harness) (*openapi3.T, map[string]any) {
	t.Helper()
	r := h.api("GET", "/api/v1/openapi.json", "", "")
	wantStatus(t, r, http.StatusOK)
	doc, err := openapi3.NewLoader().LoadFromData(r.body)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the document is not valid OpenAPI 3: %v", err)
	}
	var raw map[string]any
	r.json(t, &raw)
	return doc, raw
}

// TestOpenAPILint lints the document beyond what the OpenAPI schema itself requires.
func TestOpenAPILint(t *testing.T) {
	h := newHarness(t, "sqlite://"+t.TempDir()+"/t.db")
	_, raw := loadDoc(t, h)
	t.Run("nullable only beside a type", func(t *testing.T) {
		walk(raw, "#", func(path string, m map[string]any) {
			if _, ok := m["nullable"]; ok {
				if _, typed := m["type"]; !typed {
					t.Errorf("%s: nullable without type", path)
				}
			}
		})
	})
	t.Run("every operation documents the answers the server can give", func(t *testing.T) {
		paths := raw["paths"].(map[string]any)
		for p, item := range paths {
			for method, op := range item.(map[string]any) {
				if !slices.Contains(httpMethods, method) {
					continue
				}
				o := op.(map[string]any)
				rs := o["responses"].(map[string]any)
				want := []string{"405"}
				if sec, ok := o["security"].([]any); !ok || len(sec) > 0 {
					want = append(want, "401", "403", "429", "503")
				}
				if _, ok := o["requestBody"]; ok {
					want = append(want, "400", "413", "415", "422")
				}
				if strings.Contains(p, "{id}") {
					want = append(want, "404")
				}
				for _, code := range want {
					if _, ok := rs[code]; !ok {
						t.Errorf("%s %s does not document %s", strings.ToUpper(method), p, code)
					}
				}
			}
		}
	})
}

// walk calls fn on every object of a decoded JSON document with its JSON pointer.
func walk(v any, path string, fn func(path string, m map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		fn(path, x)
		for k, val := range x {
			walk(val, path+"/"+k, fn)
		}
	case []any:
		for i, val := range x {
			walk(val, fmt.Sprintf("%s/%d", path, i), fn)
		}
	}
}

// TestResponsesConformToTheDocument sends requests, checks each against the document and
// validates each answer (status, headers, body schema) against the operation's responses.
func TestResponsesConformToTheDocument(t *testing.T) {
	h := newHarness(t, "sqlite://"+t.TempDir()+"/t.db")
	doc, _ := loadDoc(t, h)
	doc.Servers = nil // the document's server is "/", relative to wherever it is served
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	tk := h.open(wsSlack, "conformance")
	id := fmt.Sprint(tk.ID)
	read := h.issue(core.NewToken{Name: "reader", Scope: core.ScopeRead})
	admin := h.issue(core.NewToken{Name: "admin", Scope: core.ScopeAdmin})
	adm := h.issue(core.NewToken{Name: "conformance-admin", Scope: core.ScopeAdmin})
	hook := h.api("POST", "/api/v1/webhooks", adm, `{"url":"https://example.com/h"}`)
	wantStatus(t, hook, http.StatusCreated)
	var hk struct{ ID int64 }
	hook.json(t, &hk)
	hid := fmt.Sprint(hk.ID)
	for _, tc := range []struct {
		name, method, path, body, token string
		as                              string // validate as this method (for 405s)
		status                          int
	}{
		{"list", "GET", "/api/v1/tickets?status=open&limit=2", "", "-", "", 200},
		{"list with a bad limit", "GET", "/api/v1/tickets?limit=0", "", "-", "", 400},
		{"get", "GET", "/api/v1/tickets/" + id, "", "-", "", 200},
		{"get unknown", "GET", "/api/v1/tickets/999999", "", "-", "", 404},
		{"create", "POST", "/api/v1/tickets", `{"workspace":"slack:T123","title":"new","priority":"high"}`, "-", "", 201},
		{"create with a bad priority", "POST", "/api/v1/tickets", `{"workspace":"slack:T123","title":"new","priority":"HIGH"}`, "-", "", 422},
		{"create with a read token", "POST", "/api/v1/tickets", `{"workspace":"slack:T123","title":"new"}`, read, "", 403},
		{"create without a token", "POST", "/api/v1/tickets", `{"workspace":"slack:T123","title":"new"}`, "", "", 401},
		{"patch", "PATCH", "/api/v1/tickets/" + id, `{"status":"in_progress","assignee":"web:sam"}`, "-", "", 200},
		{"patch unassign", "PATCH", "/api/v1/tickets/" + id, `{"assignee":null}`, "-", "", 200},
		{"post a message", "POST", "/api/v1/tickets/" + id + "/messages", `{"content":"hello"}`, "-", "", 201},
		{"list messages", "GET", "/api/v1/tickets/" + id + "/messages", "", "-", "", 200},
		{"stats", "GET", "/api/v1/stats?workspace=slack:T123&from=2026-11-01&to=2026-12-31", "", "-", "", 200},
		{"stats with a bad date", "GET", "/api/v1/stats?from=yesterday", "", "-", "", 422},
		{"list webhooks", "GET", "/api/v1/webhooks", "", adm, "", 200},
		{"create a webhook", "POST", "/api/v1/webhooks", `{"url":"https://example.com/x","events":["message.added"],"workspace":"slack:T123"}`, adm, "", 201},
		{"create a webhook with a write token", "POST", "/api/v1/webhooks", `{"url":"https://example.com/x"}`, "-", "", 403},
		{"get a webhook", "GET", "/api/v1/webhooks/" + hid, "", adm, "", 200},
		{"patch a webhook", "PATCH", "/api/v1/webhooks/" + hid, `{"events":[]}`, adm, "", 200},
		{"send a test event", "POST", "/api/v1/webhooks/" + hid + "/test", "", adm, "", 202},
		{"delivery log", "GET", "/api/v1/webhooks/" + hid + "/deliveries", "", adm, "", 200},
		{"a method the path does not serve", "DELETE", "/api/v1/tickets/" + id, "", "-", "GET", 405},
		{"list workspaces", "GET", "/api/v1/workspaces", "", "-", "", 200},
		{"get settings", "GET", "/api/v1/workspaces/slack:T123/settings", "", admin, "", 200},
		{"get discord settings", "GET", "/api/v1/workspaces/discord:42/settings", "", admin, "", 200},
		{"patch settings", "PATCH", "/api/v1/workspaces/slack:T123/settings", `{"close_waiting_after":"48h","csat":true}`, admin, "", 200},
		{"patch hours and sla", "PATCH", "/api/v1/workspaces/slack:T123/settings", `{"hours":{"tz":"Europe/Berlin","weekly":{"mon":["09:00-17:00"],"fri":["22:00-06:00"]},"holidays":["2026-12-25"]},"sla":{"urgent":{"first_response":"1h","resolution":"8h"}}}`, admin, "", 200},
		{"patch hours with a bad zone", "PATCH", "/api/v1/workspaces/slack:T123/settings", `{"hours":{"tz":"Mars/Base"}}`, admin, "", 422},
		{"patch sla with a bad duration", "PATCH", "/api/v1/workspaces/slack:T123/settings", `{"sla":{"urgent":{"first_response":"soon"}}}`, admin, "", 422},
		{"create an urgent ticket with an sla", "POST", "/api/v1/tickets", `{"workspace":"slack:T123","title":"sla","priority":"urgent"}`, "-", "", 201},
		{"patch settings with a bad delay", "PATCH", "/api/v1/workspaces/slack:T123/settings", `{"close_waiting_after":"0s"}`, admin, "", 422},
		{"get settings with a write token", "GET", "/api/v1/workspaces/slack:T123/settings", "", "-", "", 403},
		{"create a saved reply", "POST", "/api/v1/workspaces/slack:T123/saved-replies", `{"name":"vpn","content":"Restart it."}`, admin, "", 201},
		{"create a saved reply with a bad name", "POST", "/api/v1/workspaces/slack:T123/saved-replies", `{"name":"a b","content":"x"}`, admin, "", 422},
		{"list saved replies", "GET", "/api/v1/workspaces/slack:T123/saved-replies", "", "-", "", 200},
		{"get a saved reply", "GET", "/api/v1/workspaces/slack:T123/saved-replies/1", "", "-", "", 200},
		{"patch a saved reply", "PATCH", "/api/v1/workspaces/slack:T123/saved-replies/1", `{"content":"Restart it again."}`, admin, "", 200},
		{"delete a saved reply", "DELETE", "/api/v1/workspaces/slack:T123/saved-replies/1", "", admin, "", 204},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := h.with(t).api(tc.method, tc.path, tc.token, tc.body)
			wantStatus(t, r, tc.status)
			method := tc.method
			if tc.as != "" {
				method = tc.as
			}
			var body io.Reader
			if tc.body != "" {
				body = strings.NewReader(tc.body)
			}
			req, _ := http.NewRequest(method, h.ts.URL+tc.path, body)
			if tc.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			route, params, err := router.FindRoute(req)
			if err != nil {
				t.Fatalf("the document has no route for %s %s: %v", method, tc.path, err)
			}
			in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
				Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
			if tc.status < 300 {
				if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
					t.Errorf("the request breaks the document: %v", err)
				}
			}
			out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: r.status, Header: r.header,
				Options: &openapi3filter.Options{IncludeResponseStatus: true}}
			out.SetBodyBytes(r.body)
			if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
				t.Errorf("the %d answer breaks the document: %v\n%s", r.status, err, indent(r.body))
			}
		})
	}
}

func indent(b []byte) string {
	var out bytes.Buffer
	if json.Indent(&out, b, "", "  ") != nil {
		return string(b)
	}
	return out.String()
}
