package core

import (
	"context"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on ticket text.
const (
	MaxTitleRunes       = 120
	MaxDescriptionRunes = 4000
	MaxMessageRunes     = 4000
	MaxRequestIDBytes   = 191
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
	links  LinkStore
	state  StateStore
	lim    Limiter
	clock  Clock
	log    *slog.Logger
	kick   func()
	opened func(Ticket)
	live   *Live
	// linkCalls orders unlinks after the chat calls WhileLinked runs (link_calls.go).
	linkCalls linkCalls
}

// ServiceConfig are the Service's dependencies.
type ServiceConfig struct {
	Store Store
	// Links keeps workspace links; nil takes Store's when it is a LinkStore too (no links
	// otherwise).
	Links   LinkStore
	State   StateStore
	Limiter Limiter
	Clock   Clock
	Log     *slog.Logger
	// Committed is called after every change that wrote an outbox event (to wake the
	// outbox dispatcher at once).
	Committed func()
	// Opened is called after a ticket is opened (metrics).
	Opened func(Ticket)
	// Live, when set, hears of every committed change of a ticket (the dashboard's live
	// updates, on every replica).
	Live *Live
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
	if c.Links == nil {
		c.Links, _ = c.Store.(LinkStore)
	}
	return &Service{store: c.Store, links: c.Links, state: c.State, lim: c.Limiter, clock: c.Clock, log: c.Log, kick: c.Committed, opened: c.Opened, live: c.Live}
}

// OpenInput is what OpenTicket needs.
type OpenInput struct {
	Workspace     Workspace
	Title         string
	Description   string
	Priority      string
	OriginChannel string
	// OriginMessage is the message the ticket is opened from (its thread becomes the
	// requester side), in OriginChannel.
	OriginMessage string
	// RequestID is the platform's id of the request (Slack trigger_id, Discord interaction
	// id); a second open with the same id returns the first ticket. Empty means none.
	RequestID string
	// CategoryID is the ticket's category (0: none) and Answers its answers by question id
	// (see CheckAnswers).
	CategoryID int64
	Answers    map[string]string
}

// OpenTicket opens a ticket reported by actor. A request id already used in the workspace
// opens nothing: the ticket it opened is returned with a DuplicateRequest conflict.
// Errors: invalid, forbidden, conflict, unavailable, internal.
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
	cat, answers, err := s.openCategory(ctx, in.Workspace, in)
	if err != nil {
		return Ticket{}, err
	}
	t := Ticket{
		CategoryID:    cat.ID,
		Category:      cat.Name,
		Answers:       answers,
		Workspace:     in.Workspace,
		Title:         title,
		Description:   desc,
		Status:        StatusOpen,
		Priority:      prio,
		Reporter:      actor.User,
		OriginChannel: in.OriginChannel,
		OriginMessage: in.OriginMessage,
		RequestID:     strings.TrimSpace(in.RequestID),
	}
	if n := len(t.RequestID); n > MaxRequestIDBytes {
		return Ticket{}, FieldError("request_id", "the request id is %d bytes long; the limit is %d", n, MaxRequestIDBytes)
	}
	hours, policy, err := s.slaSettings(ctx, in.Workspace)
	if err != nil {
		return Ticket{}, err
	}
	t.SLA = SLAStart(hours, policy, t.Priority, t.Status, s.clock.Now())
	if err := s.store.CreateTicket(ctx, &t); err != nil {
		if IsDuplicateRequest(err) {
			return t, err
		}
		return Ticket{}, err
	}
	s.changed(ctx, t, false)
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
		if _, ok := s.staffFrom(ctx, actor, t); !ok {
			return Ticket{}, ticketNotFound()
		}
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
		if _, ok := s.staffFrom(ctx, actor, t); !ok {
			return Ticket{}, Errorf(ENotFound, "ticket #%d not found", n)
		}
	}
	return t, nil
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

