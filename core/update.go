package core

import (
	"context"
	"unicode/utf8"
)

// TicketUpdate is a change to several fields of a ticket at once; nil fields stay as they are.
type TicketUpdate struct {
	Status   *Status
	Priority *Priority
	// Assignee sets the assignee; a zero UserRef unassigns.
	Assignee *UserRef
	// Note goes with the status change (a close reason), or alone as a note in the history.
	Note string
	// Strict makes a field that already has the asked value a conflict ("already high
	// priority"), as chat commands want; without it such a field is simply no change.
	Strict bool
}

// UpdateTicket applies u to ticket id in one transaction: all of it or nothing, with one
// history entry per changed field and one ticket.changed event. Staff may change anything;
// the reporter may only close their ticket or reopen it.
// Errors: invalid, not_found, forbidden, conflict, unavailable, internal.
func (s *Service) UpdateTicket(ctx context.Context, actor Actor, id int64, u TicketUpdate) (Ticket, error) {
	t, err := s.updateTicket(ctx, actor, id, u)
	if IsCode(err, ENotFound) {
		// Not the actor's workspace: staff of a workspace linked to the ticket's act as its
		// staff (staffFrom). Checked only then, so the common case costs no extra read.
		if a := s.actorFor(ctx, actor, id); a != actor {
			return s.updateTicket(ctx, a, id, u)
		}
	}
	return t, err
}

func (s *Service) updateTicket(ctx context.Context, actor Actor, id int64, u TicketUpdate) (Ticket, error) {
	if u.Status != nil {
		if _, err := ParseStatus(string(*u.Status)); err != nil {
			return Ticket{}, FieldError("status", "%s", ErrorMessage(err))
		}
	}
	if u.Priority != nil {
		if p, err := ParsePriority(string(*u.Priority)); err != nil || *u.Priority == "" || p != *u.Priority {
			return Ticket{}, FieldError("priority", "unknown priority %q (use low, normal, high or urgent)", *u.Priority)
		}
	}
	u.Note = CleanText(u.Note)
	if n := utf8.RuneCountInString(u.Note); n > MaxDescriptionRunes {
		return Ticket{}, FieldError("note", "the note is %d characters long; the limit is %d", n, MaxDescriptionRunes)
	}
	if u.Status == nil && u.Priority == nil && u.Assignee == nil && u.Note == "" {
		return Ticket{}, Errorf(EInvalid, "nothing to change")
	}
	return s.update(ctx, actor, id, func(t *Ticket) ([]Change, error) {
		var cs []Change
		if u.Priority != nil {
			if !actor.Role.AtLeast(RoleStaff) {
				return nil, Errorf(EForbidden, "only staff can change the priority")
			}
			if t.Priority == *u.Priority {
				if u.Strict {
					return nil, Errorf(EConflict, "ticket #%d is already %s priority", t.Number, t.Priority)
				}
			} else {
				cs = append(cs, s.change(actor, "priority", string(t.Priority), string(*u.Priority), ""))
				t.Priority = *u.Priority
			}
		}
		if u.Assignee != nil {
			if !actor.Role.AtLeast(RoleStaff) {
				return nil, Errorf(EForbidden, "only staff can assign tickets")
			}
			if t.Assignee.ID == u.Assignee.ID {
				if u.Strict && u.Assignee.IsZero() {
					return nil, Errorf(EConflict, "ticket #%d is not assigned", t.Number)
				}
				if u.Strict {
					return nil, Errorf(EConflict, "ticket #%d is already assigned to %s", t.Number, displayName(*u.Assignee))
				}
			} else {
				cs = append(cs, s.change(actor, "assignee", t.Assignee.ID, u.Assignee.ID, ""))
				t.Assignee = *u.Assignee
			}
		}
		if u.Status != nil {
			to := *u.Status
			if err := canChangeStatus(actor, *t, to); err != nil {
				return nil, err
			}
			if t.Status == to && !u.Strict {
				// no change
			} else {
				if err := checkTransition(t.Number, t.Status, to); err != nil {
					return nil, err
				}
				cs = append(cs, s.change(actor, "status", string(t.Status), string(to), u.Note))
				t.Status = to
				t.StatusNote = u.Note
				u.Note = ""
			}
		}
		if u.Note != "" {
			if !actor.Role.AtLeast(RoleStaff) {
				return nil, Errorf(EForbidden, "only staff can add notes to the history")
			}
			cs = append(cs, s.change(actor, "note", "", "", u.Note))
		}
		return cs, nil
	})
}

// SetStatus moves ticket id to status with an optional note (see UpdateTicket for who may).
// Errors: invalid, not_found, forbidden, conflict, unavailable, internal.
func (s *Service) SetStatus(ctx context.Context, actor Actor, id int64, to Status, note string) (Ticket, error) {
	return s.UpdateTicket(ctx, actor, id, TicketUpdate{Status: &to, Note: note, Strict: true})
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
	return s.UpdateTicket(ctx, actor, id, TicketUpdate{Assignee: &assignee, Strict: true})
}

// Claim assigns ticket id to actor. Staff only.
func (s *Service) Claim(ctx context.Context, actor Actor, id int64) (Ticket, error) {
	return s.Assign(ctx, actor, id, actor.User)
}

// SetPriority changes ticket id's priority. Staff only.
// Errors: invalid, not_found, forbidden, conflict, unavailable, internal.
func (s *Service) SetPriority(ctx context.Context, actor Actor, id int64, p Priority) (Ticket, error) {
	return s.UpdateTicket(ctx, actor, id, TicketUpdate{Priority: &p, Strict: true})
}
