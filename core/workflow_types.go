package core

import (
	"context"
	"time"
)

// SavedReply is a named public reply staff send often, kept per workspace.
type SavedReply struct {
	ID        int64
	Workspace Workspace
	// Name is how staff call it (`/ticket reply 7 !name`): 1–64 of a-z, 0-9, - and _.
	Name      string
	Content   string
	Author    UserRef
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Rating is a requester's satisfaction rating of a closed ticket: a score from 1 to 5 and
// an optional comment.
type Rating struct {
	TicketID  int64
	Workspace Workspace
	Score     int
	Comment   string
	Rater     UserRef
	// FirstRatedAt is when the ticket was first rated; a new rating replaces the old one
	// only within RatingWindow of it.
	FirstRatedAt time.Time
	RatedAt      time.Time
}

// RatingWindow is how long after the first rating a second one replaces it.
const RatingWindow = 24 * time.Hour

// WorkflowStore keeps what the helpdesk workflow needs: the scheduler's due tickets and
// lease, saved replies and ratings.
type WorkflowStore interface {
	// DueTickets lists up to limit tickets of ws in status whose Reminded is reminded and
	// whose StatusChangedAt is at or before before, oldest first, through an index.
	// Errors: unavailable, internal.
	DueTickets(ctx context.Context, ws Workspace, status Status, reminded bool, before time.Time, limit int) ([]Ticket, error)
	// AcquireLease gives lease name to owner until now+ttl when it is free, expired or
	// already owner's, and reports whether owner holds it. Two owners never hold it at once.
	// Errors: unavailable, internal.
	AcquireLease(ctx context.Context, name, owner string, now time.Time, ttl time.Duration) (bool, error)
	// ReleaseLease gives up owner's lease name; a lease owner does not hold is left alone.
	// Errors: unavailable, internal.
	ReleaseLease(ctx context.Context, name, owner string) error

	// CreateSavedReply stores r and sets its ID and times. Errors: conflict (name taken in
	// the workspace), unavailable, internal.
	CreateSavedReply(ctx context.Context, r *SavedReply) error
	// SavedReplies lists ws's saved replies by name. Errors: unavailable, internal.
	SavedReplies(ctx context.Context, ws Workspace) ([]SavedReply, error)
	// SavedReply returns saved reply id. Errors: not_found, unavailable, internal.
	SavedReply(ctx context.Context, id int64) (SavedReply, error)
	// SavedReplyByName returns ws's saved reply called name. Errors: not_found, unavailable, internal.
	SavedReplyByName(ctx context.Context, ws Workspace, name string) (SavedReply, error)
	// UpdateSavedReply saves r's name and content. Errors: not_found, conflict, unavailable, internal.
	UpdateSavedReply(ctx context.Context, r *SavedReply) error
	// DeleteSavedReply removes saved reply id. Errors: not_found, unavailable, internal.
	DeleteSavedReply(ctx context.Context, id int64) error

	// RateTicket locks ticket r.TicketID, calls fn with it and its current rating (nil when
	// unrated), and when fn accepts, saves r (keeping the first rating's FirstRatedAt), sets
	// the ticket's Rating and writes change with a ticket.changed event, in one transaction.
	// Errors: not_found, unavailable, internal, and fn's.
	RateTicket(ctx context.Context, r Rating, change Change, fn func(t Ticket, old *Rating) error) (Rating, error)
	// Rating returns ticket id's rating. Errors: not_found, unavailable, internal.
	Rating(ctx context.Context, ticketID int64) (Rating, error)
	// Ratings lists ws's ratings given in [from, to), oldest first. Errors: unavailable, internal.
	Ratings(ctx context.Context, ws Workspace, from, to time.Time) ([]Rating, error)
}
