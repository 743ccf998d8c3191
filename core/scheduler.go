package core

import (
	"context"
	"log/slog"
	"time"
)

// The scheduler runs the workflow's timers: one reminder on the requester side of a ticket
// that waits on its requester, the close of a ticket that waited too long ("no reply"), and
// the close of a resolved ticket nobody reopened. Every due time is derived from stored data
// (a ticket's StatusChangedAt and Reminded, the workspace's delays), so a restart loses
// nothing; one replica at a time runs them, holding a lease row in the database; it reads the
// Service's clock, so tests move time instead of waiting; and it acts through the Service as
// System(), so its changes write history and outbox events like anyone's.

// Scheduler defaults.
const (
	defaultTimerInterval = 30 * time.Second
	defaultTimerBatch    = 100
	// timerLease names the scheduler's lease row.
	timerLease = "workflow-timers"
)

// CloseNoReply is the reason a waiting ticket is closed with.
const CloseNoReply = "no reply"

// CloseResolvedNote is the note of a resolved ticket's automatic close.
const CloseResolvedNote = "resolved and not reopened"

// SchedulerConfig configures a Scheduler; Service and Owner are required.
type SchedulerConfig struct {
	Service *Service
	// Owner names this replica in the lease (host and process id, say).
	Owner string
	// Interval is how often a round runs [30s]; the lease lasts three intervals.
	Interval time.Duration
	// Batch bounds the tickets one round handles per workspace and timer [100].
	Batch int
	Log   *slog.Logger
}

// Scheduler runs the workflow timers; see the comment above.
type Scheduler struct {
	svc      *Service
	owner    string
	interval time.Duration
	batch    int
	log      *slog.Logger
}

// NewScheduler builds a Scheduler. Errors: invalid (no Service or Owner).
func NewScheduler(c SchedulerConfig) (*Scheduler, error) {
	if c.Service == nil || c.Owner == "" {
		return nil, Errorf(EInvalid, "core.NewScheduler: a Service and an Owner are required")
	}
	if c.Interval <= 0 {
		c.Interval = defaultTimerInterval
	}
	if c.Batch <= 0 {
		c.Batch = defaultTimerBatch
	}
	if c.Log == nil {
		c.Log = c.Service.log
	}
	return &Scheduler{svc: c.Service, owner: c.Owner, interval: c.Interval, batch: c.Batch, log: c.Log}, nil
}

// Run runs a round every interval until ctx ends, then gives the lease up.
func (s *Scheduler) Run(ctx context.Context) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			if err := s.svc.store.ReleaseLease(rctx, timerLease, s.owner); err != nil {
				s.log.Warn("scheduler: could not release the lease", "err", err)
			}
			cancel()
			return
		case <-t.C:
		}
		if _, err := s.Tick(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("scheduler: round failed; retrying next round", "err", err)
		}
		t.Reset(s.interval)
	}
}

// TimerCounts says what a round did.
type TimerCounts struct {
	// Held reports whether this replica held the lease (else it did nothing).
	Held                                    bool
	Reminded, ClosedWaiting, ClosedResolved int
	// SLAAlerts counts the SLA alerts sent (see SLAChecker).
	SLAAlerts int
}

