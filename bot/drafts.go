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
	return id, b.state.Set(ctx, draftKey(ws, user, id), []byte(text), DraftTTL)
}

// TakeDraft returns and forgets draft id of user (the cancel button). Errors: not_found
// (expired, used or cancelled).
func (b *Bot) TakeDraft(ctx context.Context, ws core.Workspace, user, id string) (string, error) {
	key := draftKey(ws, user, id)
	v, err := b.state.Get(ctx, key)
	if core.IsCode(err, core.ENotFound) {
		return "", expiredDraft()
	}
	if err != nil {
		return "", err
	}
	_ = b.state.Delete(ctx, key)
	return string(v), nil
}

// OpenDraft opens the ticket held by draft id, through the dispatcher. The draft is used up
// only when the ticket is opened: a refused open (rate limit, database down) can be retried
// with the same button, and a second press after success says the ticket exists.
func (b *Bot) OpenDraft(ctx context.Context, req Request, id string) Reply {
	key := draftKey(req.Workspace, req.User.ID, id)
	st := b.state
	text, err := st.Get(ctx, key)
	if err != nil {
		if _, used := st.Get(ctx, key+":opened"); used == nil {
			return b.errorReply(req, core.Errorf(core.EConflict, "that draft was already opened as a ticket"))
		}
		if core.IsCode(err, core.ENotFound) {
			err = expiredDraft()
		}
		return b.errorReply(req, err)
	}
	// One press at a time: a double click must not open two tickets.
	if seen, err := st.MarkSeen(ctx, key+":opening", time.Minute); err == nil && seen {
		return b.errorReply(req, core.Errorf(core.EConflict, "that draft is being opened already"))
	}
	req.Command = Command{Name: "open", Args: Args{"text": string(text)}}
	req.RequestID = "draft:" + id // a second press opens nothing, even without the state store
	reply := b.Dispatch(ctx, req)
	if reply.Error != nil {
		_ = st.Delete(ctx, key+":opening")
		return reply
	}
	_ = st.Set(ctx, key+":opened", []byte("1"), DraftTTL)
	_ = st.Delete(ctx, key)
	return reply
}

func expiredDraft() error {
	return core.Errorf(core.ENotFound, "that draft has expired (drafts are kept for 15 minutes); send your message again")
}

func draftKey(ws core.Workspace, user, id string) string {
	return "tb:draft:" + ws.String() + ":" + user + ":" + id
}
