package slack

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/ticketbot/ticketbot/core"
)

// signatureWindow is how far a request's timestamp may be from now (replay protection).
const signatureWindow = 5 * time.Minute

// Signature verification failures (all answered 401).
var (
	errNoSecret     = errors.New("no signing secret configured")
	errMissingSig   = errors.New("missing signature headers")
	errStale        = errors.New("timestamp outside the 5-minute window")
	errBadSignature = errors.New("signature does not match")
)

// verify checks Slack's v0 request signature over the raw body, and that the request was
// signed within signatureWindow of now. https://api.slack.com/authentication/verifying-requests-from-slack
func verify(h http.Header, body []byte, secret string, now time.Time) error {
	if secret == "" {
		return errNoSecret
	}
	sig, ts := h.Get("X-Slack-Signature"), h.Get("X-Slack-Request-Timestamp")
	if sig == "" || ts == "" {
		return errMissingSig
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errStale
	}
	if d := now.Sub(time.Unix(sec, 0)); d > signatureWindow || d < -signatureWindow {
		return errStale
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + ts + ":"))
	mac.Write(body)
	want := "v0=" + hex.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(sig), []byte(want)) {
		return errBadSignature
	}
	return nil
}

// Routes registers Slack's three request URLs on mux.
func (a *Adapter) Routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /slack/commands", a.guard(a.serveCommands))
	mux.HandleFunc("POST /slack/events", a.guard(a.serveEvents))
	mux.HandleFunc("POST /slack/interactivity", a.guard(a.serveInteractivity))
	a.installRoutes(mux)
}

// guard turns a panic in a handler (a payload shape nobody foresaw) into a logged 400.
func (a *Adapter) guard(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				a.log.Error("slack: handler panicked", "error_id", newErrorID(), "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				http.Error(w, "malformed request", http.StatusBadRequest)
			}
		}()
		h(w, r)
	}
}

// readSigned reads the capped body and verifies its signature; on failure it has answered
// 413, 400 or 401 and returns false.
func (a *Adapter) readSigned(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if r.ContentLength > a.maxBody {
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.maxBody))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		} else {
			http.Error(w, "unreadable body", http.StatusBadRequest)
		}
		return nil, false
	}
	if err := verify(r.Header, body, a.secret, a.clock.Now()); err != nil {
		a.log.Info("slack: request refused", "path", r.URL.Path, "reason", err.Error())
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return nil, false
	}
	return body, true
}

// requestContext bounds the work done before answering Slack, which waits 3 s. It does not
// end when Slack hangs up, so a change under way is not cut in half.
func requestContext(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(r.Context()), handlerTimeout)
}

func (a *Adapter) serveCommands(w http.ResponseWriter, r *http.Request) {
	body, ok := a.readSigned(w, r)
	if !ok {
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, "malformed form body", http.StatusBadRequest)
		return
	}
	sc := commandFromForm(form)
	if !validCommand(sc) {
		http.Error(w, "malformed slash command", http.StatusBadRequest)
		return
	}
	ctx, cancel := requestContext(r)
	defer cancel()
	writeAck(w, a.handleCommand(withTeam(ctx, sc.TeamID), sc))
}

func (a *Adapter) serveEvents(w http.ResponseWriter, r *http.Request) {
	body, ok := a.readSigned(w, r)
	if !ok {
		return
	}
	env, err := parseEnvelope(body)
	if err != nil {
		http.Error(w, "malformed event", http.StatusBadRequest)
		return
	}
	if env.Type == "url_verification" {
		writeAck(w, map[string]string{"challenge": env.Challenge})
		return
	}
	ctx, cancel := requestContext(r)
	defer cancel()
	if err := a.handleEnvelope(ctx, env); err != nil {
		// Only "the database is unavailable" gets here; Slack will retry.
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (a *Adapter) serveInteractivity(w http.ResponseWriter, r *http.Request) {
	body, ok := a.readSigned(w, r)
	if !ok {
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil || form.Get("payload") == "" {
		http.Error(w, "malformed interaction: no payload", http.StatusBadRequest)
		return
	}
	var cb slackgo.InteractionCallback
	if err := json.Unmarshal([]byte(form.Get("payload")), &cb); err != nil {
		http.Error(w, "malformed interaction payload", http.StatusBadRequest)
		return
	}
	ctx, cancel := requestContext(r)
	defer cancel()
	payload, err := a.handleInteraction(withTeam(ctx, cb.Team.ID), cb)
	if err != nil {
		http.Error(w, "malformed interaction payload", http.StatusBadRequest)
		return
	}
	writeAck(w, payload)
}

// writeAck answers 200 with payload as JSON, or an empty body when payload is nil.
func writeAck(w http.ResponseWriter, payload any) {
	if payload == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	b, err := json.Marshal(payload)
	if err != nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

var _ core.Notifier = (*Adapter)(nil)
