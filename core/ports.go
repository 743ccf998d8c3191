package core

import (
	"context"
	"time"
)

// ListFilter selects tickets for ListTickets. Zero fields do not filter. Results are ordered
// by Sort (newest first by default); After continues after the ticket where the previous page
// ended (keyset pagination, see CursorAfter).
type ListFilter struct {
	Workspace  Workspace
	Statuses   []Status
	Priorities []Priority
	Reporter   string
	Assignee   string
	// Assignees keeps tickets assigned to any of these ids (the linked identities of one
	// person: "web:alice", U123, a Discord id), besides Assignee; at most MaxAssignees.
	Assignees []string
	// Unassigned keeps only tickets nobody is assigned to (Assignee must be empty).
	Unassigned bool
	// Category keeps only tickets of that category (an id).
	Category int64
	// Query is a full-text search over titles, descriptions and messages (see SearchTerms;
	// case and accents are ignored); its results are ordered by how well they match, and
	// Sort does not apply.
	Query string
	// Internal lets Query match internal notes too; the Service sets it from the actor's role
	// (staff only).
	Internal bool
	// Linked also lists, for staff of a workspace that staffs another under a link, that
	// workspace's tickets they may act on (staffFrom): one page (no cursor), not narrowed by
	// Category (categories are a workspace's own). The Service reads it; stores ignore it.
	Linked bool
	Sort   ListSort
	Limit  int
	After  ListCursor
}

// TicketStore keeps tickets and their history. Every method that changes a ticket writes its
// history and its outbox event in the same transaction.
type TicketStore interface {
	// CreateTicket assigns t the next number of its workspace (1, 2, … with no gaps, also across
	// processes), its ID and timestamps, and writes a "created" change and a ticket.opened event.
	// When t.RequestID is set and a ticket of t's workspace already has it, nothing is
	// written: *t becomes that ticket and the error is DuplicateRequest (conflict).
	// Errors: invalid (no workspace), conflict (DuplicateRequest), unavailable, internal.
	CreateTicket(ctx context.Context, t *Ticket) error
	// Ticket returns the ticket with id. Errors: not_found, unavailable, internal.
	Ticket(ctx context.Context, id int64) (Ticket, error)
	// TicketByNumber returns ticket number n of ws. Errors: not_found, unavailable, internal.
	TicketByNumber(ctx context.Context, ws Workspace, n int64) (Ticket, error)
	// Tickets returns the tickets of ids that exist, in id order (a batch of outbox events
	// reads its tickets at once). Errors: unavailable, internal.
	Tickets(ctx context.Context, ids []int64) ([]Ticket, error)
	// ListTickets returns at most f.Limit tickets matching f (with a Query, the tickets of
	// SearchTickets). Errors: unavailable, internal.
	ListTickets(ctx context.Context, f ListFilter) ([]Ticket, error)
	// SearchTickets returns at most f.Limit tickets whose title and description, or one of
	// whose messages (not deleted; internal ones only with f.Internal), have every term of
	// SearchTerms(f.Query), best first — or, for words so common among the newest tickets
	// that ranking every match cannot be bounded by the page, newest first — with a snippet
	// of the matching text; f's other filters narrow it and f.After continues it. Errors:
	// unavailable, internal.
	SearchTickets(ctx context.Context, f ListFilter) ([]SearchHit, error)
	// UpdateTicket loads ticket id under a row lock, calls fn to change it, and if fn returns
	// changes, saves the ticket, the changes and one ticket.changed event. fn's error is
	// returned as is. fn runs inside the transaction: it must not call the store, and it may
	// run more than once when the transaction is retried (deadlock, busy), so it must be pure.
	// Errors: not_found, unavailable, internal, and fn's.
	UpdateTicket(ctx context.Context, id int64, fn func(t *Ticket) ([]Change, error)) (Ticket, error)
	// History returns ticket id's changes, oldest first. Errors: unavailable, internal.
	History(ctx context.Context, id int64) ([]Change, error)
	// Workspaces lists every workspace that has tickets, sorted. Errors: unavailable, internal.
	Workspaces(ctx context.Context) ([]Workspace, error)
	// CountTickets counts, per status, the tickets matching f's workspace, reporter,
	// assignee and priorities, exactly. Errors: unavailable, internal.
	CountTickets(ctx context.Context, f ListFilter) (StatusCounts, error)
}

