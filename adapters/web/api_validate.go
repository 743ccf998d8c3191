package web

import (
	"errors"
	"mime"
	"net/http"
	"slices"
	"strconv"

	"github.com/ticketbot/ticketbot/core"
)

// The request rules the OpenAPI document states, checked before anything changes: bodies
// are application/json, ticket ids are canonical positive decimals, enum values are exactly
// the document's (lowercase) names. A value that breaks a rule is 422 naming the field; a
// body that cannot be read at all is 400.

var errNotJSON = &httpError{status: http.StatusUnsupportedMediaType, code: codeUnsupportedMedia,
	message: "the request body must be JSON: send Content-Type: application/json"}

// checkJSONType refuses a body that does not say it is JSON.
func checkJSONType(r *http.Request) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return errNotJSON
	}
	return nil
}

// ticketID reads the {id} path value: only a canonical positive decimal ("17", not "+17",
// "017" or "1e1") names a ticket; anything else is no ticket at all. Errors: not_found.
func ticketID(r *http.Request) (int64, error) {
	s := r.PathValue("id")
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != s {
		return 0, core.Errorf(core.ENotFound, "ticket not found")
	}
	return id, nil
}

// enumValue checks that an optional field holds exactly one of names (nil is absent).
// Errors: invalid, naming field.
func enumValue[T ~string](field string, v *string, names []T) (T, bool, error) {
	if v == nil {
		return "", false, nil
	}
	if i := slices.Index(names, T(*v)); i >= 0 {
		return names[i], true, nil
	}
	var list string
	for i, n := range names {
		if i > 0 {
			list += ", "
		}
		list += string(n)
	}
	return "", true, core.FieldError(field, "%s must be one of %s, not %q", field, list, *v)
}

// withField names field in an invalid error that names none (core's message checks).
func withField(err error, field string) error {
	var ce *core.Error
	if errors.As(err, &ce) && ce.Code == core.EInvalid && ce.Field == "" {
		c := *ce
		c.Field = field
		return &c
	}
	return err
}
