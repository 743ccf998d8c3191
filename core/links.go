package core

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"strings"
	"time"
)

// Link says that a workspace is staffed from another workspace's staff channel (a Discord
// server answered from a Slack triage channel): the served workspace's new tickets also get a
// staff place there, and that workspace's staff act on them as staff. The tickets stay in the
// served workspace and its numbering.
type Link struct {
	// Workspace is the served workspace (its admins made the code).
	Workspace Workspace
	// Name is the served workspace's name, shown on the staff workspace's cards.
	Name string
	// StaffWorkspace is the workspace whose staff channel staffs it.
	StaffWorkspace Workspace
	// StaffChannel is the channel there that gets the served workspace's ticket cards.
	StaffChannel string
	By           UserRef
	CreatedAt    time.Time
}

// Links reports whether l links ws (on either side).
func (l Link) Links(ws Workspace) bool {
	return !ws.IsZero() && (l.Workspace == ws || l.StaffWorkspace == ws)
}

// Other is the workspace l links ws with.
func (l Link) Other(ws Workspace) Workspace {
	if l.Workspace == ws {
		return l.StaffWorkspace
	}
	return l.Workspace
}

// LinkCode is a one-time code an admin of Workspace made to link it; only its hash is kept.
type LinkCode struct {
	Hash      []byte
	Workspace Workspace
	Name      string
	By        UserRef
	CreatedAt time.Time
	ExpiresAt time.Time
}

// LinkChange is one entry of the link history of a workspace.
type LinkChange struct {
	// Action is "linked" or "unlinked".
	Action string
	Link   Link
	By     UserRef
	At     time.Time
}

// Link actions.
const (
	LinkLinked   = "linked"
	LinkUnlinked = "unlinked"
)

// LinkStore keeps link codes, links and their history.
type LinkStore interface {
	// SaveLinkCode stores c. Errors: unavailable, internal.
	SaveLinkCode(ctx context.Context, c LinkCode) error
	// UseLinkCode takes the code with hash, if it is unused and expires after now, marks it
	// used, and creates l with the code's workspace and name as the served side, all in one
	// transaction with a history entry: a code is used once, whichever replica asks. The
	// returned link is the one created. Errors: not_found (unknown, used or expired code),
	// conflict (either workspace is linked already; the code stays unused), unavailable,
	// internal.
	UseLinkCode(ctx context.Context, hash []byte, now time.Time, l Link) (Link, error)
	// LinkOf returns the link of ws, on either side. Errors: not_found, unavailable, internal.
	LinkOf(ctx context.Context, ws Workspace) (Link, error)
	// DeleteLink ends the link of ws (either side) with a history entry by by at at, and
	// returns it. Errors: not_found, unavailable, internal.
	DeleteLink(ctx context.Context, ws Workspace, by UserRef, at time.Time) (Link, error)
	// LinkHistory lists the link changes of ws (either side), newest first, at most limit.
	// Errors: unavailable, internal.
	LinkHistory(ctx context.Context, ws Workspace, limit int) ([]LinkChange, error)
}

// LinkCodeTTL is how long a link code is valid.
const LinkCodeTTL = 15 * time.Minute

// codeAlphabet leaves out letters and digits people confuse (0/O, 1/I/L).
const codeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// HashLinkCode is the stored form of a code: SHA-256 of its normalised text (case, spaces and
// dashes do not matter), so a leaked table links nothing.
func HashLinkCode(code string) []byte {
	n := strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(code)))
	h := sha256.Sum256([]byte("ticketbot link code\x00" + n))
	return h[:]
}

func newLinkCode() (string, error) {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	out := make([]byte, 0, 14)
	for i, c := range b {
		if i > 0 && i%4 == 0 {
			out = append(out, '-')
		}
		out = append(out, codeAlphabet[int(c)%len(codeAlphabet)])
	}
	return string(out), nil
}

func (s *Service) linkStore() (LinkStore, error) {
	if s.links == nil {
		return nil, Errorf(EUnavailable, "linking workspaces is not available with this store")
	}
	return s.links, nil
}

// NewLinkCode makes a one-time code, valid for LinkCodeTTL, with which an admin of another
// workspace links actor's workspace (called name) to their staff channel. Admins only.
// Errors: forbidden, unavailable, internal.
func (s *Service) NewLinkCode(ctx context.Context, actor Actor, name string) (string, time.Time, error) {
	ls, err := s.linkStore()
	if err != nil {
		return "", time.Time{}, err
	}
	if actor.Workspace.IsZero() || !actor.Role.AtLeast(RoleAdmin) {
		return "", time.Time{}, Errorf(EForbidden, "only admins can link this helpdesk to another one")
	}
	code, err := newLinkCode()
	if err != nil {
		return "", time.Time{}, Errorf(EInternal, "could not make a code: %v", err)
	}
	now := s.clock.Now()
	c := LinkCode{Hash: HashLinkCode(code), Workspace: actor.Workspace, Name: CleanText(name), By: actor.User,
		CreatedAt: now, ExpiresAt: now.Add(LinkCodeTTL)}
	if err := ls.SaveLinkCode(ctx, c); err != nil {
		return "", time.Time{}, err
	}
	s.log.InfoContext(ctx, "link code made", "workspace", actor.Workspace.String(), "by", actor.User.ID, "expires", c.ExpiresAt)
	return code, c.ExpiresAt, nil
}

