package core

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on ticket text.
const (
	MaxTitleRunes       = 120
	MaxDescriptionRunes = 4000
	MaxMessageRunes     = 4000
)

// Cache lifetimes for thread lookups.
const (
	threadCacheTTL    = 10 * time.Minute
	threadNegativeTTL = 30 * time.Second
)

// Service holds every business rule and permission check of ticketbot. Adapters call it with
// the Actor they resolved; it never talks to a chat platform itself.
type Service struct {
	store  Store
	state  StateStore
	lim    Limiter
	clock  Clock
	log    *slog.Logger
	kick   func()
	opened func(Ticket)
}

// ServiceConfig are the Service's dependencies.
type ServiceConfig struct {
	Store   Store
	State   StateStore
	Limiter Limiter
	Clock   Clock
	Log     *slog.Logger
	// Committed is called after every change that wrote an outbox event (to wake the
	// outbox dispatcher at once).
	Committed func()
	// Opened is called after a ticket is opened (metrics).
	Opened func(Ticket)
}

// NewService builds a Service. State and Limiter should already be wrapped with NewFailOpen
// when they are remote.
func NewService(c ServiceConfig) *Service {
	if c.Clock == nil {
		c.Clock = SystemClock{}
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Committed == nil {
		c.Committed = func() {}
	}
	if c.Opened == nil {
		c.Opened = func(Ticket) {}
	}
	return &Service{store: c.Store, state: c.State, lim: c.Limiter, clock: c.Clock, log: c.Log, kick: c.Committed, opened: c.Opened}
}

// Store returns the store, for the outbox dispatcher and health checks.
func (s *Service) Store() Store { return s.store }

// State returns the state store (drafts, caches, de-duplication).
func (s *Service) State() StateStore { return s.state }

// OpenInput is what OpenTicket needs.
type OpenInput struct {
	Workspace     Workspace
	Title         string
	Description   string
	Priority      string
	OriginChannel string
}

// OpenTicket opens a ticket reported by actor. Errors: invalid, forbidden, unavailable, internal.
func (s *Service) OpenTicket(ctx context.Context, actor Actor, in OpenInput) (Ticket, error) {
	if in.Workspace.IsZero() {
		in.Workspace = actor.Workspace
	}
	if _, err := ParseWorkspace(in.Workspace.String()); err != nil {
		return Ticket{}, err
	}
	if err := canAccessWorkspace(actor, in.Workspace); err != nil {
		return Ticket{}, err
	}
	title := CleanText(in.Title)
	if title == "" {
		return Ticket{}, FieldError("title", "a ticket needs a title")
	}
	if n := utf8.RuneCountInString(title); n > MaxTitleRunes {
		return Ticket{}, FieldError("title", "the title is %d characters long; the limit is %d", n, MaxTitleRunes)
	}
	desc := CleanText(in.Description)
	if n := utf8.RuneCountInString(desc); n > MaxDescriptionRunes {
		return Ticket{}, FieldError("description", "the description is %d characters long; the limit is %d", n, MaxDescriptionRunes)
	}
	prio, err := ParsePriority(in.Priority)
	if err != nil {
		return Ticket{}, FieldError("priority", "%s", ErrorMessage(err))
	}
	t := Ticket{
		Workspace:     in.Workspace,
		Title:         title,
		Description:   desc,
		Status:        StatusOpen,
		Priority:      prio,
		Reporter:      actor.User,
		OriginChannel: in.OriginChannel,
	}
	if err := s.store.CreateTicket(ctx, &t); err != nil {
		return Ticket{}, err
	}
	s.kick()
	s.opened(t)
	return t, nil
}

// Ticket returns ticket id if actor may see it. Errors: not_found, unavailable, internal.
func (s *Service) Ticket(ctx context.Context, actor Actor, id int64) (Ticket, error) {
	t, err := s.store.Ticket(ctx, id)
	if err != nil {
		return Ticket{}, err
	}
	if !canSee(actor, t) {
		return Ticket{}, ticketNotFound()
	}
	return t, nil
}

// TicketByNumber returns ticket n of ws if actor may see it. Errors: not_found, unavailable, internal.
func (s *Service) TicketByNumber(ctx context.Context, actor Actor, ws Workspace, n int64) (Ticket, error) {
	if n <= 0 {
		return Ticket{}, Errorf(EInvalid, "ticket numbers start at 1")
	}
	t, err := s.store.TicketByNumber(ctx, ws, n)
	if err != nil {
		return Ticket{}, err
	}
	if !canSee(actor, t) {
		return Ticket{}, Errorf(ENotFound, "ticket #%d not found", n)
	}
	return t, nil
}

// ListTickets lists the tickets actor may see that match f. Requesters only ever see their
// own; workspace-bound actors only their workspace. Errors: invalid, forbidden, unavailable, internal.
func (s *Service) ListTickets(ctx context.Context, actor Actor, f ListFilter) ([]Ticket, error) {
	if !actor.Workspace.IsZero() {
		if !f.Workspace.IsZero() && f.Workspace != actor.Workspace {
			return nil, Errorf(EForbidden, "you can only list tickets of your own workspace")
		}
		f.Workspace = actor.Workspace
	} else if !actor.Role.AtLeast(RoleStaff) {
		return nil, Errorf(EForbidden, "only staff can list tickets")
	}
	if !actor.Role.AtLeast(RoleStaff) {
		f.Reporter = actor.User.ID
	}
	switch {
	case f.Limit <= 0:
		f.Limit = 50
	case f.Limit > 200:
		f.Limit = 200
	}
	if f.After < 0 {
		return nil, Errorf(EInvalid, "bad cursor")
	}
	f.Query = strings.TrimSpace(f.Query)
	return s.store.ListTickets(ctx, f)
}

// Workspaces lists the workspaces actor may filter by: its own, or for dashboard and API
// staff every workspace that has tickets. Errors: forbidden, unavailable, internal.
func (s *Service) Workspaces(ctx context.Context, actor Actor) ([]Workspace, error) {
	if !actor.Workspace.IsZero() {
		return []Workspace{actor.Workspace}, nil
	}
	if !actor.Role.AtLeast(RoleStaff) {
		return nil, Errorf(EForbidden, "only staff can list workspaces")
	}
	return s.store.Workspaces(ctx)
}

// SetStatus moves ticket id to status with an optional note. Staff may make any allowed
// transition; the reporter may only close their ticket or reopen it.
// Errors: invalid, not_found, forbidden, conflict, unavailable, internal.
func (s *Service) SetStatus(ctx context.Context, actor Actor, id int64, to Status, note string) (Ticket, error) {
	if _, err := ParseStatus(string(to)); err != nil {
		return Ticket{}, err
	}
	note = CleanText(note)
	if n := utf8.RuneCountInString(note); n > MaxDescriptionRunes {
		return Ticket{}, Errorf(EInvalid, "the note is %d characters long; the limit is %d", n, MaxDescriptionRunes)
	}
	return s.update(ctx, actor, id, func(t *Ticket) ([]Change, error) {
		if err := canChangeStatus(actor, *t, to); err != nil {
			return nil, err
		}
		if err := checkTransition(t.Number, t.Status, to); err != nil {
			return nil, err
		}
		c := s.change(actor, "status", string(t.Status), string(to), note)
		t.Status = to
		t.StatusNote = note
		return []Change{c}, nil
	})
}

// Close closes ticket id with an optional reason (see SetStatus for who may).
func (s *Service) Close(ctx context.Context, actor Actor, id int64, reason string) (Ticket, error) {
	return s.SetStatus(ctx, actor, id, StatusClosed, reason)
}

// Reopen moves a resolved or closed ticket back to open (see SetStatus for who may).
func (s *Service) Reopen(ctx context.Context, actor Actor, id int64, note string) (Ticket, error) {
	return s.SetStatus(ctx, actor, id, StatusOpen, note)
}

// Assign makes assignee responsible for ticket id; a zero assignee unassigns. Staff only.
// Errors: not_found, forbidden, conflict, unavailable, internal.
func (s *Service) Assign(ctx context.Context, actor Actor, id int64, assignee UserRef) (Ticket, error) {
	return s.update(ctx, actor, id, func(t *Ticket) ([]Change, error) {
		if !actor.Role.AtLeast(RoleStaff) {
			return nil, Errorf(EForbidden, "only staff can assign tickets")
		}
		if t.Assignee.ID == assignee.ID {
			if assignee.IsZero() {
				return nil, Errorf(EConflict, "ticket #%d is not assigned", t.Number)
			}
			return nil, Errorf(EConflict, "ticket #%d is already assigned to %s", t.Number, displayName(assignee))
		}
		c := s.change(actor, "assignee", t.Assignee.ID, assignee.ID, "")
		t.Assignee = assignee
		return []Change{c}, nil
	})
}

// Claim assigns ticket id to actor. Staff only.
func (s *Service) Claim(ctx context.Context, actor Actor, id int64) (Ticket, error) {
	return s.Assign(ctx, actor, id, actor.User)
}

// SetPriority changes ticket id's priority. Staff only.
// Errors: invalid, not_found, forbidden, conflict, unavailable, internal.
func (s *Service) SetPriority(ctx context.Context, actor Actor, id int64, p Priority) (Ticket, error) {
	if _, err := ParsePriority(string(p)); err != nil || p == "" {
		return Ticket{}, Errorf(EInvalid, "unknown priority %q (use low, normal, high or urgent)", p)
	}
	return s.update(ctx, actor, id, func(t *Ticket) ([]Change, error) {
		if !actor.Role.AtLeast(RoleStaff) {
			return nil, Errorf(EForbidden, "only staff can change the priority")
		}
		if t.Priority == p {
			return nil, Errorf(EConflict, "ticket #%d is already %s priority", t.Number, p)
		}
		c := s.change(actor, "priority", string(t.Priority), string(p), "")
		t.Priority = p
		return []Change{c}, nil
	})
}

func (s *Service) update(ctx context.Context, actor Actor, id int64, fn func(t *Ticket) ([]Change, error)) (Ticket, error) {
	t, err := s.store.UpdateTicket(ctx, id, func(t *Ticket) ([]Change, error) {
		if !canSee(actor, *t) {
			return nil, ticketNotFound()
		}
		return fn(t)
	})
	if err == nil {
		s.kick()
	}
	return t, err
}

func (s *Service) change(actor Actor, field, from, to, note string) Change {
	return Change{Actor: actor.User, Field: field, From: from, To: to, Note: note, At: s.clock.Now()}
}

// MessageInput is a message to add to a ticket.
type MessageInput struct {
	ExternalID  string
	Content     string
	Attachments []Attachment
	Source      string
	// Deliver asks for the message to be posted into the ticket's thread (messages written in
	// the dashboard or the API); messages that came from the thread itself are only stored.
	Deliver bool
}

// AddMessage adds a message by actor to ticket id, idempotently on in.ExternalID.
// Errors: invalid, not_found, forbidden, unavailable, internal.
func (s *Service) AddMessage(ctx context.Context, actor Actor, id int64, in MessageInput) (Message, bool, error) {
	t, err := s.store.Ticket(ctx, id)
	if err != nil {
		return Message{}, false, err
	}
	if in.Deliver {
		// Written outside the thread (dashboard, API): the usual rules.
		if !canSee(actor, t) {
			return Message{}, false, ticketNotFound()
		}
		if !actor.Role.AtLeast(RoleStaff) && t.Reporter.ID != actor.User.ID {
			return Message{}, false, Errorf(EForbidden, "only staff and the reporter can write to ticket #%d", t.Number)
		}
	} else if actor.Workspace != t.Workspace {
		// Written in the ticket's own thread: whoever the platform lets write there is part
		// of the conversation, as long as it is the ticket's workspace.
		return Message{}, false, ticketNotFound()
	}
	content := CleanText(in.Content)
	if content == "" && len(in.Attachments) == 0 {
		return Message{}, false, Errorf(EInvalid, "a message needs some text")
	}
	if n := utf8.RuneCountInString(content); n > MaxMessageRunes {
		return Message{}, false, Errorf(EInvalid, "the message is %d characters long; the limit is %d", n, MaxMessageRunes)
	}
	if in.ExternalID == "" {
		return Message{}, false, Errorf(EInvalid, "a message needs an id")
	}
	m := Message{
		TicketID:    t.ID,
		ExternalID:  in.ExternalID,
		Author:      actor.User,
		Content:     content,
		Attachments: in.Attachments,
		Source:      in.Source,
	}
	stored, created, err := s.store.AddMessage(ctx, m, in.Deliver)
	if err == nil && created && in.Deliver {
		s.kick()
	}
	return stored, created, err
}

// EditMessage records an edit (or, with deleted, a deletion) of a thread message.
// Errors: not_found, unavailable, internal.
func (s *Service) EditMessage(ctx context.Context, ticketID int64, externalID, content string, deleted bool) (Message, error) {
	return s.store.EditMessage(ctx, ticketID, externalID, CleanText(content), deleted)
}

// Messages returns ticket id's conversation. Errors: not_found, unavailable, internal.
func (s *Service) Messages(ctx context.Context, actor Actor, id int64) ([]Message, error) {
	if _, err := s.Ticket(ctx, actor, id); err != nil {
		return nil, err
	}
	return s.store.Messages(ctx, id)
}

// History returns ticket id's changes. Errors: not_found, unavailable, internal.
func (s *Service) History(ctx context.Context, actor Actor, id int64) ([]Change, error) {
	if _, err := s.Ticket(ctx, actor, id); err != nil {
		return nil, err
	}
	return s.store.History(ctx, id)
}

// TicketForThread finds the ticket whose conversation is thread threadID in channelID of ws,
// through a StateStore cache (this runs for every thread reply).
// Errors: not_found, unavailable, internal.
func (s *Service) TicketForThread(ctx context.Context, ws Workspace, channelID, threadID string) (Ticket, error) {
	key := threadKey(ws, channelID, threadID)
	if v, err := s.state.Get(ctx, key); err == nil {
		id, _ := strconv.ParseInt(string(v), 10, 64)
		if id == 0 {
			return Ticket{}, Errorf(ENotFound, "not a ticket thread")
		}
		if t, err := s.store.Ticket(ctx, id); err == nil {
			return t, nil
		}
	}
	t, err := s.store.TicketByThread(ctx, ws, channelID, threadID)
	switch {
	case IsCode(err, ENotFound):
		_ = s.state.Set(ctx, key, []byte("0"), threadNegativeTTL)
		return Ticket{}, err
	case err != nil:
		return Ticket{}, err
	}
	_ = s.state.Set(ctx, key, []byte(strconv.FormatInt(t.ID, 10)), threadCacheTTL)
	return t, nil
}

// AttachThread records where ticket id's conversation lives (called by a Notifier after it
// posted the card). Errors: not_found, unavailable, internal.
func (s *Service) AttachThread(ctx context.Context, id int64, ref ThreadRef) error {
	t, err := s.store.Ticket(ctx, id)
	if err != nil {
		return err
	}
	if err := s.store.SetThread(ctx, id, ref); err != nil {
		return err
	}
	return s.state.Delete(ctx, threadKey(t.Workspace, ref.ChannelID, ref.ThreadID))
}

func threadKey(ws Workspace, channelID, threadID string) string {
	return "tb:thread:" + ws.String() + ":" + channelID + ":" + threadID
}

// Settings returns ws's settings; a workspace never set up gets zero settings.
// Errors: unavailable, internal.
func (s *Service) Settings(ctx context.Context, ws Workspace) (Settings, error) {
	st, err := s.store.Settings(ctx, ws)
	if IsCode(err, ENotFound) {
		return Settings{Workspace: ws}, nil
	}
	return st, err
}

// UpdateSettings saves ws's settings. Admins only. Errors: invalid, forbidden, unavailable, internal.
func (s *Service) UpdateSettings(ctx context.Context, actor Actor, st Settings) error {
	if err := canAccessWorkspace(actor, st.Workspace); err != nil {
		return err
	}
	if !actor.Role.AtLeast(RoleAdmin) {
		return Errorf(EForbidden, "only workspace admins can change the helpdesk settings")
	}
	if strings.TrimSpace(st.Channel) == "" {
		return Errorf(EInvalid, "the helpdesk needs a channel")
	}
	st.UpdatedAt = s.clock.Now()
	if err := s.store.SaveSettings(ctx, st, actor.User); err != nil {
		return err
	}
	s.kick()
	return nil
}

// FirstDelivery reports whether key (e.g. "slack:event:Ev123") is seen for the first time in
// the last ttl. While the state store is down it answers true: the database's unique keys
// still stop double writes.
func (s *Service) FirstDelivery(ctx context.Context, key string, ttl time.Duration) bool {
	seen, err := s.state.MarkSeen(ctx, "tb:dedupe:"+key, ttl)
	if err != nil {
		s.log.Warn("de-duplication unavailable", "err", err)
		return true
	}
	return !seen
}

// ForgetDelivery undoes FirstDelivery for key, so a platform's retry of a delivery that
// failed for a passing reason (the database was down) is processed. Errors: unavailable.
func (s *Service) ForgetDelivery(ctx context.Context, key string) error {
	return s.state.Delete(ctx, "tb:dedupe:"+key)
}

// Allow takes one event from key's allowance under l; it fails open when the limiter is down.
func (s *Service) Allow(ctx context.Context, key string, l Limit) Decision {
	d, err := s.lim.Allow(ctx, "tb:rl:"+key, l)
	if err != nil {
		s.log.Warn("rate limiter unavailable; allowing", "err", err)
		return Decision{Allowed: true}
	}
	return d
}

// Ready checks the database and the state store answer. Errors: unavailable.
func (s *Service) Ready(ctx context.Context) error {
	if err := s.store.Ping(ctx); err != nil {
		return err
	}
	return s.state.Ping(ctx)
}

func displayName(u UserRef) string {
	if u.Name != "" {
		return u.Name
	}
	return u.ID
}
