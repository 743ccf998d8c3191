package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// DraftTTL is how long a "open a ticket with this?" draft waits for its button.
const DraftTTL = 15 * time.Minute

// SaveDraft keeps text (a DM to the bot) as a draft ticket of user for DraftTTL and returns
// its id, to be carried by the confirm button. Errors: unavailable.
func (b *Bot) SaveDraft(ctx context.Context, ws core.Workspace, user, text string) (string, error) {
	var raw [12]byte
	_, _ = rand.Read(raw[:])
	id := hex.EncodeToString(raw[:])
	return id, b.svc.State().Set(ctx, draftKey(ws, user, id), []byte(text), DraftTTL)
}

// TakeDraft returns and forgets draft id of user. Errors: not_found (expired or used).
func (b *Bot) TakeDraft(ctx context.Context, ws core.Workspace, user, id string) (string, error) {
	key := draftKey(ws, user, id)
	if seen, err := b.svc.State().MarkSeen(ctx, key+":used", DraftTTL); err == nil && seen {
		return "", core.Errorf(core.EConflict, "that draft was already opened as a ticket")
	}
	v, err := b.svc.State().Get(ctx, key)
	if core.IsCode(err, core.ENotFound) {
		return "", core.Errorf(core.ENotFound, "that draft has expired (drafts are kept for 15 minutes); send your message again")
	}
	if err != nil {
		return "", err
	}
	_ = b.svc.State().Delete(ctx, key)
	return string(v), nil
}

// OpenDraft opens the ticket held by draft id, through the dispatcher.
func (b *Bot) OpenDraft(ctx context.Context, req Request, id string) Reply {
	text, err := b.TakeDraft(ctx, req.Workspace, req.User.ID, id)
	if err != nil {
		return b.errorReply(req, err)
	}
	req.Command = openFromText(text)
	return b.Dispatch(ctx, req)
}

// DraftCommand turns free text into the open command it would run (to show it before
// confirming).
func DraftCommand(text string) Command { return openFromText(text) }

func draftKey(ws core.Workspace, user, id string) string {
	return "tb:draft:" + ws.String() + ":" + user + ":" + id
}
