package gormstore

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// The row structs below are how rows look to queries; the schema itself (types, indexes) is
// defined by the migrations in migrations.go. They never leave the package.

type counterRow struct {
	Workspace  string `gorm:"primaryKey"`
	LastNumber int64
}

func (counterRow) TableName() string { return "workspace_counters" }

type ticketRow struct {
	ID            int64 `gorm:"primaryKey"`
	Workspace     string
	Number        int64
	Title         string
	Description   string
	Status        string
	Priority      string
	ReporterID    string
	ReporterName  string
	AssigneeID    string
	AssigneeName  string
	OriginChannel string
	OriginMessage string
	RequestID     *string // NULL without one, so the unique key ignores it
	ThreadChannel string
	ThreadID      string
	CardID        string
	StatusNote    string
	CategoryID    int64
	CategoryName  string
	CreatedAt     time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt     time.Time `gorm:"autoUpdateTime:false"`
	// StatusChangedAt is NULL only in rows a process older than the workflow migration wrote.
	StatusChangedAt *time.Time
	Reminded        bool
	CSATAskedAt     *time.Time `gorm:"column:csat_asked_at"`
	Rating          int
	// The SLA clock (core.SLAClock).
	FirstResponseAt   *time.Time
	ResolvedAt        *time.Time
	SLAPausedNS       int64      `gorm:"column:sla_paused_ns"`
	SLAPausedSince    *time.Time `gorm:"column:sla_paused_since"`
	SLAFirstDue       *time.Time `gorm:"column:sla_first_due"`
	SLAResolveDue     *time.Time `gorm:"column:sla_resolve_due"`
	SLAFirstAlertAt   *time.Time `gorm:"column:sla_first_alert_at"`
	SLAResolveAlertAt *time.Time `gorm:"column:sla_resolve_alert_at"`
	SLANextDue        time.Time  `gorm:"column:sla_next_due"`
	// ResponseSecs and ResolutionSecs are core.SLAClock.ResponseTime and ResolutionTime in
	// whole seconds.
	ResponseSecs   int64
	ResolutionSecs int64
}

// slaColumns are the ticket columns of the SLA clock, for updates that name their columns.
var slaColumns = []string{"first_response_at", "resolved_at", "sla_paused_ns", "sla_paused_since",
	"sla_first_due", "sla_resolve_due", "sla_first_alert_at", "sla_resolve_alert_at", "sla_next_due",
	"response_secs", "resolution_secs"}

func (r *ticketRow) setSLA(c core.SLAClock) {
	p := func(t *time.Time) *time.Time {
		if t == nil {
			return nil
		}
		v := stamp(*t)
		return &v
	}
	r.FirstResponseAt, r.ResolvedAt = p(c.FirstResponseAt), p(c.ResolvedAt)
	r.SLAPausedNS, r.SLAPausedSince = int64(c.Paused), p(c.PausedSince)
	r.SLAFirstDue, r.SLAResolveDue = p(c.FirstDue), p(c.ResolveDue)
	r.SLAFirstAlertAt, r.SLAResolveAlertAt = p(c.FirstAlertAt), p(c.ResolveAlertAt)
	r.SLANextDue = stamp(c.NextDue())
	r.ResponseSecs, r.ResolutionSecs = int64(c.ResponseTime/time.Second), int64(c.ResolutionTime/time.Second)
}

func (r ticketRow) sla() core.SLAClock {
	return core.SLAClock{FirstResponseAt: utcPtr(r.FirstResponseAt), ResolvedAt: utcPtr(r.ResolvedAt),
		Paused: time.Duration(r.SLAPausedNS), PausedSince: utcPtr(r.SLAPausedSince),
		FirstDue: utcPtr(r.SLAFirstDue), ResolveDue: utcPtr(r.SLAResolveDue),
		FirstAlertAt: utcPtr(r.SLAFirstAlertAt), ResolveAlertAt: utcPtr(r.SLAResolveAlertAt),
		ResponseTime: time.Duration(r.ResponseSecs) * time.Second, ResolutionTime: time.Duration(r.ResolutionSecs) * time.Second}
}

func (ticketRow) TableName() string { return "tickets" }

type changeRow struct {
	ID        int64 `gorm:"primaryKey"`
	TicketID  int64
	ActorID   string
	ActorName string
	Field     string
	FromValue string
	ToValue   string
	Note      string
	At        time.Time
}

func (changeRow) TableName() string { return "ticket_changes" }

type messageRow struct {
	ID          int64 `gorm:"primaryKey"`
	TicketID    int64
	ExternalID  string
	AuthorID    string
	AuthorName  string
	Content     string
	Attachments string // JSON array of core.Attachment
	Source      string
	Edited      bool
	Deleted     bool
	Internal    bool
	PlaceID     int64
	CreatedAt   time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt   time.Time `gorm:"autoUpdateTime:false"`
}

