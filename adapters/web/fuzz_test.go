package web

// Fuzz test for the REST API's JSON bodies. An internal test: decodeJSON is unexported.

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/core"
)

// FuzzDecodeJSON decodes bodies into the API's request types. A body is accepted only when
// it is one JSON object, within maxBody, whose keys are all fields of the type; it is then
// decoded as encoding/json reads it. Every refusal is an invalid error with a message (or
// the 413 error for an oversized body), never a panic.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{"workspace":"slack:T123","title":"VPN down","description":"since 9","priority":"high"}`,
		`{"status":"resolved","note":"fixed","priority":"low","assignee":null}`,
		`{"assignee":"U1"}`, `{"assignee":5}`, `{"content":"hello"}`, `{"content":"a"} {"content":"b"}`,
		`{"title":1}`, `{"nope":true}`, `[]`, `null`, `"x"`, ``, `{`, `{"title":"\ud800"}`, `{"TITLE":"x"}`,
		`{"status":null}`, `{"content":"x"}  `, "\ufeff{}",
	} {
		f.Add([]byte(s))
	}
	f.Add(append([]byte(`{"content":"`), append(bytes.Repeat([]byte("a"), maxBody), `"}`...)...))
	type createBody struct { // apiCreateTicket's body
		Workspace   string `json:"workspace"`
		Title       string `json:"title"`
		Description string `json:"description"`
		Priority    string `json:"priority"`
	}
	type messageBody struct { // apiPostMessage's body
		Content string `json:"content"`
	}
	targets := []struct {
		name   string
		new    func() any
		fields []string
	}{
		{"create", func() any { return &createBody{} }, []string{"workspace", "title", "description", "priority"}},
		{"patch", func() any { return &patchInput{} }, []string{"status", "note", "priority", "assignee"}},
		{"message", func() any { return &messageBody{} }, []string{"content"}},
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, tg := range targets {
			v := tg.new()
			r := httptest.NewRequest(http.MethodPost, "/api/v1/tickets", bytes.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			err := decodeJSON(httptest.NewRecorder(), r, v)
			if err != nil {
				var mbe *http.MaxBytesError
				var ce *core.Error
				switch {
				case errors.As(err, &mbe):
					if len(body) <= maxBody {
						t.Fatalf("%s: %d-byte body refused as too large", tg.name, len(body))
					}
				case !errors.As(err, &ce) || ce.Code != core.EInvalid || ce.Message == "":
					t.Fatalf("%s: %q refused with %v, want an invalid error with a message", tg.name, body, err)
				}
				continue
			}
			if len(body) > maxBody {
				t.Fatalf("%s: %d-byte body accepted", tg.name, len(body))
			}
			var obj map[string]json.RawMessage
			if json.Unmarshal(body, &obj) != nil || obj == nil {
				t.Fatalf("%s: accepted %q, which is not one JSON object", tg.name, body)
			}
			for k := range obj {
				known := false
				for _, f := range tg.fields {
					known = known || strings.EqualFold(k, f)
				}
				if !known {
					t.Fatalf("%s: accepted unknown field %q in %q", tg.name, k, body)
				}
			}
			if tg.name == "patch" {
				continue // nullableString records presence, which plain decoding does not
			}
			want := tg.new()
			if err := json.Unmarshal(body, want); err != nil {
				t.Fatalf("%s: accepted %q, which encoding/json refuses: %v", tg.name, body, err)
			}
			gotJSON, _ := json.Marshal(v)
			wantJSON, _ := json.Marshal(want)
			if !bytes.Equal(gotJSON, wantJSON) {
				t.Fatalf("%s: %q decoded as %s, encoding/json reads %s", tg.name, body, gotJSON, wantJSON)
			}
		}
	})
}
