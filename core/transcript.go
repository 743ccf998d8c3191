package core

import (
	"context"
	"time"
)

// Transcript is what a ticket's transcript shows: the ticket with its answers, its
// conversation (internal notes only in the staff variant; deleted messages never), its
// history (the status changes; in the staff variant every change) and its rating.
type Transcript struct {
	Ticket   Ticket
	Messages []Message
	History  []Change
	Rating   *Rating
	// Staff marks the staff variant, with internal notes and every change.
	Staff bool
	// At is when the transcript was made.
	At time.Time
}

// Transcript gathers ticket id's transcript for actor. staff asks for the staff variant,
// which only staff get; requesters (and staff asking for the requester's variant) get the
// public conversation and the status history. Errors: not_found, forbidden, unavailable,
// internal.
func (s *Service) Transcript(ctx context.Context, actor Actor, id int64, staff bool) (Transcript, error) {
	if staff && !actor.Role.AtLeast(RoleStaff) {
		return Transcript{}, Errorf(EForbidden, "only staff can see internal notes")
	}
	t, err := s.Ticket(ctx, actor, id)
	if err != nil {
		return Transcript{}, err
	}
	all, err := s.store.Messages(ctx, id)
	if err != nil {
		return Transcript{}, err
	}
	tr := Transcript{Ticket: t, Staff: staff, At: s.clock.Now()}
	for _, m := range all {
		if m.Deleted || (m.Internal && !staff) {
			continue
		}
		tr.Messages = append(tr.Messages, m)
	}
	changes, err := s.store.History(ctx, id)
	if err != nil {
		return Transcript{}, err
	}
	for _, c := range changes {
		if staff || c.Field == "status" || c.Field == "created" {
			tr.History = append(tr.History, c)
		}
	}
	r, err := s.store.Rating(ctx, id)
	switch {
	case err == nil:
		tr.Rating = &r
	case !IsCode(err, ENotFound):
		return Transcript{}, err
	}
	return tr, nil
}