func (messageRow) TableName() string { return "ticket_messages" }

type placeRow struct {
	ID        int64 `gorm:"primaryKey"`
	TicketID  int64
	Kind      string
	Workspace string
	ChannelID string
	ThreadID  string
	CardID    string
	CreatedAt time.Time `gorm:"autoCreateTime:false"`
}

func (placeRow) TableName() string { return "ticket_places" }

func (r placeRow) core() core.Place {
	return core.Place{ID: r.ID, TicketID: r.TicketID, Kind: core.PlaceKind(r.Kind), Workspace: parseWorkspace(r.Workspace),
		ChannelID: r.ChannelID, ThreadID: r.ThreadID, CardID: r.CardID, CreatedAt: r.CreatedAt.UTC()}
}

type copyRow struct {
	MessageID  int64 `gorm:"primaryKey;autoIncrement:false"`
	PlaceID    int64 `gorm:"primaryKey;autoIncrement:false"`
	ExternalID string
}

func (copyRow) TableName() string { return "message_copies" }

type eventRow struct {
	ID            int64 `gorm:"primaryKey"`
	Kind          string
	Workspace     string
	TicketID      int64
	MessageID     int64
	ActorID       string
	ActorName     string
	Changes       string // JSON array of changeJSON
	Platform      string
	PlaceID       int64
	CreatedAt     time.Time `gorm:"autoCreateTime:false"`
	Attempts      int
	NextAttemptAt time.Time
	LockedBy      *string
	LockedUntil   *time.Time
	DeliveredAt   *time.Time
	LastError     string
}

func (eventRow) TableName() string { return "outbox_events" }

type settingsRow struct {
	Workspace string `gorm:"primaryKey"`
	// Channel and StaffRole are the settings of before the conversation model; they are kept
	// (written empty) so rows stay valid for the schema.
	Channel         string
	StaffRole       string
	TriageChannel   string
	SupportChannel  string
	StaffGroup      string
	RequestChannels string // JSON array of core.RequestChannel
	Replies         string
	Name            string
	// The delays are nanoseconds; 0 is the default.
	ReminderAfter      int64
	CloseWaitingAfter  int64
	CloseResolvedAfter int64
	CSATOff            bool   `gorm:"column:csat_off"`
	Hours              string // JSON of core.HoursSpec; "" always open
	TranscriptChannel  string
	SLA                string    `gorm:"column:sla"` // JSON of core.SLAPolicy; "" none
	UpdatedAt          time.Time `gorm:"autoUpdateTime:false"`
}

func (settingsRow) TableName() string { return "workspace_settings" }

type accountRow struct {
	ID           int64 `gorm:"primaryKey"`
	Name         string
	Role         string
	Workspace    string
	PasswordHash []byte
	CreatedAt    time.Time `gorm:"autoCreateTime:false"`
}

func (accountRow) TableName() string { return "accounts" }

type tokenRow struct {
	ID   int64 `gorm:"primaryKey"`
	Name string
	// ActiveName is Name while the token is active and NULL once revoked; its unique index
	// keeps active names unique while letting a revoked token's name be used again.
	ActiveName *string
	Hash       []byte
	Scope      string
	Workspace  string
	CreatedAt  time.Time `gorm:"autoCreateTime:false"`
	ExpiresAt  *time.Time
	RevokedAt  *time.Time
}

func (tokenRow) TableName() string { return "api_tokens" }

// parseWorkspace splits a stored "platform:id" without validating it, so old rows always load.
func parseWorkspace(s string) core.Workspace {
	p, id, _ := strings.Cut(s, ":")
	return core.Workspace{Platform: core.Platform(p), ExternalID: id}
}

func toTicketRow(t core.Ticket) ticketRow {
	r := ticketRow{
		ID: t.ID, Workspace: t.Workspace.String(), Number: t.Number,
		Title: t.Title, Description: t.Description,
		Status: string(t.Status), Priority: string(t.Priority),
		ReporterID: t.Reporter.ID, ReporterName: t.Reporter.Name,
		AssigneeID: t.Assignee.ID, AssigneeName: t.Assignee.Name,
		OriginChannel: t.OriginChannel, OriginMessage: t.OriginMessage,
		RequestID:  nullable(t.RequestID),
		StatusNote: t.StatusNote,
		CategoryID: t.CategoryID, CategoryName: t.Category,
		CreatedAt: stamp(t.CreatedAt), UpdatedAt: stamp(t.UpdatedAt),
		StatusChangedAt: stampPtr(t.StatusChangedAt), Reminded: t.Reminded, CSATAskedAt: utcPtr(t.CSATAskedAt), Rating: t.Rating,
	}
	r.setSLA(t.SLA)
	return r
}