// MessageStore keeps tickets' conversations and where each message was copied.
type MessageStore interface {
	// AddMessage stores m unless a message with the same TicketID and ExternalID exists, in
	// which case that one is returned with created=false. A new message gets, in the same
	// transaction, a message.added event and one message.copy event per place in copyTo (on
	// that place's platform), plus one per place core.Copies gives m among the places read
	// under the ticket's lock that copyTo lacks (made after the caller read them); AddPlace
	// takes the same lock, so a place made later finds m through LateCopies.
	// Errors: not_found (ticket), unavailable, internal.
	AddMessage(ctx context.Context, m Message, copyTo []Place) (stored Message, created bool, err error)
	// EditMessage replaces the content of (or, with deleted, marks deleted) the message of
	// ticketID with externalID, and writes a message.copy event for each place in copyTo so the
	// copies follow. Errors: not_found, unavailable, internal.
	EditMessage(ctx context.Context, ticketID int64, externalID, content string, deleted bool, copyTo []Place) (Message, error)
	// PublishMessage makes the internal message of ticketID with externalID public and writes a
	// message.copy event for each place in copyTo. Errors: not_found, unavailable, internal.
	PublishMessage(ctx context.Context, ticketID int64, externalID string, copyTo []Place) (Message, error)
	// MessageByExternalID returns the message of ticketID with externalID.
	// Errors: not_found, unavailable, internal.
	MessageByExternalID(ctx context.Context, ticketID int64, externalID string) (Message, error)
	// RecordCopy records that message id was copied into place as externalID (a platform
	// message id); recording it again replaces it. Errors: unavailable, internal.
	RecordCopy(ctx context.Context, messageID, placeID int64, externalID string) error
	// CopyOf returns the platform id of message id's copy in place. Errors: not_found,
	// unavailable, internal.
	CopyOf(ctx context.Context, messageID, placeID int64) (string, error)
	// MessageByCopy returns the message whose copy in place is externalID (a reaction or an
	// edit on a copy). Errors: not_found, unavailable, internal.
	MessageByCopy(ctx context.Context, placeID int64, externalID string) (Message, error)
	// Message returns one message by id. Errors: not_found, unavailable, internal.
	Message(ctx context.Context, id int64) (Message, error)
	// Messages returns ticket id's messages, oldest first. Errors: unavailable, internal.
	Messages(ctx context.Context, ticketID int64) ([]Message, error)
}

// PlaceStore keeps where each side of a ticket's conversation lives.
type PlaceStore interface {
	// AddPlace records p for its ticket and sets its ID; a place with the same workspace,
	// channel and thread (or, without a thread, the same ticket, kind and workspace) is
	// returned instead. Errors: not_found (ticket), unavailable, internal.
	AddPlace(ctx context.Context, p Place) (Place, error)
	// AddPlaces records places that each have a thread, at once, by AddPlace's rules (a place
	// already recorded for the thread is kept; one of a ticket that is gone is skipped).
	// Errors: invalid (a place without a thread), unavailable, internal.
	AddPlaces(ctx context.Context, ps []Place) error
	// UpdatePlace saves p's thread and card. Errors: not_found, unavailable, internal.
	UpdatePlace(ctx context.Context, p Place) error
	// Places returns ticket id's places, oldest first. Errors: unavailable, internal.
	Places(ctx context.Context, ticketID int64) ([]Place, error)
	// PlacesOf returns the places of the tickets ticketIDs, oldest first.
	// Errors: unavailable, internal.
	PlacesOf(ctx context.Context, ticketIDs []int64) ([]Place, error)
	// Place returns one place by id. Errors: not_found, unavailable, internal.
	Place(ctx context.Context, id int64) (Place, error)
	// PlaceByThread returns the place that is thread threadID (or, with an empty threadID,
	// the card-less channel) in channelID of ws. Errors: not_found, unavailable, internal.
	PlaceByThread(ctx context.Context, ws Workspace, channelID, threadID string) (Place, error)
}