// Tick runs one round if this replica holds (or can take) the lease: for every workspace with
// tickets, the due closes and then the due reminders. Errors: unavailable, internal (the round
// stops at the first failure; the next one carries on, since nothing due is forgotten).
func (s *Scheduler) Tick(ctx context.Context) (TimerCounts, error) {
	var n TimerCounts
	now := s.svc.clock.Now()
	held, err := s.svc.store.AcquireLease(ctx, timerLease, s.owner, now, 3*s.interval)
	if err != nil || !held {
		return n, err
	}
	n.Held = true
	// SLA alerts due now (75 % and breach), each a unique row written with its event.
	if n.SLAAlerts, err = (SLAChecker{Store: s.svc.store}).Check(ctx, now); err != nil {
		return n, err
	}
	if n.SLAAlerts > 0 {
		s.svc.kick()
	}
	workspaces, err := s.svc.store.Workspaces(ctx)
	if err != nil {
		return n, err
	}
	for _, ws := range workspaces {
		st, err := s.svc.Settings(ctx, ws)
		if err != nil {
			return n, err
		}
		d := st.Delays()
		for _, tm := range []struct {
			status   Status
			reminded bool
			after    time.Duration
			count    *int
			act      func(context.Context, Ticket, time.Time, bool) (bool, error)
		}{
			{StatusWaiting, false, d.CloseWaitingAfter, &n.ClosedWaiting, s.closeDue},
			{StatusWaiting, true, d.CloseWaitingAfter, &n.ClosedWaiting, s.closeDue},
			{StatusResolved, false, d.CloseResolvedAfter, &n.ClosedResolved, s.closeDue},
			{StatusResolved, true, d.CloseResolvedAfter, &n.ClosedResolved, s.closeDue},
			{StatusWaiting, false, d.ReminderAfter, &n.Reminded, s.remindDue},
		} {
			cutoff := now.Add(-tm.after)
			due, err := s.svc.store.DueTickets(ctx, ws, tm.status, tm.reminded, cutoff, s.batch)
			if err != nil {
				return n, err
			}
			for _, t := range due {
				did, err := tm.act(ctx, t, cutoff, st.CSAT())
				if err != nil {
					return n, err
				}
				if did {
					*tm.count++
				}
			}
		}
	}
	return n, nil
}

// Timer rules, as pure functions of a ticket, the time and the delays, so they can be tested
// as a table. A due time counts from the ticket's last status change.

// ReminderDue reports whether t should get its reminder at now.
func ReminderDue(t Ticket, now time.Time, d Delays) bool {
	return t.Status == StatusWaiting && !t.Reminded && !now.Before(t.StatusChangedAt.Add(d.ReminderAfter)) &&
		now.Before(t.StatusChangedAt.Add(d.CloseWaitingAfter))
}

// CloseDue reports whether t should be closed at now, and with which note.
func CloseDue(t Ticket, now time.Time, d Delays) (bool, string) {
	switch t.Status {
	case StatusWaiting:
		return !now.Before(t.StatusChangedAt.Add(d.CloseWaitingAfter)), CloseNoReply
	case StatusResolved:
		return !now.Before(t.StatusChangedAt.Add(d.CloseResolvedAfter)), CloseResolvedNote
	}
	return false, ""
}

// closeDue closes t if it still is as the due query saw it (same status, no newer status
// change than cutoff): a requester who replied in between wins.
func (s *Scheduler) closeDue(ctx context.Context, t Ticket, cutoff time.Time, csat bool) (bool, error) {
	did := false
	_, err := s.svc.update(ctx, System(), t.ID, func(x *Ticket) ([]Change, error) {
		if x.Status != t.Status || x.StatusChangedAt.After(cutoff) {
			return nil, nil
		}
		note := CloseNoReply
		if x.Status == StatusResolved {
			note = CloseResolvedNote
		}
		cs := []Change{s.svc.change(System(), "status", string(x.Status), string(StatusClosed), note)}
		x.Status, x.StatusNote = StatusClosed, note
		did = true
		return append(cs, s.svc.askRating(x, csat)...), nil
	})
	if IsCode(err, ENotFound) {
		return false, nil // deleted meanwhile
	}
	return did, err
}

// remindDue marks t reminded (the "reminder" change makes the requester side post it) if it
// still waits since before cutoff and was not reminded yet.
func (s *Scheduler) remindDue(ctx context.Context, t Ticket, cutoff time.Time, _ bool) (bool, error) {
	did := false
	_, err := s.svc.update(ctx, System(), t.ID, func(x *Ticket) ([]Change, error) {
		if x.Status != StatusWaiting || x.Reminded || x.StatusChangedAt.After(cutoff) {
			return nil, nil
		}
		x.Reminded, did = true, true
		return []Change{s.svc.change(System(), "reminder", "", "sent", "")}, nil
	})
	if IsCode(err, ENotFound) {
		return false, nil
	}
	return did, err
}