// LinkWith links the workspace that made code to actor's workspace, staffed from channel (the
// staff channel the command was run in). Admins only; a used, expired or unknown code is
// refused and changes nothing. Errors: invalid, forbidden, not_found, conflict, unavailable,
// internal.
func (s *Service) LinkWith(ctx context.Context, actor Actor, code, channel string) (Link, error) {
	ls, err := s.linkStore()
	if err != nil {
		return Link{}, err
	}
	if actor.Workspace.IsZero() || !actor.Role.AtLeast(RoleAdmin) {
		return Link{}, Errorf(EForbidden, "only admins can link another helpdesk to this one")
	}
	if strings.TrimSpace(code) == "" {
		return Link{}, FieldError("code", "give the code the other helpdesk's admin got")
	}
	if channel == "" {
		return Link{}, Errorf(EInvalid, "set up the staff's channel first")
	}
	l, err := ls.UseLinkCode(ctx, HashLinkCode(code), s.clock.Now(), Link{StaffWorkspace: actor.Workspace,
		StaffChannel: channel, By: actor.User, CreatedAt: s.clock.Now()})
	if IsCode(err, ENotFound) {
		return Link{}, Errorf(ENotFound, "that code is unknown, used or expired; ask for a new one")
	}
	if err != nil {
		return Link{}, err
	}
	s.linkChanged(ctx, LinkLinked, l, actor.User)
	return l, nil
}

// Unlink ends the link of actor's workspace, from either side. Admins only.
// Errors: forbidden, not_found, unavailable, internal.
func (s *Service) Unlink(ctx context.Context, actor Actor) (Link, error) {
	ls, err := s.linkStore()
	if err != nil {
		return Link{}, err
	}
	if actor.Workspace.IsZero() || !actor.Role.AtLeast(RoleAdmin) {
		return Link{}, Errorf(EForbidden, "only admins can unlink helpdesks")
	}
	l, err := ls.DeleteLink(ctx, actor.Workspace, actor.User, s.clock.Now())
	if IsCode(err, ENotFound) {
		return Link{}, Errorf(ENotFound, "this helpdesk is not linked to another one")
	}
	if err != nil {
		return Link{}, err
	}
	// Calls that start from now on find the link gone; wait for those already under way, so
	// nothing reaches the unlinked side once this returns — unless ctx ends first (the link
	// is gone all the same; a call under way may still land).
	if !s.linkCalls.drain(ctx) {
		s.log.WarnContext(ctx, "workspaces unlinked while a chat call into the staffing workspace was under way; it may still land",
			"workspace", l.Workspace.String(), "staff_workspace", l.StaffWorkspace.String())
	}
	s.linkChanged(ctx, LinkUnlinked, l, actor.User)
	return l, nil
}

// linkChanged logs a link change (the history row is the store's, written in the change's
// transaction).
func (s *Service) linkChanged(ctx context.Context, action string, l Link, by UserRef) {
	s.log.InfoContext(ctx, "workspaces "+action, "workspace", l.Workspace.String(), "staff_workspace", l.StaffWorkspace.String(),
		"staff_channel", l.StaffChannel, "by", by.ID)
}

// LinkOf returns the link of ws, if any (for settings views and Notifiers).
// Errors: unavailable, internal.
func (s *Service) LinkOf(ctx context.Context, ws Workspace) (Link, bool, error) {
	if s.links == nil {
		return Link{}, false, nil
	}
	l, err := s.links.LinkOf(ctx, ws)
	if IsCode(err, ENotFound) {
		return Link{}, false, nil
	}
	if err != nil {
		return Link{}, false, err
	}
	return l, true, nil
}

// LinkHistory lists the last link changes of actor's workspace. Admins only.
// Errors: forbidden, unavailable, internal.
func (s *Service) LinkHistory(ctx context.Context, actor Actor, limit int) ([]LinkChange, error) {
	if actor.Workspace.IsZero() || !actor.Role.AtLeast(RoleAdmin) {
		return nil, Errorf(EForbidden, "only admins can read the link history")
	}
	if s.links == nil {
		return nil, nil
	}
	return s.links.LinkHistory(ctx, actor.Workspace, limit)
}