func (s *Service) update(ctx context.Context, actor Actor, id int64, fn func(t *Ticket) ([]Change, error)) (Ticket, error) {
	wrote := false // what the last run of fn decided (the store may run it again)
	cur, err := s.store.Ticket(ctx, id)
	if err != nil {
		return Ticket{}, err
	}
	hours, policy, err := s.slaSettings(ctx, cur.Workspace)
	if err != nil {
		return Ticket{}, err
	}
	t, err := s.store.UpdateTicket(ctx, id, func(t *Ticket) ([]Change, error) {
		if !canSee(actor, *t) {
			return nil, ticketNotFound()
		}
		before := *t
		cs, err := fn(t)
		wrote = err == nil && len(cs) > 0
		if wrote {
			slaFollow(hours, policy, before, t, s.clock.Now())
		}
		return cs, err
	})
	if err == nil && wrote {
		s.changed(ctx, t, false)
	}
	return t, err
}

// changed follows every committed change of ticket t: it wakes the outbox dispatcher and
// tells the live listeners (internal: the change is an internal note, which requesters never
// hear of).
func (s *Service) changed(ctx context.Context, t Ticket, internal bool) {
	s.kick()
	s.live.Publish(s.liveEvent(ctx, t, internal))
}

func (s *Service) change(actor Actor, field, from, to, note string) Change {
	return Change{Actor: actor.User, Field: field, From: from, To: to, Note: note, At: s.clock.Now()}
}

// History returns ticket id's changes. Errors: not_found, unavailable, internal.
func (s *Service) History(ctx context.Context, actor Actor, id int64) ([]Change, error) {
	if _, err := s.Ticket(ctx, actor, id); err != nil {
		return nil, err
	}
	return s.store.History(ctx, id)
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
	if st.Replies != "" && st.Replies != RepliesAll && st.Replies != RepliesNotes {
		return FieldError("replies", "replies must be all or notes")
	}
	if err := checkSettings(st); err != nil {
		return err
	}
	st.UpdatedAt = s.clock.Now()
	if err := s.store.SaveSettings(ctx, st, actor.User); err != nil {
		return err
	}
	s.kick()
	return nil
}

// AdminSettings returns ws's settings for an admin who may act in ws; a workspace without a
// helpdesk is not found. Errors: forbidden, not_found, unavailable, internal.
func (s *Service) AdminSettings(ctx context.Context, actor Actor, ws Workspace) (Settings, error) {
	if !actor.Workspace.IsZero() && actor.Workspace != ws {
		return Settings{}, Errorf(ENotFound, "workspace %s has no helpdesk", ws)
	}
	if !actor.Role.AtLeast(RoleAdmin) {
		return Settings{}, Errorf(EForbidden, "only workspace admins can see the helpdesk settings")
	}
	st, err := s.Settings(ctx, ws)
	if err != nil {
		return Settings{}, err
	}
	if !st.HasHelpdesk() {
		return Settings{}, Errorf(ENotFound, "workspace %s has no helpdesk; set one up with /ticket setup (Slack) or /ticket-admin setup (Discord)", ws)
	}
	return st, nil
}

// checkSettings checks the workflow settings: delays are unset (the default) or at least
// MinDelay, and a name is a line of at most 255 characters. Errors: invalid, naming the field.
func checkSettings(st Settings) error {
	for _, d := range []struct {
		field string
		v     time.Duration
	}{{"reminder_after", st.ReminderAfter}, {"close_waiting_after", st.CloseWaitingAfter}, {"close_resolved_after", st.CloseResolvedAfter}} {
		if d.v != 0 && d.v < MinDelay {
			return FieldError(d.field, "%s must be at least %s, e.g. \"72h\"", d.field, MinDelay)
		}
	}
	if n := utf8.RuneCountInString(st.Name); n > 255 || strings.ContainsAny(st.Name, "\r\n") {
		return FieldError("name", "name must be one line of at most 255 characters")
	}
	return nil
}

// HelpdeskWorkspaces lists the settings of the workspaces that have a helpdesk and that
// actor may see (its own, or all for staff not bound to one). Errors: forbidden,
// unavailable, internal.
func (s *Service) HelpdeskWorkspaces(ctx context.Context, actor Actor) ([]Settings, error) {
	if !actor.Role.AtLeast(RoleStaff) {
		return nil, Errorf(EForbidden, "only staff can list workspaces")
	}
	all, err := s.store.AllSettings(ctx)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, st := range all {
		if st.HasHelpdesk() && (actor.Workspace.IsZero() || actor.Workspace == st.Workspace) {
			out = append(out, st)
		}
	}
	return out, nil
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