// SettingsStore keeps workspace settings.
type SettingsStore interface {
	// Settings returns ws's settings. Errors: not_found, unavailable, internal.
	Settings(ctx context.Context, ws Workspace) (Settings, error)
	// SaveSettings creates or replaces s and writes a settings.changed event.
	// Errors: unavailable, internal.
	SaveSettings(ctx context.Context, s Settings, by UserRef) error
	// AllSettings lists every workspace's settings in workspace order.
	// Errors: unavailable, internal.
	AllSettings(ctx context.Context) ([]Settings, error)
}

// Outbox hands committed events to dispatchers. A claim is a lease: only its owner may mark
// the event, and an expired lease lets another dispatcher claim it again. Like every store
// method, these may also return unavailable when the database is unreachable.
type Outbox interface {
	// ClaimEvents leases up to limit undelivered events that are due at now and are the oldest
	// undelivered event of their ticket, to owner until now+lease. With platforms, only events
	// of workspaces on those platforms are claimed (the others wait for a dispatcher that has
	// their notifier). Two owners never hold the same event at once.
	// Errors: unavailable, internal.
	ClaimEvents(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int, platforms ...Platform) ([]Event, error)
	// RenewLeases extends owner's leases on the undelivered events ids to until (a heartbeat
	// while a batch is being delivered) and returns how many it extended; events owner no
	// longer holds are left alone. Errors: unavailable, internal.
	RenewLeases(ctx context.Context, owner string, ids []int64, until time.Time) (int64, error)
	// MarkDelivered records that owner delivered event id. Errors: conflict (lease lost or
	// unknown id), unavailable, internal.
	MarkDelivered(ctx context.Context, id int64, owner string, at time.Time) error
	// MarkDeliveredMany is MarkDelivered of many events in one write (the dispatcher marks
	// a pass's deliveries together); events owner does not hold are left alone, and the
	// count it marked is returned. Errors: unavailable, internal.
	MarkDeliveredMany(ctx context.Context, ids []int64, owner string, at time.Time) (int64, error)
	// MarkFailed releases owner's lease on event id and makes it due again at next.
	// Errors: conflict (lease lost or unknown id), unavailable, internal.
	MarkFailed(ctx context.Context, id int64, owner string, next time.Time, reason string) error
	// PendingEvents counts undelivered events. Errors: unavailable, internal.
	PendingEvents(ctx context.Context) (int64, error)
	// PurgeDelivered deletes up to limit events delivered before before and returns how many
	// it deleted; undelivered events are never deleted. Errors: unavailable, internal.
	PurgeDelivered(ctx context.Context, before time.Time, limit int) (int64, error)
}

// Account is a web login. A requester account belongs to one Workspace; staff and admin
// accounts belong to none and see every workspace.
type Account struct {
	ID           int64
	Name         string
	Role         Role
	Workspace    Workspace
	PasswordHash []byte
	CreatedAt    time.Time
}

// APIToken is a REST API credential; only the SHA-256 hash of the secret is kept. A token
// with a Workspace sees only that workspace; a nil ExpiresAt never expires.
type APIToken struct {
	ID        int64
	Name      string
	Hash      []byte
	Scope     Scope
	Workspace Workspace
	CreatedAt time.Time
	ExpiresAt *time.Time
	RevokedAt *time.Time
}

// LoginFailures counts the failed sign-ins of one key (an account or a client address).
type LoginFailures struct {
	Count int
	Last  time.Time
}

