package bot

import (
	"errors"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// tokenSegment matches the secret path segment of interaction and webhook URLs:
// …/interactions/{id}/{token}/callback and …/webhooks/{application}/{token}/….
var tokenSegment = regexp.MustCompile(`(/(?:interactions|webhooks)/[^/\s"?#]+/)[^/\s"?#]+`)

// Redact keeps credentials that travel in URLs out of err, which gets logged: an HTTP
// client's *url.Error names the URL it failed on, and some URLs are credentials (a Slack
// response_url lets whoever holds it post as the app, a Socket Mode URL carries a connection
// ticket, a Discord interaction URL carries a token valid for 15 minutes). Every *url.Error
// in the chain is cut to scheme://host/…, other URLs in the message lose their tokens; the
// result still unwraps to err's chain, so it is classified the same. extra are more URLs to
// cut (an SDK's own error type may copy the URL, as a rate-limit error does).
func Redact(err error, extra ...*string) error {
	if err == nil {
		return nil
	}
	var found []*url.Error
	var walk func(error)
	walk = func(e error) {
		for e != nil {
			if ue, ok := e.(*url.Error); ok && ue.URL != "" {
				found = append(found, ue)
			}
			switch x := e.(type) {
			case interface{ Unwrap() []error }:
				for _, inner := range x.Unwrap() {
					walk(inner)
				}
				return
			case interface{ Unwrap() error }:
				e = x.Unwrap()
			default:
				return
			}
		}
	}
	walk(err)
	msg := err.Error()
	for _, ue := range found {
		short := redactURL(ue.URL)
		msg = strings.ReplaceAll(msg, strconv.Quote(ue.URL), strconv.Quote(short))
		msg = strings.ReplaceAll(msg, ue.URL, short)
		ue.URL = short
	}
	for _, u := range extra {
		if u != nil && *u != "" {
			short := redactURL(*u)
			msg = strings.ReplaceAll(msg, *u, short)
			*u = short
		}
	}
	msg = tokenSegment.ReplaceAllString(msg, "${1}[token]")
	if msg == err.Error() {
		return err
	}
	return &redactedError{msg: msg, err: err}
}

// redactURL keeps the scheme and host of raw (not its user info, path or query).
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "…"
	}
	return u.Scheme + "://" + u.Host + "/…"
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// IsRedacted reports whether err went through Redact (for tests of adapters' logging).
func IsRedacted(err error) bool {
	var r *redactedError
	return errors.As(err, &r)
}