func (r ticketRow) core() core.Ticket {
	t := core.Ticket{
		ID: r.ID, Workspace: parseWorkspace(r.Workspace), Number: r.Number,
		Title: r.Title, Description: r.Description,
		Status: core.Status(r.Status), Priority: core.Priority(r.Priority),
		Reporter:      core.UserRef{ID: r.ReporterID, Name: r.ReporterName},
		Assignee:      core.UserRef{ID: r.AssigneeID, Name: r.AssigneeName},
		OriginChannel: r.OriginChannel, OriginMessage: r.OriginMessage,
		RequestID:  deref(r.RequestID),
		StatusNote: r.StatusNote,
		CategoryID: r.CategoryID, Category: r.CategoryName,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		StatusChangedAt: r.UpdatedAt.UTC(), Reminded: r.Reminded, CSATAskedAt: utcPtr(r.CSATAskedAt), Rating: r.Rating,
	}
	if r.StatusChangedAt != nil {
		t.StatusChangedAt = r.StatusChangedAt.UTC()
	}
	t.SLA = r.sla()
	return t
}

// stampPtr is stamp(t) as a nullable column value: NULL for the zero time.
func stampPtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	v := stamp(t)
	return &v
}

// nullable is s as a column value: NULL when empty.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func toChangeRow(c core.Change) changeRow {
	return changeRow{
		ID: c.ID, TicketID: c.TicketID, ActorID: c.Actor.ID, ActorName: c.Actor.Name,
		Field: c.Field, FromValue: c.From, ToValue: c.To, Note: c.Note, At: stamp(c.At),
	}
}

func (r changeRow) core() core.Change {
	return core.Change{
		ID: r.ID, TicketID: r.TicketID, Actor: core.UserRef{ID: r.ActorID, Name: r.ActorName},
		Field: r.Field, From: r.FromValue, To: r.ToValue, Note: r.Note, At: r.At.UTC(),
	}
}

func toMessageRow(m core.Message) (messageRow, error) {
	att := "[]"
	if len(m.Attachments) > 0 {
		b, err := json.Marshal(m.Attachments)
		if err != nil {
			return messageRow{}, err
		}
		att = string(b)
	}
	return messageRow{
		ID: m.ID, TicketID: m.TicketID, ExternalID: m.ExternalID,
		AuthorID: m.Author.ID, AuthorName: m.Author.Name,
		Content: m.Content, Attachments: att, Source: m.Source,
		Edited: m.Edited, Deleted: m.Deleted, Internal: m.Internal, PlaceID: m.PlaceID,
		CreatedAt: stamp(m.CreatedAt), UpdatedAt: stamp(m.UpdatedAt),
	}, nil
}

func (r messageRow) core() (core.Message, error) {
	var att []core.Attachment
	if r.Attachments != "" && r.Attachments != "[]" {
		if err := json.Unmarshal([]byte(r.Attachments), &att); err != nil {
			return core.Message{}, err
		}
	}
	return core.Message{
		ID: r.ID, TicketID: r.TicketID, ExternalID: r.ExternalID,
		Author:  core.UserRef{ID: r.AuthorID, Name: r.AuthorName},
		Content: r.Content, Attachments: att, Source: r.Source,
		Edited: r.Edited, Deleted: r.Deleted, Internal: r.Internal, PlaceID: r.PlaceID,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}, nil
}

// changeJSON is a Change as stored inside an outbox event.
type changeJSON struct {
	ID       int64        `json:"id,omitempty"`
	TicketID int64        `json:"ticket_id,omitempty"`
	Actor    core.UserRef `json:"actor"`
	Field    string       `json:"field"`
	From     string       `json:"from,omitempty"`
	To       string       `json:"to,omitempty"`
	Note     string       `json:"note,omitempty"`
	At       time.Time    `json:"at"`
}

func toEventRow(e core.Event) (eventRow, error) {
	cs := make([]changeJSON, len(e.Changes))
	for i, c := range e.Changes {
		cs[i] = changeJSON{ID: c.ID, TicketID: c.TicketID, Actor: c.Actor, Field: c.Field,
			From: c.From, To: c.To, Note: c.Note, At: stamp(c.At)}
	}
	b, err := json.Marshal(cs)
	if err != nil {
		return eventRow{}, err
	}
	created := stamp(e.CreatedAt)
	return eventRow{
		Kind: string(e.Kind), Workspace: e.Workspace.String(),
		TicketID: e.TicketID, MessageID: e.MessageID,
		ActorID: e.Actor.ID, ActorName: e.Actor.Name,
		Changes: string(b), Platform: string(e.Platform), PlaceID: e.PlaceID,
		CreatedAt: created, NextAttemptAt: created,
	}, nil
}