// staffFrom is the rule for staff of another workspace: an actor who is staff in the
// workspace a ticket's workspace is linked to (its staff channel's workspace) acts on the
// ticket as staff (never admin) of the ticket's workspace, as long as the link lasts and the
// ticket has a place in the actor's workspace (it was opened while linked). Only from there:
// the actor's own workspace is where their role was checked.
func (s *Service) staffFrom(ctx context.Context, actor Actor, t Ticket) (Actor, bool) {
	if s.links == nil || actor.Workspace.IsZero() || actor.Workspace == t.Workspace || !actor.Role.AtLeast(RoleStaff) {
		return actor, false
	}
	if ws, ok := s.staffedIn(ctx, t); !ok || ws != actor.Workspace {
		return actor, false
	}
	return Actor{User: actor.User, Role: RoleStaff, Workspace: t.Workspace}, true
}

// staffedIn is the other workspace whose staff act on t as its staff (staffFrom): the one
// t's workspace is linked to, when t has a place there.
func (s *Service) staffedIn(ctx context.Context, t Ticket) (Workspace, bool) {
	if s.links == nil {
		return Workspace{}, false
	}
	l, err := s.links.LinkOf(ctx, t.Workspace)
	if err != nil || l.Workspace != t.Workspace || l.StaffWorkspace.IsZero() || l.StaffWorkspace == t.Workspace {
		return Workspace{}, false
	}
	if _, err := s.placeIn(ctx, t.ID, l.StaffWorkspace); err != nil {
		return Workspace{}, false
	}
	return l.StaffWorkspace, true
}

// seesLive reports whether a listener acting as actor hears of ev: an actor who may see the
// ticket (canSee), or staff of the workspace the ticket is staffed in (staffFrom, decided
// when the event was published); requesters never of internal notes.
func seesLive(actor Actor, ev LiveEvent) bool {
	if ev.Internal && !actor.Role.AtLeast(RoleStaff) {
		return false
	}
	if canSee(actor, Ticket{ID: ev.TicketID, Workspace: ev.Workspace, Reporter: UserRef{ID: ev.Reporter}}) {
		return true
	}
	return actor.Role.AtLeast(RoleStaff) && !actor.Workspace.IsZero() && actor.Workspace == ev.StaffWorkspace
}

// actorFor is the actor as whom actor acts on ticket id: itself, or staff of the ticket's
// workspace under a link (staffFrom).
func (s *Service) actorFor(ctx context.Context, actor Actor, id int64) Actor {
	if s.links == nil || actor.Workspace.IsZero() || !actor.Role.AtLeast(RoleStaff) {
		return actor
	}
	t, err := s.store.Ticket(ctx, id)
	if err != nil || canSee(actor, t) {
		return actor
	}
	if a, ok := s.staffFrom(ctx, actor, t); ok {
		return a
	}
	return actor
}

// linkedPlace reports whether a place of ticket t in another workspace is still linked: a
// message written there after an unlink goes nowhere.
func (s *Service) linkedPlace(ctx context.Context, t Ticket, p Place) bool {
	if p.Workspace == t.Workspace {
		return true
	}
	if s.links == nil {
		return false
	}
	l, err := s.links.LinkOf(ctx, t.Workspace)
	return err == nil && l.Workspace == t.Workspace && l.StaffWorkspace == p.Workspace
}

// ErrUnlinked is WhileLinked's answer when the link is gone.
var ErrUnlinked = Errorf(ENotFound, "the workspaces are no longer linked")

// WhileLinked runs fn (a Notifier's chat call into a staffing workspace) if ws is still
// staffed from staff under a link; an unlink in this process waits (up to its deadline) for
// fn to return, so the call goes out before the unlink returns or not at all. Across
// processes the window is the link's look-up. Errors: ErrUnlinked (fn did not run), unavailable, internal, and fn's.
func (s *Service) WhileLinked(ctx context.Context, ws, staff Workspace, fn func() error) error {
	return s.linkCalls.call(ctx, func() error {
		l, ok, err := s.LinkOf(ctx, ws)
		if err != nil {
			return err
		}
		if !ok || l.Workspace != ws || l.StaffWorkspace != staff {
			return ErrUnlinked
		}
		return fn()
	})
}

// StaffedFrom reports whether place p of ticket t is in a workspace still linked to t's (a
// Notifier delivering into another workspace checks it, so nothing more reaches the unlinked
// side). Errors: unavailable, internal.
func (s *Service) StaffedFrom(ctx context.Context, t Ticket, ws Workspace) (Link, bool, error) {
	l, ok, err := s.LinkOf(ctx, t.Workspace)
	if err != nil || !ok {
		return Link{}, false, err
	}
	return l, l.Workspace == t.Workspace && l.StaffWorkspace == ws, nil
}
