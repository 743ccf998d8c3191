package core

import (
	"errors"
	"fmt"
	"time"
)

// Error codes. Adapters map them to HTTP statuses or user-facing text.
const (
	EInvalid     = "invalid"
	ENotFound    = "not_found"
	EForbidden   = "forbidden"
	EConflict    = "conflict"
	ERateLimited = "rate_limited"
	EUnavailable = "unavailable"
	EInternal    = "internal"
)

// Error is the one error type that crosses the core's boundary with a code. Message is safe to
// show to a user; Err (the cause) is for logs only.
type Error struct {
	Code    string
	Message string
	Op      string
	// Field names the input at fault for invalid errors ("title", "description", "priority"),
	// so a form can show the message beside it.
	Field string
	// Dependency names what an unavailable error could not reach (DepDatabase,
	// DepStateStore), so the user is told which one.
	Dependency string
	// OutcomeUnknown marks an unavailable error after which the change may or may not have
	// been committed (the deadline passed while the database was committing), as opposed to
	// a refusal that changed nothing.
	OutcomeUnknown bool
	// Busy marks an unavailable error from a dependency that is up but had no room for the
	// work in time (see Gate): nothing was started, so trying again is safe.
	Busy bool
	Err  error
}

// Dependencies an unavailable error can name.
const (
	DepDatabase   = "database"
	DepStateStore = "state store"
)

// Dependency returns the Dependency of the first *Error in err's chain that names one.
func Dependency(err error) string {
	for err != nil {
		var e *Error
		if !errors.As(err, &e) {
			return ""
		}
		if e.Dependency != "" {
			return e.Dependency
		}
		err = e.Err
	}
	return ""
}

// IsOutcomeUnknown reports whether err says a change may or may not have been committed.
func IsOutcomeUnknown(err error) bool {
	for err != nil {
		var e *Error
		if !errors.As(err, &e) {
			return false
		}
		if e.OutcomeUnknown {
			return true
		}
		err = e.Err
	}
	return false
}

func (e *Error) Error() string {
	s := e.Code
	if e.Op != "" {
		s = e.Op + ": " + s
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with code and a user-safe formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns an invalid error about one input field.
func FieldError(field, format string, args ...any) *Error {
	e := Errorf(EInvalid, format, args...)
	e.Field = field
	return e
}

// ErrorField returns the Field of the first *Error in err's chain.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// Internal wraps an unexpected cause under op with code internal; the cause is never shown.
func Internal(op string, err error) *Error {
	return &Error{Code: EInternal, Op: op, Err: err}
}

// ErrorCode returns the code of the first *Error in err's chain, "" for nil and EInternal for
// any other error.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the user-safe message of err, or a generic text for internal errors.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Message != "" && e.Code != EInternal {
		return e.Message
	}
	return "an internal error occurred"
}

// IsCode reports whether err carries code.
func IsCode(err error, code string) bool { return ErrorCode(err) == code }

// permanentError marks a delivery failure that retrying cannot mend.
type permanentError struct{ err error }

func (e permanentError) Error() string { return "permanent: " + e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent wraps err so the outbox dispatcher gives up on the event instead of retrying it
// (e.g. a DM the user's privacy settings refuse). The event is marked delivered and logged.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// IsPermanent reports whether err was wrapped by Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}

// retryAfterError carries a platform's request to wait (HTTP 429 Retry-After).
type retryAfterError struct {
	err   error
	after time.Duration
}

func (e retryAfterError) Error() string { return e.err.Error() }
func (e retryAfterError) Unwrap() error { return e.err }

// RetryAfter wraps err with the delay a platform asked for; the outbox waits at least that long.
func RetryAfter(err error, d time.Duration) error {
	if err == nil {
		return nil
	}
	return retryAfterError{err: err, after: d}
}

// RetryAfterOf returns the delay carried by RetryAfter in err's chain, or 0.
func RetryAfterOf(err error) time.Duration {
	var r retryAfterError
	if errors.As(err, &r) {
		return r.after
	}
	var p pacedError
	if errors.As(err, &p) {
		return p.after
	}
	return 0
}

// DuplicateRequest is the conflict a store returns when a ticket with the same request id
// already exists in the workspace: t is that ticket.
func DuplicateRequest(t Ticket) *Error {
	return &Error{Code: EConflict, Field: "request_id", Message: fmt.Sprintf("that request was already opened as #%d", t.Number)}
}

// IsDuplicateRequest reports whether err is a DuplicateRequest conflict.
func IsDuplicateRequest(err error) bool {
	return IsCode(err, EConflict) && ErrorField(err) == "request_id"
}

// pacedError is a delivery that must wait its turn (a platform's one-message-a-second pace
// in a channel): no failure, only later.
type pacedError struct{ retryAfterError }

// Paced wraps err with the delay until the platform takes the call; the outbox delivers the
// event again after d without counting a failure or growing its backoff.
func Paced(err error, d time.Duration) error {
	if err == nil {
		return nil
	}
	return pacedError{retryAfterError{err: err, after: d}}
}

// IsPaced reports whether err was wrapped by Paced.
func IsPaced(err error) bool {
	var p pacedError
	return errors.As(err, &p)
}
