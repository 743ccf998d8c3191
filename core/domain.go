package core

import (
	"slices"
	"strings"
	"time"
)

// Platform names a chat platform a workspace lives on.
type Platform string

// The platforms ticketbot knows.
const (
	PlatformSlack   Platform = "slack"
	PlatformDiscord Platform = "discord"
)

// Valid reports whether p is a known platform.
func (p Platform) Valid() bool { return p == PlatformSlack || p == PlatformDiscord }

// Workspace is a Slack team or a Discord guild: a platform plus the platform's id.
type Workspace struct {
	Platform   Platform
	ExternalID string
}

// String renders the workspace as "platform:id", e.g. "slack:T123".
func (w Workspace) String() string {
	if w.IsZero() {
		return ""
	}
	return string(w.Platform) + ":" + w.ExternalID
}

// IsZero reports whether w is the zero workspace.
func (w Workspace) IsZero() bool { return w.Platform == "" && w.ExternalID == "" }

// MarshalText implements encoding.TextMarshaler ("slack:T123").
func (w Workspace) MarshalText() ([]byte, error) { return []byte(w.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (w *Workspace) UnmarshalText(b []byte) error {
	p, err := ParseWorkspace(string(b))
	if err != nil {
		return err
	}
	*w = p
	return nil
}

// idChars are the characters of a platform's workspace id (Slack team ids are upper-case
// letters and digits, Discord guild ids digits); nothing else (no "../", no spaces) passes.
const idChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"

// ParseWorkspace parses "platform:id". Errors: invalid.
func ParseWorkspace(s string) (Workspace, error) {
	p, id, ok := strings.Cut(strings.TrimSpace(s), ":")
	w := Workspace{Platform: Platform(p), ExternalID: id}
	if !ok || !w.Platform.Valid() || id == "" || strings.Trim(id, idChars) != "" || len(id) > 64 {
		return Workspace{}, Errorf(EInvalid, "workspace must look like slack:T123 or discord:123456789")
	}
	return w, nil
}

// Role is what an actor may do in a workspace.
type Role string

// Roles, weakest first.
const (
	RoleRequester Role = "requester"
	RoleStaff     Role = "staff"
	RoleAdmin     Role = "admin"
)

// AtLeast reports whether r is at least as strong as o.
func (r Role) AtLeast(o Role) bool { return r.rank() >= o.rank() }

func (r Role) rank() int {
	switch r {
	case RoleAdmin:
		return 2
	case RoleStaff:
		return 1
	default:
		return 0
	}
}

// UserRef names a person on a platform (or a dashboard account).
type UserRef struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// IsZero reports whether u names nobody.
func (u UserRef) IsZero() bool { return u.ID == "" }

// Actor is who asks the Service to do something. A zero Workspace means the actor is not bound
// to one workspace (dashboard accounts and API tokens); such actors must be staff or admin.
type Actor struct {
	User      UserRef
	Role      Role
	Workspace Workspace
}

// System is the actor for changes made by ticketbot itself (outbox bookkeeping).
func System() Actor { return Actor{User: UserRef{ID: "ticketbot", Name: "ticketbot"}, Role: RoleAdmin} }

// Status is a ticket's state.
type Status string

// Statuses.
const (
	StatusOpen       Status = "open"
	StatusInProgress Status = "in_progress"
	StatusWaiting    Status = "waiting"
	StatusResolved   Status = "resolved"
	StatusClosed     Status = "closed"
)

// Statuses lists every status in workflow order.
func Statuses() []Status {
	return []Status{StatusOpen, StatusInProgress, StatusWaiting, StatusResolved, StatusClosed}
}

// ParseStatus accepts a status name (case-insensitive; "in-progress" and "in progress" too).
// Errors: invalid.
func ParseStatus(s string) (Status, error) {
	n := strings.NewReplacer("-", "_", " ", "_").Replace(strings.ToLower(strings.TrimSpace(s)))
	for _, st := range Statuses() {
		if string(st) == n {
			return st, nil
		}
	}
	return "", Errorf(EInvalid, "unknown status %q (use open, in_progress, waiting, resolved or closed)", s)
}

// Terminal reports whether s ends the active life of a ticket (resolved or closed).
func (s Status) Terminal() bool { return s == StatusResolved || s == StatusClosed }

// Priority is a ticket's urgency.
type Priority string

// Priorities, lowest first.
const (
	PriorityLow    Priority = "low"
	PriorityNormal Priority = "normal"
	PriorityHigh   Priority = "high"
	PriorityUrgent Priority = "urgent"
)

// Priorities lists every priority, lowest first.
func Priorities() []Priority {
	return []Priority{PriorityLow, PriorityNormal, PriorityHigh, PriorityUrgent}
}

// ParsePriority accepts a priority name; empty means normal. Errors: invalid.
func ParsePriority(s string) (Priority, error) {
	n := strings.ToLower(strings.TrimSpace(s))
	if n == "" {
		return PriorityNormal, nil
	}
	for _, p := range Priorities() {
		if string(p) == n {
			return p, nil
		}
	}
	return "", Errorf(EInvalid, "unknown priority %q (use low, normal, high or urgent)", s)
}

// Ticket is one request for help.
type Ticket struct {
	ID          int64
	Workspace   Workspace
	Number      int64
	Title       string
	Description string
	Status      Status
	Priority    Priority
	Reporter    UserRef
	Assignee    UserRef
	// Origin is where the ticket was asked for (e.g. the channel /ticket was typed in); adapters
	// use it to place the card before a helpdesk channel is set up.
	OriginChannel string
	// OriginMessage is the message the ticket was opened from (a Slack ts), in OriginChannel;
	// its thread is then the ticket's requester side.
	OriginMessage string
	// RequestID is the platform's id of the request that opened the ticket (a Slack
	// trigger_id, a Discord interaction id), unique in the workspace, so a replay of that
	// request cannot open a second ticket even when the de-duplication cache is gone.
	RequestID  string
	StatusNote string
	// CategoryID is the ticket's category (0: none); Category is its name when the ticket
	// was opened, kept when the category is renamed or deleted.
	CategoryID int64
	Category   string
	// Answers are the requester's answers to the category's questions (the store loads them
	// with every ticket it returns).
	Answers   []Answer
	CreatedAt time.Time
	UpdatedAt time.Time
	// StatusChangedAt is when the ticket got its status (its creation for a new ticket); the
	// scheduler's timers (reminder, auto-close) count from it. The store sets it.
	StatusChangedAt time.Time
	// Reminded says the requester got the reminder of the ticket's current waiting spell;
	// the store clears it whenever the status changes.
	Reminded bool
	// CSATAskedAt is when the requester was asked to rate the ticket (once per ticket).
	CSATAskedAt *time.Time
	// Rating is the requester's satisfaction score, 1–5, or 0 while unrated.
	Rating int
	// SLA is the ticket's SLA bookkeeping (due times in support hours); the Service keeps it.
	SLA SLAClock
}

// Attachment is a file attached to a message, kept by name and URL.
type Attachment struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// Message is one entry of a ticket's conversation.
type Message struct {
	ID       int64
	TicketID int64
	// ExternalID is the platform's message id (Slack ts, Discord snowflake) or a generated id for
	// messages made through the API; it makes AddMessage idempotent.
	ExternalID  string
	Author      UserRef
	Content     string
	Attachments []Attachment
	// Source says where the message was written: "slack", "discord", "web" or "api".
	Source string
	// Internal messages are seen by staff only: they never reach a requester-facing place.
	Internal bool
	// PlaceID is the place of the ticket the message was written in (0: outside any place,
	// as in the dashboard or the API).
	PlaceID   int64
	Edited    bool
	Deleted   bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Change is one entry of a ticket's history: who changed which field from what to what.
type Change struct {
	ID       int64
	TicketID int64
	Actor    UserRef
	Field    string
	From     string
	To       string
	Note     string
	At       time.Time
}

// Settings are a workspace's helpdesk configuration.
type Settings struct {
	Workspace Workspace
	// TriageChannel is the staff's private channel: where ticket cards (and their threads, the
	// staff side of each ticket) are posted; its members are staff.
	TriageChannel string
	// SupportChannel is the channel where requesters' private ticket threads are made.
	SupportChannel string
	// StaffGroup is the group of people (a user group, a role) whose members are staff.
	StaffGroup string
	// RequestChannels are channels where people ask for help in messages.
	RequestChannels []RequestChannel
	// Replies says whether staff messages in a staff thread reach the requester.
	Replies ReplyMode
	// Hours are the support hours (the zero calendar: always open); a ticket opened outside
	// them gets a line saying when staff are back.
	Hours Hours
	// TranscriptChannel is where a closed ticket's HTML transcript is posted (Discord;
	// empty: nowhere).
	TranscriptChannel string
	// Name is the workspace's display name (the team's or the server's) ["" = its id].
	Name string
	// ReminderAfter is how long a waiting ticket waits before its requester gets one reminder
	// [0 = DefaultReminderAfter].
	ReminderAfter time.Duration
	// CloseWaitingAfter is how long a waiting ticket waits before it is closed with the reason
	// "no reply" [0 = DefaultCloseWaitingAfter].
	CloseWaitingAfter time.Duration
	// CloseResolvedAfter is how long a resolved ticket stays resolved before it is closed
	// [0 = DefaultCloseResolvedAfter].
	CloseResolvedAfter time.Duration
	// CSATOff turns off the satisfaction rating asked on close (it is on by default).
	CSATOff bool
	// SLA are the first-response and resolution targets per priority (nil: none).
	SLA       SLAPolicy
	UpdatedAt time.Time
}

// Defaults of the workflow settings.
const (
	DefaultReminderAfter      = 72 * time.Hour
	DefaultCloseWaitingAfter  = 7 * 24 * time.Hour
	DefaultCloseResolvedAfter = 7 * 24 * time.Hour
	// MinDelay is the shortest delay a workflow setting may have.
	MinDelay = time.Second
)

// Delays are a workspace's effective timer delays, defaults filled in.
type Delays struct {
	ReminderAfter, CloseWaitingAfter, CloseResolvedAfter time.Duration
}

// Delays returns the workspace's timer delays, defaults for those unset.
func (s Settings) Delays() Delays {
	or := func(d, def time.Duration) time.Duration {
		if d <= 0 {
			return def
		}
		return d
	}
	return Delays{
		ReminderAfter:      or(s.ReminderAfter, DefaultReminderAfter),
		CloseWaitingAfter:  or(s.CloseWaitingAfter, DefaultCloseWaitingAfter),
		CloseResolvedAfter: or(s.CloseResolvedAfter, DefaultCloseResolvedAfter),
	}
}

// CSAT reports whether requesters are asked to rate closed tickets.
func (s Settings) CSAT() bool { return !s.CSATOff }

// DisplayName is the workspace's name, or its id when it has none.
func (s Settings) DisplayName() string {
	if s.Name != "" {
		return s.Name
	}
	return s.Workspace.ExternalID
}

// HasHelpdesk reports whether the workspace was set up (it has a staff or support channel).
func (s Settings) HasHelpdesk() bool { return s.TriageChannel != "" || s.SupportChannel != "" }

// ReplyMode says what becomes of a staff member's message in a ticket's staff thread.
type ReplyMode string

// Reply modes.
const (
	// RepliesAll: public unless marked as a note (note:, 🔒, :lock:).
	RepliesAll ReplyMode = "all"
	// RepliesNotes: internal unless sent as a reply explicitly.
	RepliesNotes ReplyMode = "notes"
)

// ReplyMode is the workspace's reply mode, RepliesAll when unset.
func (s Settings) ReplyMode() ReplyMode {
	if s.Replies == RepliesNotes {
		return RepliesNotes
	}
	return RepliesAll
}

// RequestChannel is a channel where people ask for help; with Auto every new top-level
// message by someone who is not staff opens a ticket.
type RequestChannel struct {
	Channel string `json:"channel"`
	Auto    bool   `json:"auto,omitempty"`
}

// SetRequestChannel adds channel to the request channels, or changes its Auto.
func (s *Settings) SetRequestChannel(channel string, auto bool) {
	for i, r := range s.RequestChannels {
		if r.Channel == channel {
			s.RequestChannels[i].Auto = auto
			return
		}
	}
	s.RequestChannels = append(s.RequestChannels, RequestChannel{Channel: channel, Auto: auto})
}

// RemoveRequestChannel makes channel no request channel; false when it was none.
func (s *Settings) RemoveRequestChannel(channel string) bool {
	for i, r := range s.RequestChannels {
		if r.Channel == channel {
			s.RequestChannels = slices.Delete(s.RequestChannels, i, i+1)
			return true
		}
	}
	return false
}

// RequestChannel returns channel's request-channel settings.
func (s Settings) RequestChannel(channel string) (RequestChannel, bool) {
	for _, r := range s.RequestChannels {
		if r.Channel == channel {
			return r, true
		}
	}
	return RequestChannel{}, false
}

// EventKind says what an outbox event reports.
type EventKind string

// Event kinds.
const (
	EventTicketOpened  EventKind = "ticket.opened"
	EventTicketChanged EventKind = "ticket.changed"
	EventMessageAdded  EventKind = "message.added"
	// EventMessageCopy asks the Notifier of the event's platform to post (or, when the message
	// was edited or deleted since, to change) the copy of message MessageID in place PlaceID.
	EventMessageCopy EventKind = "message.copy"
	// EventPlaceNotice asks for a one-line notice (a status change, "the ticket is closed")
	// in place PlaceID; Changes carry what to say.
	EventPlaceNotice    EventKind = "place.notice"
	EventSettingsChange EventKind = "settings.changed"
)

// Event is a committed change, written to the outbox in the change's transaction and delivered
// to the workspace platform's Notifier at least once, in order per ticket.
type Event struct {
	ID        int64
	Kind      EventKind
	Workspace Workspace
	// Platform is whose Notifier delivers the event: the workspace's, or for a copy the
	// platform of the place it goes to.
	Platform Platform
	// PlaceID is the place a message.copy or place.notice event goes to.
	PlaceID   int64
	TicketID  int64
	MessageID int64
	Actor     UserRef
	Changes   []Change
	CreatedAt time.Time
	Attempts  int
}

// Target is the platform whose Notifier delivers the event.
func (e Event) Target() Platform {
	if e.Platform != "" {
		return e.Platform
	}
	return e.Workspace.Platform
}

// StatusChanged reports whether the event carries a status change, and the new status.
func (e Event) StatusChanged() (Status, bool) {
	for _, c := range e.Changes {
		if c.Field == "status" {
			return Status(c.To), true
		}
	}
	return "", false
}

// defaultDuration sets *d to v when it is not positive: the rule every config of core uses for
// its durations ("0 means the default").
func defaultDuration(d *time.Duration, v time.Duration) {
	if *d <= 0 {
		*d = v
	}
}
