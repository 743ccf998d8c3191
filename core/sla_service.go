package core

import (
	"context"
	"strconv"
	"time"
)

// SLA clocks named in alerts.
const (
	SLAFirstResponse = "first_response"
	SLAResolution    = "resolution"
)

// SLA alert stages.
const (
	SLAStageWarning = "warning" // 75 % of the target has passed
	SLAStageBreach  = "breach"  // the due time has passed
)

// EventSLAAlert asks the workspace platform's Notifier to post an SLA alert into the ticket's
// staff side, mentioning the assignee (or the staff group when unassigned). Changes[0] says
// which: Field is "sla.first_response" or "sla.resolution", From the stage ("warning",
// "breach"), To the due time (RFC 3339).
const EventSLAAlert EventKind = "sla.alert"

// SLAAlert is one alert sent: (TicketID, Clock, Stage, Due) goes out once.
type SLAAlert struct {
	TicketID int64
	Clock    string
	Stage    string
	Due      time.Time
	At       time.Time
}

// SLAStore keeps what the SLA needs beyond the ticket row.
type SLAStore interface {
	// RecordFirstResponse sets ticket id's first response at at, which took took (see
	// SLAClock.ResponseTime), unless it has one, and clears its first-response alert time.
	// Errors: unavailable, internal.
	RecordFirstResponse(ctx context.Context, id int64, at time.Time, took time.Duration) error
	// DueSLAAlerts lists up to limit tickets whose first-response or resolution alert time is
	// at or before now (through the alert-time indexes). Errors: unavailable, internal.
	DueSLAAlerts(ctx context.Context, now time.Time, limit int) ([]Ticket, error)
	// RecordSLAAlert records a for its ticket, sets the clock's next alert time to next (nil:
	// none) and writes ev to the outbox, in one transaction, and reports whether it did: an
	// alert recorded before (by another replica too) records nothing and returns false.
	// Errors: unavailable, internal.
	RecordSLAAlert(ctx context.Context, a SLAAlert, next *time.Time, ev Event) (bool, error)
}

// slaSettings are the calendar and policy of ticket id's workspace.
func (s *Service) slaSettings(ctx context.Context, ws Workspace) (Hours, SLAPolicy, error) {
	st, err := s.Settings(ctx, ws)
	if err != nil {
		return Hours{}, nil, err
	}
	return st.Hours, st.SLA, nil
}

// slaFollow keeps t's SLA clocks after fn changed it from before: a status change pauses or
// resumes them, and any status or priority change recomputes the due times.
func slaFollow(h Hours, p SLAPolicy, before Ticket, t *Ticket, now time.Time) {
	if before.Status == t.Status && before.Priority == t.Priority {
		return
	}
	if before.Status != t.Status {
		t.SLA.Transition(h, before.Status, t.Status, now)
		if t.SLA.ResolvedAt == nil {
			t.SLA.ResolutionTime = 0
		} else if before.SLA.ResolvedAt == nil {
			t.SLA.ResolutionTime = t.SLA.Elapsed(h, t.CreatedAt, *t.SLA.ResolvedAt)
		}
	}
	t.SLA.Schedule(h, p[t.Priority], t.CreatedAt)
}

// noteResponse records a public staff message as the ticket's first response.
func (s *Service) noteResponse(ctx context.Context, actor Actor, t Ticket, m Message) {
	if m.Internal || !actor.Role.AtLeast(RoleStaff) || t.SLA.FirstResponseAt != nil || actor.User.ID == t.Reporter.ID {
		return
	}
	at := m.CreatedAt
	if at.IsZero() {
		at = s.clock.Now()
	}
	h, _, err := s.slaSettings(ctx, t.Workspace)
	if err != nil {
		s.log.WarnContext(ctx, "sla: could not read the support hours for the first response", "ticket", t.ID, "err", err)
	}
	if err := s.store.RecordFirstResponse(ctx, t.ID, at, t.SLA.Elapsed(h, t.CreatedAt, at)); err != nil {
		s.log.WarnContext(ctx, "sla: could not record the first response", "ticket", t.ID, "err", err)
	}
}

// SLAChecker sends SLA alerts: at 75 % of a target and at its due time, once each (the
// store's unique alert rows make that hold across replicas), through the outbox. Run its
// Check from the scheduler that holds the database lease.
type SLAChecker struct {
	Store Store
	Clock Clock
	// Batch bounds the tickets one Check looks at [200].
	Batch int
}

// Check sends the alerts due at now and returns how many it sent. Errors: unavailable, internal.
func (c SLAChecker) Check(ctx context.Context, now time.Time) (int, error) {
	batch := c.Batch
	if batch <= 0 {
		batch = 200
	}
	due, err := c.Store.DueSLAAlerts(ctx, now, batch)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, t := range due {
		for _, clk := range []struct {
			name    string
			alertAt *time.Time
			due     *time.Time
		}{
			{SLAFirstResponse, t.SLA.FirstAlertAt, t.SLA.FirstDue},
			{SLAResolution, t.SLA.ResolveAlertAt, t.SLA.ResolveDue},
		} {
			if clk.alertAt == nil || clk.due == nil || clk.alertAt.After(now) {
				continue
			}
			stage, next := SLAStageWarning, clk.due
			if !now.Before(*clk.due) {
				stage, next = SLAStageBreach, nil
			}
			a := SLAAlert{TicketID: t.ID, Clock: clk.name, Stage: stage, Due: *clk.due, At: now}
			ev := Event{Kind: EventSLAAlert, Workspace: t.Workspace, TicketID: t.ID, Actor: System().User, CreatedAt: now,
				Changes: []Change{{TicketID: t.ID, Actor: System().User, Field: "sla." + clk.name, From: stage,
					To: clk.due.UTC().Format(time.RFC3339), At: now}}}
			ok, err := c.Store.RecordSLAAlert(ctx, a, next, ev)
			if err != nil {
				return sent, err
			}
			if ok {
				sent++
			}
		}
	}
	return sent, nil
}

// SLAAlertOf reads an sla.alert event: the clock, the stage and the due time.
func SLAAlertOf(ev Event) (clock, stage string, due time.Time, ok bool) {
	if ev.Kind != EventSLAAlert || len(ev.Changes) == 0 {
		return "", "", time.Time{}, false
	}
	c := ev.Changes[0]
	due, err := time.Parse(time.RFC3339, c.To)
	if err != nil || len(c.Field) < 5 {
		return "", "", time.Time{}, false
	}
	return c.Field[4:], c.From, due, true
}

// SLAAlertText is the alert's line, e.g. "SLA: first response due in 15 m on #12 (75 % of
// the target used)" or "SLA breached: resolution of #12 was due 2 m ago"; mention is put in
// front by the adapter.
func SLAAlertText(t Ticket, clock, stage string, due, now time.Time) string {
	what := "first response"
	if clock == SLAResolution {
		what = "resolution"
	}
	n := "#" + strconv.FormatInt(t.Number, 10)
	if stage == SLAStageBreach {
		return "SLA breached: " + what + " of " + n + " was due " + ShortDuration(now.Sub(due)) + " ago"
	}
	return "SLA: " + what + " of " + n + " due in " + ShortDuration(due.Sub(now)) + " (75 % of the target used)"
}