// AccountStore keeps web accounts, API tokens and sign-in failure counts.
type AccountStore interface {
	// CreateAccount stores a; a.Name must be new. Errors: conflict, unavailable, internal.
	CreateAccount(ctx context.Context, a *Account) error
	// AccountByName returns the account called name. Errors: not_found, unavailable, internal.
	AccountByName(ctx context.Context, name string) (Account, error)
	// Accounts lists every account by name. Errors: unavailable, internal.
	Accounts(ctx context.Context) ([]Account, error)
	// UpdateAccount loads the account called name and every admin account under row locks,
	// calls fn with the account and the number of OTHER admin accounts, saves what fn changed
	// (role, workspace, password hash) and deletes every session of the account, all in one
	// transaction. fn may run more than once; it must be pure. Errors: not_found,
	// unavailable, internal, and fn's.
	UpdateAccount(ctx context.Context, name string, fn func(a *Account, otherAdmins int) error) (Account, error)
	// DeleteAccount removes the account called name and its sessions after fn (which may be
	// nil) accepted it, under the same locks as UpdateAccount. Errors: not_found,
	// unavailable, internal, and fn's.
	DeleteAccount(ctx context.Context, name string, fn func(a Account, otherAdmins int) error) error
	// CreateToken stores t; an active token's name must be new. Errors: conflict, unavailable, internal.
	CreateToken(ctx context.Context, t *APIToken) error
	// TokenByHash returns the unrevoked token with hash (expired or not).
	// Errors: not_found, unavailable, internal.
	TokenByHash(ctx context.Context, hash []byte) (APIToken, error)
	// Tokens lists unrevoked tokens by name. Errors: unavailable, internal.
	Tokens(ctx context.Context) ([]APIToken, error)
	// RevokeToken revokes the active token called name. Errors: not_found, unavailable, internal.
	RevokeToken(ctx context.Context, name string, at time.Time) error
	// LoginFailures returns key's failed sign-ins (zero when there are none).
	// Errors: unavailable, internal.
	LoginFailures(ctx context.Context, key string) (LoginFailures, error)
	// RecordLoginFailure adds one failure at at to key, counting from zero again when key's
	// last failure was before since, and returns the new count. Concurrent calls never lose a
	// failure. Errors: unavailable, internal.
	RecordLoginFailure(ctx context.Context, key string, at, since time.Time) (LoginFailures, error)
	// ClearLoginFailures forgets key's failures. Errors: unavailable, internal.
	ClearLoginFailures(ctx context.Context, key string) error
	// PurgeLoginFailures forgets every key whose last failure was before before.
	// Errors: unavailable, internal.
	PurgeLoginFailures(ctx context.Context, before time.Time) (int64, error)
}

// Session is a signed-in browser. Only a hash of the cookie's secret is stored.
type Session struct {
	ID        int64
	Hash      []byte
	AccountID int64
	CSRF      string
	CreatedAt time.Time
	ExpiresAt time.Time
	LastSeen  time.Time
}

// SessionStore keeps web sessions in the database, so they survive a Redis outage and a
// sign-out is final.
type SessionStore interface {
	// DeploymentID returns this deployment's random id, creating it on first use; every
	// process sharing the database gets the same one. Errors: unavailable, internal.
	DeploymentID(ctx context.Context) (string, error)
	// CreateSession stores s. Errors: not_found (account gone), conflict, unavailable, internal.
	CreateSession(ctx context.Context, s *Session) error
	// SessionByHash returns the session with hash and its account.
	// Errors: not_found, unavailable, internal.
	SessionByHash(ctx context.Context, hash []byte) (Session, Account, error)
	// TouchSession sets the session's LastSeen. Errors: unavailable, internal.
	TouchSession(ctx context.Context, id int64, at time.Time) error
	// DeleteSession removes the session with hash; a missing one is no error.
	// Errors: unavailable, internal.
	DeleteSession(ctx context.Context, hash []byte) error
	// PurgeSessions deletes sessions that expired before before. Errors: unavailable, internal.
	PurgeSessions(ctx context.Context, before time.Time) (int64, error)
}

