package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"

	"github.com/ticketbot/ticketbot/core"
)

// maxBody caps request bodies of the API and the dashboard's forms.
const maxBody = 64 << 10

// writeJSON writes v as the response with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only a programming error (an unencodable type) gets here.
		http.Error(w, `{"error":{"code":"internal","message":"an internal error occurred"}}`, http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// decodeJSON reads r's body (at most maxBody bytes) as exactly one JSON object into v.
// A body not sent as application/json is 415; unknown fields, trailing data and malformed
// JSON are invalid; an oversized body answers 413.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if r.ContentLength != 0 {
		if err := checkJSONType(r); err != nil {
			return err
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return core.Errorf(core.EInvalid, "the request body could not be read")
	}
	// null decodes into a struct without an error, and changes nothing: it is no object.
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) > 0 && t[0] != '{' {
		return core.Errorf(core.EInvalid, "the request body must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return core.Errorf(core.EInvalid, "the request body must hold one JSON object and nothing after it")
	}
	return nil
}

// jsonError turns a decoding failure into a message that says what is wrong.
func jsonError(err error) error {
	var (
		ce     *core.Error
		mbe    *http.MaxBytesError
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &mbe), errors.As(err, &ce):
		return err
	case errors.Is(err, io.EOF):
		return core.Errorf(core.EInvalid, "the request body must be a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF), errors.As(err, &syntax):
		return core.Errorf(core.EInvalid, "the request body is not valid JSON")
	case errors.As(err, &typ):
		if typ.Field == "" {
			return core.Errorf(core.EInvalid, "the request body must be a JSON object")
		}
		return core.Errorf(core.EInvalid, "field %q must be a %s", typ.Field, jsonKind(typ.Type.Kind()))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return core.Errorf(core.EInvalid, "unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return core.Errorf(core.EInvalid, "the request body is not valid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
}

// jsonKind names a Go kind as JSON calls it.
func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.Int, reflect.Int32, reflect.Int64, reflect.Float64:
		return "number"
	case reflect.Bool:
		return "boolean"
	case reflect.Slice:
		return "array"
	case reflect.Struct, reflect.Map:
		return "object"
	}
	return k.String()
}

// nullableString is a JSON field that may be absent, null or a string (PATCH's assignee).
type nullableString struct {
	Set   bool // present in the document (also when null)
	Null  bool
	Value string
}

// UnmarshalJSON implements json.Unmarshaler.
func (n *nullableString) UnmarshalJSON(b []byte) error {
	n.Set = true
	if string(b) == "null" {
		n.Null, n.Value = true, ""
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return core.FieldError("assignee", "assignee must be a user id (a string) or null")
	}
	n.Value = s
	return nil
}
