package web

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// HTTP-only error codes, beside the core's.
const (
	codeUnauthorized     = "unauthorized"
	codeTooLarge         = "too_large"
	codeMethodNotAllowed = "method_not_allowed"
	codeUnsupportedMedia = "unsupported_media_type"
)

// httpError is a failure the web layer itself detects (authentication, body size, routing),
// with the status and code it answers with.
type httpError struct {
	status  int
	code    string
	message string
	allow   string        // for 405
	retry   time.Duration // for 429
}

func (e *httpError) Error() string { return e.code + ": " + e.message }

// statusOf maps a core error code to an HTTP status.
func statusOf(code string) int {
	switch code {
	case core.EInvalid:
		return http.StatusBadRequest
	case core.EForbidden:
		return http.StatusForbidden
	case core.ENotFound:
		return http.StatusNotFound
	case core.EConflict:
		return http.StatusConflict
	case core.ERateLimited:
		return http.StatusTooManyRequests
	case core.EUnavailable:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// describe turns any error into what a client is told: status, code, message and, for 429,
// how long to wait. Internal errors are logged under a fresh id, which the message quotes.
func (s *Server) describe(r *http.Request, err error) (status int, code, msg string, retry time.Duration) {
	var he *httpError
	if errors.As(err, &he) {
		return he.status, he.code, he.message, he.retry
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge, codeTooLarge,
			fmt.Sprintf("the request body is larger than %d bytes", mbe.Limit), 0
	}
	code = core.ErrorCode(err)
	status = statusOf(code)
	if code == core.EInvalid && core.ErrorField(err) != "" && isAPI(r) {
		// A value the document does not allow, as opposed to a body that cannot be read.
		status = http.StatusUnprocessableEntity
	}
	if status == http.StatusInternalServerError {
		code = core.EInternal
		id := errorID()
		s.log.Error("web: request failed", "error_id", id, "method", r.Method, "path", r.URL.Path, "err", err)
		return status, code, "an internal error occurred (error id " + id + ")", 0
	}
	if status == http.StatusServiceUnavailable {
		s.log.Warn("web: dependency unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	return status, code, core.ErrorMessage(err), 0
}

// apiError writes err as {"error":{"code","message"}} with the matching status.
func (s *Server) apiError(w http.ResponseWriter, r *http.Request, err error) {
	status, code, msg, retry := s.describe(r, err)
	var he *httpError
	if errors.As(err, &he) && he.allow != "" {
		w.Header().Set("Allow", he.allow)
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="ticketbot"`)
	}
	if retry > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((retry+time.Second-1)/time.Second)))
	}
	type body struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field,omitempty"`
	}
	writeJSON(w, status, struct {
		Error body `json:"error"`
	}{body{code, msg, core.ErrorField(err)}})
}

// errorID is a short random id that ties a logged internal error to what the client saw.
func errorID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// isAPI reports whether r is addressed to the REST API.
func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }
