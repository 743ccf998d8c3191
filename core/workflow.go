package core

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The helpdesk workflow's rules: a requester's message brings a waiting or resolved ticket
// back, a close asks the requester for a rating once, ratings, saved replies.

// MaxRatingCommentRunes bounds a rating's comment.
const MaxRatingCommentRunes = 1000

// csatOn reports whether ticket id's workspace asks for ratings. Errors: not_found,
// unavailable, internal.
func (s *Service) csatOn(ctx context.Context, id int64) (bool, error) {
	t, err := s.store.Ticket(ctx, id)
	if err != nil {
		return false, err
	}
	st, err := s.Settings(ctx, t.Workspace)
	if err != nil {
		return false, err
	}
	return st.CSAT(), nil
}

// askRating marks t, which is being closed, as asked for its rating, once per ticket: the
// "csat" change tells the requester side to ask.
func (s *Service) askRating(t *Ticket, csat bool) []Change {
	if !csat || t.Status != StatusClosed || t.CSATAskedAt != nil || t.Rating != 0 {
		return nil
	}
	now := s.clock.Now()
	t.CSATAskedAt = &now
	return []Change{s.change(System(), "csat", "", "asked", "")}
}

// requesterReplied moves ticket t back to open after its requester wrote in it while it was
// waiting or resolved; the new status restarts (so cancels) its timers. by is the requester.
func (s *Service) requesterReplied(ctx context.Context, t Ticket, by UserRef) error {
	if t.Status != StatusWaiting && t.Status != StatusResolved {
		return nil
	}
	_, err := s.update(ctx, System(), t.ID, func(x *Ticket) ([]Change, error) {
		if x.Status != StatusWaiting && x.Status != StatusResolved {
			return nil, nil
		}
		c := Change{Actor: by, Field: "status", From: string(x.Status), To: string(StatusOpen),
			Note: "the requester replied", At: s.clock.Now()}
		x.Status, x.StatusNote = StatusOpen, c.Note
		return []Change{c}, nil
	})
	return err
}

// writtenByRequester reports whether a message by actor, written in place p (zero: outside
// any place), comes from the ticket's requester side.
func writtenByRequester(actor Actor, t Ticket, p Place, internal bool) bool {
	if internal {
		return false
	}
	if p.ID != 0 {
		return p.Side() == SideRequester
	}
	return actor.User.ID == t.Reporter.ID && !actor.Role.AtLeast(RoleStaff)
}

// Rate records the requester's rating of their closed ticket id: score 1–5 and an optional
// comment. A second rating replaces the first only within RatingWindow of it; only the
// reporter rates, and only while the workspace asks for ratings.
// Errors: invalid (naming score or comment), not_found, forbidden, conflict, unavailable, internal.
func (s *Service) Rate(ctx context.Context, actor Actor, id int64, score int, comment string) (Rating, error) {
	if score < MinRating || score > MaxRating {
		return Rating{}, FieldError("score", "the rating must be from 1 to 5")
	}
	comment = strings.TrimSpace(CleanText(comment))
	if n := utf8.RuneCountInString(comment); n > MaxRatingCommentRunes {
		return Rating{}, FieldError("comment", "the comment is %d characters long; the limit is %d", n, MaxRatingCommentRunes)
	}
	csat, err := s.csatOn(ctx, id)
	if err != nil {
		return Rating{}, err
	}
	now := s.clock.Now()
	r := Rating{TicketID: id, Score: score, Comment: comment, Rater: actor.User, RatedAt: now}
	change := Change{Actor: actor.User, Field: "rating", To: strconv.Itoa(score), Note: comment, At: now}
	out, err := s.store.RateTicket(ctx, r, change, func(t Ticket, old *Rating) error {
		if !canSee(actor, t) {
			return ticketNotFound()
		}
		if t.Reporter.ID != actor.User.ID {
			return Errorf(EForbidden, "only the person who asked rates ticket #%d", t.Number)
		}
		if !csat {
			return Errorf(EForbidden, "this helpdesk does not ask for ratings")
		}
		if t.Status != StatusClosed {
			return Errorf(EConflict, "ticket #%d is %s; it can be rated once it is closed", t.Number, t.Status)
		}
		if old != nil && now.Sub(old.FirstRatedAt) > RatingWindow {
			return Errorf(EConflict, "ticket #%d was rated %d/5 more than 24 hours ago; that rating stays", t.Number, old.Score)
		}
		return nil
	})
	if err == nil {
		s.kick()
	}
	return out, err
}

// Rating returns ticket id's rating for staff and the reporter. Errors: not_found (no
// ticket, or not rated), unavailable, internal.
func (s *Service) Rating(ctx context.Context, actor Actor, id int64) (Rating, error) {
	if _, err := s.Ticket(ctx, actor, id); err != nil {
		return Rating{}, err
	}
	return s.store.Rating(ctx, id)
}

// Ratings lists ws's ratings given in [from, to), for staff (reports).
// Errors: forbidden, unavailable, internal.
func (s *Service) Ratings(ctx context.Context, actor Actor, ws Workspace, from, to time.Time) ([]Rating, error) {
	if err := canAccessWorkspace(actor, ws); err != nil {
		return nil, err
	}
	if !actor.Role.AtLeast(RoleStaff) {
		return nil, Errorf(EForbidden, "only staff see ratings")
	}
	return s.store.Ratings(ctx, ws, from, to)
}
