package bot

import (
	"context"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// DraftTTL is how long a "open a ticket with this?" draft waits for its button.
const DraftTTL = 15 * time.Minute

// draftsOrErr returns the bot's drafts, or an unavailable error when it has none.
func (b *Bot) draftsOrErr() (*core.Drafts, error) {
	if b.drafts == nil {
		return nil, core.Errorf(core.EUnavailable, "drafts are not set up")
	}
	return b.drafts, nil
}

// SaveDraft keeps text (a DM to the bot) as a draft ticket of user for DraftTTL and returns
// its id, to be carried by the confirm button. Drafts live in the database (core.Drafts), so
// a Redis outage neither loses nor expires them. Errors: invalid, unavailable.
func (b *Bot) SaveDraft(ctx context.Context, ws core.Workspace, user, text string) (string, error) {
	d, err := b.draftsOrErr()
	if err != nil {
		return "", err
	}
	return d.Save(ctx, ws, user, text)
}

// TakeDraft returns and forgets draft id of user (the cancel button). Errors: not_found
// (expired, used or cancelled), unavailable.
func (b *Bot) TakeDraft(ctx context.Context, ws core.Workspace, user, id string) (string, error) {
	d, err := b.draftsOrErr()
	if err != nil {
		return "", err
	}
	dr, err := d.Take(ctx, ws, user, id)
	if core.IsCode(err, core.ENotFound) {
		return "", expiredDraft()
	}
	return dr.Text, err
}

// OpenDraft opens the ticket held by draft id, through the dispatcher. The draft is used up
// only when the ticket is opened: a refused open (rate limit, database down) can be retried
// with the same button, and a second press after success says the ticket exists (the
// draft's id is the ticket's request id, so even two presses at once open one ticket).
func (b *Bot) OpenDraft(ctx context.Context, req Request, id string) Reply {
	d, err := b.draftsOrErr()
	if err != nil {
		return b.errorReply(req, err)
	}
	dr, err := d.Get(ctx, req.Workspace, req.User.ID, id)
	if core.IsCode(err, core.ENotFound) {
		err = expiredDraft()
	}
	if err != nil {
		return b.errorReply(req, err)
	}
	if dr.Opened > 0 {
		return b.errorReply(req, core.Errorf(core.EConflict, "that draft was already opened as ticket #%d", dr.Opened))
	}
	req.Command = Command{Name: "open", Args: Args{"text": dr.Text}}
	req.RequestID = "draft:" + id
	reply := b.Dispatch(ctx, req)
	if reply.Error == nil && reply.Card != nil {
		if err := d.MarkOpened(ctx, req.Workspace, req.User.ID, id, reply.Card.Number); err != nil {
			b.log.Warn("could not mark a draft opened; a second press is refused by its request id", "err", err)
		}
	}
	return reply
}

func expiredDraft() error {
	return core.Errorf(core.ENotFound, "that draft has expired (drafts are kept for %d minutes); send your message again", int(DraftTTL/time.Minute))
}
