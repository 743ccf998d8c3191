package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/ticketbot/ticketbot/core"
)

// listPageSize is how many tickets one dashboard page shows.
const listPageSize = 25

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

// listView is the ticket list's data.
type listView struct {
	Tickets    []core.Ticket
	Status     string // "active", "all" or a status
	Workspace  string
	Query      string
	Mine       bool
	Workspaces []core.Workspace
	NextURL    string
	FirstURL   string
	Filtered   bool
}

// activeStatuses are the statuses the list shows by default.
var activeStatuses = []core.Status{core.StatusOpen, core.StatusInProgress, core.StatusWaiting}

// listPage serves GET /: tickets filtered by status, workspace, title text and assignee,
// newest first, a page at a time.
func (s *Server) listPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	q := r.URL.Query()
	lv := listView{Status: q.Get("status"), Workspace: q.Get("workspace"), Query: q.Get("q"), Mine: q.Get("mine") == "1"}
	if lv.Status == "" {
		lv.Status = "active"
	}
	var statuses []string
	switch lv.Status {
	case "active":
		for _, st := range activeStatuses {
			statuses = append(statuses, string(st))
		}
	case "all":
	default:
		statuses = []string{lv.Status}
	}
	f, _, err := listFilter(lv.Workspace, statuses, strconv.Itoa(listPageSize), q.Get("cursor"))
	if err != nil {
		s.pageError(w, r, v, err)
		return
	}
	f.Query = lv.Query
	if lv.Mine {
		f.Assignee = v.Actor().User.ID
	}
	ts, err := s.svc.ListTickets(r.Context(), v.Actor(), f)
	if err != nil {
		s.pageError(w, r, v, err)
		return
	}
	if lv.Workspaces, err = s.svc.Workspaces(r.Context(), v.Actor()); err != nil {
		s.pageError(w, r, v, err)
		return
	}
	lv.Filtered = lv.Status != "active" || lv.Workspace != "" || lv.Query != "" || lv.Mine
	base := url.Values{}
	for k, val := range map[string]string{"status": lv.Status, "workspace": lv.Workspace, "q": lv.Query} {
		if val != "" && !(k == "status" && val == "active") {
			base.Set(k, val)
		}
	}
	if lv.Mine {
		base.Set("mine", "1")
	}
	if len(ts) > listPageSize {
		ts = ts[:listPageSize]
		next := url.Values{}
		for k, vs := range base {
			next[k] = vs
		}
		next.Set("cursor", encodeCursor(ts[len(ts)-1].ID))
		lv.NextURL = "/?" + next.Encode()
	}
	if q.Get("cursor") != "" {
		lv.FirstURL = "/?" + base.Encode()
	}
	lv.Tickets = ts
	s.render(w, r, http.StatusOK, "list", page{Title: "Tickets", Nav: "tickets", Viewer: v, Flash: flash(r), Body: lv})
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
	title := "#" + strconv.FormatInt(t.Number, 10) + " " + t.Title
	s.render(w, r, status, "ticket", page{Title: title, Nav: "tickets", Viewer: v, Flash: flash(r), Error: errMsg, Body: tv})
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