// Store is everything the Service keeps in the database.
type Store interface {
	TicketStore
	MessageStore
	PlaceStore
	SettingsStore
	CategoryStore
	WorkflowStore
	SLAStore
	Outbox
	AccountStore
	SessionStore
	// Ping checks the database answers. Errors: unavailable.
	Ping(ctx context.Context) error
}

// StateStore keeps short-lived state shared by all replicas: conversation drafts, caches and
// de-duplication marks. Keys are namespaced by the caller ("tb:dedupe:slack:Ev123").
type StateStore interface {
	// Get returns the value of key. Errors: not_found (missing or expired), unavailable.
	Get(ctx context.Context, key string) ([]byte, error)
	// Set stores value under key for ttl. Errors: unavailable.
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// Delete removes key; a missing key is not an error. Errors: unavailable.
	Delete(ctx context.Context, key string) error
	// MarkSeen records key for ttl and reports whether it was already recorded (SET NX).
	// Errors: unavailable.
	MarkSeen(ctx context.Context, key string, ttl time.Duration) (seen bool, err error)
	// Ping checks the state store answers. Errors: unavailable.
	Ping(ctx context.Context) error
}

// KeyValue is one key and its value, for SetMany.
type KeyValue struct {
	Key   string
	Value []byte
}

// ManySetter is a StateStore that stores many keys in one round trip (a pipeline); Cache.SetMany
// uses it where the store has it and sets the keys one by one where it has not.
type ManySetter interface {
	// SetMany stores each value under its key for ttl, as Set does; a later key of kvs wins
	// over an earlier one with the same name. Errors: unavailable.
	SetMany(ctx context.Context, kvs []KeyValue, ttl time.Duration) error
}

// ManyDeleter is a StateStore that removes many keys in one round trip (a pipeline);
// deleteMany uses it where the store has it and removes the keys one by one where it has not.
type ManyDeleter interface {
	// DeleteMany removes each of keys, as Delete does. Errors: unavailable.
	DeleteMany(ctx context.Context, keys []string) error
}

// Limit is a rate: Rate events per Period, with bursts of up to Burst.
type Limit struct {
	Rate   int
	Period time.Duration
	Burst  int
}

// Decision is a Limiter's answer.
type Decision struct {
	Allowed    bool
	RetryAfter time.Duration
}

// Limiter is a shared rate limiter (GCRA).
type Limiter interface {
	// Allow takes one event from key's allowance under l. Errors: unavailable.
	Allow(ctx context.Context, key string, l Limit) (Decision, error)
}

// ManyLimiter is a Limiter that takes events from many keys' allowances in one round trip
// (a pipeline); Throttle.AllowMany uses it where the limiter has it and asks key by key where
// it has not.
type ManyLimiter interface {
	// AllowMany takes one event from each of keys' allowances under l, in order (a key named
	// twice takes two), as Allow does for each. Errors: invalid, unavailable.
	AllowMany(ctx context.Context, keys []string, l Limit) ([]Decision, error)
}

// Notifier delivers outbox events of its platform's workspaces to that platform (post or
// update the ticket card, DM the reporter, post into the thread). A returned error makes the
// dispatcher retry later with backoff; wrap it with Permanent when retrying cannot help.
type Notifier interface {
	Platform() Platform
	Notify(ctx context.Context, ev Event) error
}

// BatchNotifier is a Notifier that reads what a batch of its events needs at once (their
// tickets and places in a few queries, not a few per event). The dispatcher hands it each
// claimed batch's events of its platform and delivers them through the Notifier it returns,
// one by one as before; when Batch fails, they are delivered by Notify alone.
type BatchNotifier interface {
	Notifier
	Batch(ctx context.Context, evs []Event) (Notifier, error)
}

// BatchFinisher is a batch's Notifier (see BatchNotifier) that leaves some records of its
// deliveries to one write once they are all done (the places of the cards it posted). The
// dispatcher calls Finish once per batch, before the batch's events are marked delivered;
// when it fails, they are not marked but delivered again later, and their retries find what
// was posted.
type BatchFinisher interface {
	Finish(ctx context.Context) error
}

// Clock tells the time; tests inject a fake.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }
