package web

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"

	"github.com/ticketbot/ticketbot/core"
)

// maxIdempotencyKey bounds the Idempotency-Key header.
const maxIdempotencyKey = 255

// apiListMessages serves GET /api/v1/tickets/{id}/messages.
func (s *Server) apiListMessages(w http.ResponseWriter, r *http.Request, actor core.Actor) {
	id, err := ticketID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	ms, err := s.svc.Messages(r.Context(), actor, id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if len(ms) > 0 {
		if t, err := s.svc.Ticket(r.Context(), actor, id); err == nil {
			s.named(r.Context(), nil, messageRefs(t.Workspace, ms))
		}
	}
	out := struct {
		Messages []messageJSON `json:"messages"`
	}{Messages: make([]messageJSON, 0, len(ms))}
	for _, m := range ms {
		out.Messages = append(out.Messages, toMessageJSON(m))
	}
	writeJSON(w, http.StatusOK, out)
}

// apiPostMessage serves POST /api/v1/tickets/{id}/messages: the message is stored and, through
// the outbox, posted into the ticket's thread; with "internal": true (staff only) it is an
// internal note, copied only to the staff side. With an Idempotency-Key header a retried
// request stores and posts the message once and answers 200 with it.
func (s *Server) apiPostMessage(w http.ResponseWriter, r *http.Request, actor core.Actor) {
	id, err := ticketID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var in struct {
		Content  string `json:"content"`
		Internal bool   `json:"internal"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	ext, err := apiMessageID(actor, r.Header.Get("Idempotency-Key"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	m, created, err := s.svc.AddMessage(r.Context(), actor, id, core.MessageInput{
		ExternalID: ext, Content: in.Content, Source: "api", Deliver: true, Internal: in.Internal,
	})
	if err != nil {
		s.apiError(w, r, withField(err, "content"))
		return
	}
	if !created && m.Content != core.CleanText(in.Content) {
		// The key was used for another message: replaying it would silently answer with
		// something the client did not send.
		s.apiError(w, r, core.FieldError("Idempotency-Key",
			"this Idempotency-Key was already used for a message with different content; use a new key for a new message"))
		return
	}
	w.Header().Set("Location", "/api/v1/tickets/"+strconv.FormatInt(id, 10)+"/messages")
	status := http.StatusCreated
	if !created {
		w.Header().Set("Idempotent-Replayed", "true")
		status = http.StatusOK
	}
	writeJSON(w, status, toMessageJSON(m))
}

// apiMessageID is the ExternalID of a message posted through the API: derived from the
// client's Idempotency-Key (scoped to its token) when there is one, random otherwise.
// Errors: invalid.
func apiMessageID(actor core.Actor, key string) (string, error) {
	if key == "" {
		return "api:" + randomHex(16), nil
	}
	if len(key) > maxIdempotencyKey {
		return "", core.FieldError("Idempotency-Key", "Idempotency-Key is longer than %d characters", maxIdempotencyKey)
	}
	for _, c := range []byte(key) {
		if c < 0x21 || c > 0x7e {
			return "", core.FieldError("Idempotency-Key", "Idempotency-Key must be printable ASCII without spaces")
		}
	}
	h := sha256.Sum256([]byte(actor.User.ID + "\x00" + key))
	return "api:" + hex.EncodeToString(h[:16]), nil
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
