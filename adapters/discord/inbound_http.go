package discord

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/bwmarrin/discordgo"
)

// signatureWindow is how far X-Signature-Timestamp may be from now.
const signatureWindow = 5 * time.Minute

// serveHTTP is POST /discord/interactions: Discord's outgoing-webhook delivery of
// interactions. The body is capped (413), the Ed25519 signature and a fresh timestamp are
// required (401), a malformed payload is refused (400); PING answers {"type":1}. Everything
// else goes to the same handler as gateway interactions, and the first response is this
// request's response body.
func (a *Adapter) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.cfg.MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "could not read the request body", http.StatusBadRequest)
		return
	}
	if !a.verify(r, body) {
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
		return
	}
	var it discordgo.Interaction
	if err := json.Unmarshal(body, &it); err != nil || it.Type == 0 {
		http.Error(w, "malformed interaction", http.StatusBadRequest)
		return
	}
	if it.Type == discordgo.InteractionPing {
		writeJSON(w, &discordgo.InteractionResponse{Type: discordgo.InteractionResponsePong})
		return
	}
	if it.ID == "" || it.Token == "" {
		http.Error(w, "malformed interaction", http.StatusBadRequest)
		return
	}
	a.answer(r.Context(), &it, func(resp *discordgo.InteractionResponse) error {
		if resp == nil {
			resp = ephemeral("This request was already handled.")
		}
		writeJSON(w, resp)
		return nil
	})
}

// verify checks the request's Ed25519 signature (discordgo.VerifyInteraction) and that its
// timestamp is within signatureWindow of the adapter's clock, so a captured request cannot be
// replayed later.
func (a *Adapter) verify(r *http.Request, body []byte) bool {
	ts, err := strconv.ParseInt(r.Header.Get("X-Signature-Timestamp"), 10, 64)
	if err != nil {
		return false
	}
	if d := a.clock.Now().Sub(time.Unix(ts, 0)); d > signatureWindow || d < -signatureWindow {
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return discordgo.VerifyInteraction(r, a.pub)
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b)
}