func (r eventRow) core() (core.Event, error) {
	var cs []changeJSON
	if r.Changes != "" {
		if err := json.Unmarshal([]byte(r.Changes), &cs); err != nil {
			return core.Event{}, err
		}
	}
	var changes []core.Change
	for _, c := range cs {
		changes = append(changes, core.Change{ID: c.ID, TicketID: c.TicketID, Actor: c.Actor,
			Field: c.Field, From: c.From, To: c.To, Note: c.Note, At: c.At.UTC()})
	}
	return core.Event{
		ID: r.ID, Kind: core.EventKind(r.Kind), Workspace: parseWorkspace(r.Workspace),
		TicketID: r.TicketID, MessageID: r.MessageID,
		Actor:   core.UserRef{ID: r.ActorID, Name: r.ActorName},
		Changes: changes, Platform: core.Platform(r.Platform), PlaceID: r.PlaceID,
		CreatedAt: r.CreatedAt.UTC(), Attempts: r.Attempts,
	}, nil
}

func (r settingsRow) core() core.Settings {
	st := core.Settings{Workspace: parseWorkspace(r.Workspace), TriageChannel: r.TriageChannel,
		SupportChannel: r.SupportChannel, StaffGroup: r.StaffGroup, Replies: core.ReplyMode(r.Replies), Name: r.Name,
		ReminderAfter: time.Duration(r.ReminderAfter), CloseWaitingAfter: time.Duration(r.CloseWaitingAfter),
		CloseResolvedAfter: time.Duration(r.CloseResolvedAfter), CSATOff: r.CSATOff,
		UpdatedAt: r.UpdatedAt.UTC()}
	if r.RequestChannels != "" {
		_ = json.Unmarshal([]byte(r.RequestChannels), &st.RequestChannels) // written by toSettingsRow
	}
	st.TranscriptChannel = r.TranscriptChannel
	if r.SLA != "" {
		if p, err := core.ParseSLAPolicy([]byte(r.SLA)); err == nil {
			st.SLA = p
		}
	}
	if r.Hours != "" {
		// Written by toSettingsRow from validated hours; a zone the running binary does not
		// know (it has its own tzdata) leaves the workspace always open rather than broken.
		if h, err := core.ParseHours([]byte(r.Hours)); err == nil {
			st.Hours = h
		}
	}
	return st
}

func toSettingsRow(st core.Settings, now time.Time) settingsRow {
	rc := "[]"
	if len(st.RequestChannels) > 0 {
		if b, err := json.Marshal(st.RequestChannels); err == nil {
			rc = string(b)
		}
	}
	hours := ""
	if !st.Hours.IsZero() {
		if b, err := json.Marshal(st.Hours); err == nil {
			hours = string(b)
		}
	}
	return settingsRow{Workspace: st.Workspace.String(), TriageChannel: st.TriageChannel, SupportChannel: st.SupportChannel,
		StaffGroup: st.StaffGroup, RequestChannels: rc, Replies: string(st.Replies), Name: st.Name,
		ReminderAfter: int64(st.ReminderAfter), CloseWaitingAfter: int64(st.CloseWaitingAfter),
		CloseResolvedAfter: int64(st.CloseResolvedAfter), CSATOff: st.CSATOff, Hours: hours,
		TranscriptChannel: st.TranscriptChannel, SLA: slaText(st.SLA), UpdatedAt: now}
}

func (r accountRow) core() core.Account {
	return core.Account{ID: r.ID, Name: r.Name, Role: core.Role(r.Role), Workspace: parseWorkspace(r.Workspace),
		PasswordHash: r.PasswordHash, CreatedAt: r.CreatedAt.UTC()}
}

func (r tokenRow) core() core.APIToken {
	return core.APIToken{ID: r.ID, Name: r.Name, Hash: r.Hash, Scope: core.Scope(r.Scope),
		Workspace: parseWorkspace(r.Workspace), CreatedAt: r.CreatedAt.UTC(),
		ExpiresAt: utcPtr(r.ExpiresAt), RevokedAt: utcPtr(r.RevokedAt)}
}

// utcPtr returns a copy of *t in UTC, or nil.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := t.UTC()
	return &v
}

// slaText is a policy as stored: JSON, or "" for none.
func slaText(p core.SLAPolicy) string {
	if len(p) == 0 {
		return ""
	}
	b, err := json.Marshal(p)
	if err != nil {
		return ""
	}
	return string(b)
}
