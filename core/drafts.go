package core

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"
)

// Draft is text a user sent the bot (a DM) that waits for their "open a ticket with this?"
// button.
type Draft struct {
	ID        string
	Workspace Workspace
	User      string
	Text      string
	ExpiresAt time.Time
	// Opened is the number of the ticket the draft opened; 0 while it has opened none.
	Opened int64
}

// DraftStore keeps drafts in the database. Drafts live there, not in the state store:
// a draft made while Redis is down must not be lost while its button is shown, and a
// valid draft must not read as expired. (Carrying the text in the button itself would fit
// Slack's 2000-character button value but not Discord's 100-character custom_id, so both
// platforms keep only the draft's id in the button.)
type DraftStore interface {
	// SaveDraft stores d (its ID new). Errors: unavailable, internal.
	SaveDraft(ctx context.Context, d Draft) error
	// Draft returns draft id of user in ws. Errors: not_found, unavailable, internal.
	Draft(ctx context.Context, ws Workspace, user, id string) (Draft, error)
	// SetDraftOpened records that draft id of user in ws opened ticket number n.
	// Errors: not_found, unavailable, internal.
	SetDraftOpened(ctx context.Context, ws Workspace, user, id string, n int64) error
	// DeleteDraft removes draft id of user in ws; a missing draft is not an error.
	// Errors: unavailable, internal.
	DeleteDraft(ctx context.Context, ws Workspace, user, id string) error
	// PurgeDrafts deletes drafts that expired before before. Errors: unavailable, internal.
	PurgeDrafts(ctx context.Context, before time.Time) error
}

// DraftsConfig builds Drafts; zero fields take the defaults in brackets.
type DraftsConfig struct {
	Store DraftStore
	Clock Clock
	// TTL is how long a draft waits for its button [15m].
	TTL time.Duration
}

// Drafts keeps users' drafts durably, for the time their buttons are valid.
type Drafts struct {
	cfg DraftsConfig
}

// NewDrafts builds Drafts on c.Store.
func NewDrafts(c DraftsConfig) *Drafts {
	if c.Clock == nil {
		c.Clock = SystemClock{}
	}
	if c.TTL <= 0 {
		c.TTL = 15 * time.Minute
	}
	return &Drafts{cfg: c}
}

// TTL is how long a draft is kept.
func (d *Drafts) TTL() time.Duration { return d.cfg.TTL }

// Save keeps text as a draft of user in ws and returns its id (for the button).
// Errors: invalid (empty or too long), unavailable, internal.
func (d *Drafts) Save(ctx context.Context, ws Workspace, user, text string) (string, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return "", Errorf(EInvalid, "a draft needs some text")
	}
	if len(text) > 4*(MaxTitleRunes+MaxDescriptionRunes) {
		return "", Errorf(EInvalid, "that message is too long for a ticket")
	}
	var raw [12]byte
	_, _ = rand.Read(raw[:])
	now := d.cfg.Clock.Now()
	dr := Draft{ID: hex.EncodeToString(raw[:]), Workspace: ws, User: user, Text: text, ExpiresAt: now.Add(d.cfg.TTL)}
	// Expired drafts are swept by whoever saves the next one: no timer of its own.
	_ = d.cfg.Store.PurgeDrafts(ctx, now)
	if err := d.cfg.Store.SaveDraft(ctx, dr); err != nil {
		return "", err
	}
	return dr.ID, nil
}

// Get returns draft id of user in ws, if it has not expired. Errors: not_found, unavailable, internal.
func (d *Drafts) Get(ctx context.Context, ws Workspace, user, id string) (Draft, error) {
	dr, err := d.cfg.Store.Draft(ctx, ws, user, id)
	if err != nil {
		return Draft{}, err
	}
	if !d.cfg.Clock.Now().Before(dr.ExpiresAt) {
		return Draft{}, Errorf(ENotFound, "draft expired")
	}
	return dr, nil
}

// Take returns and forgets draft id of user in ws (the cancel button).
// Errors: not_found, unavailable, internal.
func (d *Drafts) Take(ctx context.Context, ws Workspace, user, id string) (Draft, error) {
	dr, err := d.Get(ctx, ws, user, id)
	if err != nil {
		return Draft{}, err
	}
	return dr, d.cfg.Store.DeleteDraft(ctx, ws, user, id)
}

// MarkOpened records that draft id opened ticket number n, so a later press says so.
// Errors: not_found, unavailable, internal.
func (d *Drafts) MarkOpened(ctx context.Context, ws Workspace, user, id string, n int64) error {
	return d.cfg.Store.SetDraftOpened(ctx, ws, user, id, n)
}
