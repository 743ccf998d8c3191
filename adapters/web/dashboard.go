package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"

	"github.com/ticketbot/ticketbot/core"
)

var errBadCSRF = &httpError{status: http.StatusForbidden, code: core.EForbidden,
	message: "this form has expired; reload the page and try again"}

var errStaffOnly = &httpError{status: http.StatusForbidden, code: core.EForbidden,
	message: "the dashboard is for staff; a requester account uses the portal at /portal"}

var errAdminOnly = &httpError{status: http.StatusForbidden, code: core.EForbidden,
	message: "only admins can manage accounts and tokens"}

// dashboard wraps a page or form handler: it needs a session (else it sends the browser to
// /login), refuses cross-origin POSTs, parses POSTed forms (capped) and checks their CSRF
// token, and with adminOnly refuses non-admins.
func (s *Server) dashboard(h func(http.ResponseWriter, *http.Request, *viewer), adminOnly bool) http.Handler {
	return s.cop.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, ok := s.signedIn(w, r, "/")
		if !ok {
			return
		}
		if !v.Role.AtLeast(core.RoleStaff) && r.URL.Path != "/logout" && r.URL.Path != "/account/password" {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/portal", http.StatusSeeOther) // requesters have the portal
				return
			}
			s.pageError(w, r, v, errStaffOnly)
			return
		}
		if v.mustChoose() && r.URL.Path != "/workspace" && r.URL.Path != "/logout" {
			if r.Method == http.MethodGet {
				chooseFirst(w, r)
				return
			}
			s.pageError(w, r, v, core.Errorf(core.EForbidden, "choose the workspace to work in first"))
			return
		}
		if len(v.staffIn) > 1 {
			v.Choices = s.choices(r, v)
		}
		if adminOnly && !v.IsAdmin() {
			s.pageError(w, r, v, errAdminOnly)
			return
		}
		h(w, r, v)
	}))
}

// formError turns a form parsing failure into 413 or 400.
func formError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return err
	}
	return core.Errorf(core.EInvalid, "the form could not be read")
}

// ticketView is the ticket page's data.
type ticketView struct {
	T        core.Ticket
	Messages []core.Message
	History  []core.Change
	// NextStatuses are the statuses the ticket may move to now.
	NextStatuses []core.Status
	// Nonce makes the reply form's message id, so a double-submitted reply is stored once.
	Nonce string
	// Form keeps what the user typed when a form failed.
	Form struct{ Note, Content, Assignee string }
	// Mine says the ticket is assigned to the viewer (or an identity linked to them).
	Mine bool
}

// ticketPage serves GET /tickets/{id}.
func (s *Server) ticketPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	s.showTicket(w, r, v, http.StatusOK, "", nil)
}

// showTicket renders ticket {id} with status and, after a failed form, its error and input.
func (s *Server) showTicket(w http.ResponseWriter, r *http.Request, v *viewer, status int, errMsg string, keep func(*ticketView)) {
	id, err := ticketID(r)
	if err != nil {
		s.pageError(w, r, v, core.Errorf(core.ENotFound, "ticket not found"))
		return
	}
	ctx, actor := r.Context(), v.Actor()
	t, err := s.svc.Ticket(ctx, actor, id)
	if err != nil {
		s.pageError(w, r, v, err)
		return
	}
	tv := ticketView{T: t, NextStatuses: nextStatuses(t.Status), Nonce: randomToken(16)}
	if tv.Messages, err = s.svc.Messages(ctx, actor, id); err != nil {
		s.pageError(w, r, v, err)
		return
	}
	if tv.History, err = s.svc.History(ctx, actor, id); err != nil {
		s.pageError(w, r, v, err)
		return
	}
	if keep != nil {
		keep(&tv)
	}
	if !t.Assignee.IsZero() {
		mine, err := s.myIDs(ctx, v)
		if err != nil {
			s.pageError(w, r, v, err)
			return
		}
		tv.Mine = slices.Contains(mine, t.Assignee.ID)
	}
	one := []core.Ticket{tv.T}
	book := s.named(ctx, []core.Workspace{t.Workspace}, ticketRefs(one), messageRefs(t.Workspace, tv.Messages), historyRefs(t.Workspace, tv.History))
	tv.T = one[0]
	title := "#" + strconv.FormatInt(t.Number, 10) + " " + t.Title
	s.render(w, r, status, "ticket", page{Title: title, Nav: "tickets", Viewer: v, Flash: flash(r), Error: errMsg, Body: tv, Names: book})
}

// nextStatuses lists the statuses the core lets a ticket in from move to.
func nextStatuses(from core.Status) []core.Status {
	var out []core.Status
	for _, st := range core.Statuses() {
		switch {
		case st == from:
		case from.Terminal() && st != core.StatusOpen && st != core.StatusClosed:
		default:
			out = append(out, st)
		}
	}
	return out
}
