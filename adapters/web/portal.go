package web

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"

	"github.com/ticketbot/ticketbot/core"
)

// The requesters' portal (/portal): a requester account, or anyone signed in with Slack or
// Discord, sees the tickets they reported in every workspace they belong to, opens tickets,
// reads the public conversation and status history, replies, closes and reopens. Everything
// goes through the Service as the requester (core.RoleRequester in that workspace), so the
// core's rules decide what they see: their own tickets, never an internal note.

// portalPageNames are the portal's pages, rendered in templates/portal_layout.html.
var portalPageNames = []string{"portal_list", "portal_new", "portal_ticket"}

// portalListLimit bounds the tickets the portal lists per workspace.
const portalListLimit = 200

// portalRoutes are the portal's pages and forms.
func (s *Server) portalRoutes() []route {
	p := func(pattern string, h func(http.ResponseWriter, *http.Request, *viewer)) route {
		return route{pattern, s.common(s.portal(h))}
	}
	return []route{
		p("GET /portal", s.portalList),
		p("GET /portal/new", s.portalNew),
		p("POST /portal/tickets", s.portalPostTicket),
		p("GET /portal/tickets/{id}", s.portalTicket),
		p("POST /portal/tickets/{id}/messages", s.portalPostReply),
		p("POST /portal/tickets/{id}/close", s.portalPostClose),
		p("POST /portal/tickets/{id}/reopen", s.portalPostReopen),
	}
}

// portal wraps a portal page or form handler like dashboard does (session, cross-origin
// refusal, capped forms, CSRF). Staff accounts made with the CLI belong to no workspace and
// have no requester side: they are sent to the dashboard.
func (s *Server) portal(h func(http.ResponseWriter, *http.Request, *viewer)) http.Handler {
	return s.cop.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, ok := s.signedIn(w, r, "/portal")
		if !ok {
			return
		}
		if v.identity == nil && v.Workspace.IsZero() {
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
		h(w, r, v)
	}))
}

// portalListView is the portal list's data.
type portalListView struct {
	Tickets    []core.Ticket
	Status     string // "active", "all" or a status
	Workspaces []core.Workspace
	Staff      bool // the viewer may use the dashboard too
	names      *nameBook
}

// portalList serves GET /portal: the viewer's tickets in every workspace, newest first.
func (s *Server) portalList(w http.ResponseWriter, r *http.Request, v *viewer) {
	lv := portalListView{Status: r.URL.Query().Get("status"), Staff: v.Role.AtLeast(core.RoleStaff)}
	if lv.Status == "" {
		lv.Status = "active"
	}
	var f core.ListFilter
	switch lv.Status {
	case "active":
		f.Statuses = activeStatuses
	case "all":
	default:
		st, err := core.ParseStatus(lv.Status)
		if err != nil {
			s.renderPortal(w, r, v, http.StatusBadRequest, "portal_list", "My tickets", upperFirst(core.ErrorMessage(err))+".", lv)
			return
		}
		f.Statuses = []core.Status{st}
	}
	f.Limit = portalListLimit
	for _, actor := range v.portalActors() {
		ts, err := s.svc.ListTickets(r.Context(), actor, f)
		if err != nil {
			s.pageError(w, r, v, err)
			return
		}
		lv.Tickets = append(lv.Tickets, ts...)
		lv.Workspaces = append(lv.Workspaces, actor.Workspace)
	}
	slices.SortFunc(lv.Tickets, func(a, b core.Ticket) int { return cmp.Compare(b.ID, a.ID) })
	lv.names = s.named(r.Context(), ticketWorkspaces(lv.Tickets, lv.Workspaces...), ticketRefs(lv.Tickets))
	s.renderPortal(w, r, v, http.StatusOK, "portal_list", "My tickets", "", lv)
}

// portalNewView is the new-ticket form's data.
type portalNewView struct {
	Workspaces []core.Workspace
	Form       struct{ Workspace, Title, Description, Priority string }
	names      *nameBook
}

// portalNew serves GET /portal/new.
func (s *Server) portalNew(w http.ResponseWriter, r *http.Request, v *viewer) {
	nv := portalNewView{Workspaces: portalWorkspaces(v)}
	nv.names = s.named(r.Context(), nv.Workspaces)
	nv.Form.Priority = string(core.PriorityNormal)
	s.renderPortal(w, r, v, http.StatusOK, "portal_new", "New ticket", "", nv)
}

func portalWorkspaces(v *viewer) []core.Workspace {
	var out []core.Workspace
	for _, a := range v.portalActors() {
		out = append(out, a.Workspace)
	}
	return out
}

// portalTicketView is the portal's ticket page data: only what a requester may see.
type portalTicketView struct {
	T        core.Ticket
	Messages []core.Message
	// History holds the ticket's creation and status changes.
	History []core.Change
	Nonce   string
	Form    struct{ Content string }
	names   *nameBook
}

// portalTicket serves GET /portal/tickets/{id}.
func (s *Server) portalTicket(w http.ResponseWriter, r *http.Request, v *viewer) {
	s.showPortalTicket(w, r, v, http.StatusOK, "", "")
}

// portalActorFor returns the viewer's actor that may see ticket {id} and the ticket.
// Errors: not_found (also for another person's ticket), unavailable, internal.
func (s *Server) portalActorFor(r *http.Request, v *viewer) (core.Actor, core.Ticket, error) {
	id, err := ticketID(r)
	if err != nil {
		return core.Actor{}, core.Ticket{}, core.Errorf(core.ENotFound, "ticket not found")
	}
	for _, actor := range v.portalActors() {
		t, err := s.svc.Ticket(r.Context(), actor, id)
		if core.IsCode(err, core.ENotFound) {
			continue
		}
		return actor, t, err
	}
	return core.Actor{}, core.Ticket{}, core.Errorf(core.ENotFound, "ticket not found")
}

func (s *Server) showPortalTicket(w http.ResponseWriter, r *http.Request, v *viewer, status int, errMsg, content string) {
	actor, t, err := s.portalActorFor(r, v)
	if err != nil {
		s.pageError(w, r, v, err)
		return
	}
	ctx := r.Context()
	tv := portalTicketView{T: t, Nonce: randomToken(16)}
	tv.Form.Content = content
	if tv.Messages, err = s.svc.Messages(ctx, actor, t.ID); err != nil {
		s.pageError(w, r, v, err)
		return
	}
	all, err := s.svc.History(ctx, actor, t.ID)
	if err != nil {
		s.pageError(w, r, v, err)
		return
	}
	for _, c := range all {
		if c.Field == "created" || c.Field == "status" {
			tv.History = append(tv.History, c)
		}
	}
	one := []core.Ticket{tv.T}
	tv.names = s.named(ctx, []core.Workspace{t.Workspace}, ticketRefs(one), messageRefs(t.Workspace, tv.Messages), historyRefs(t.Workspace, tv.History))
	tv.T = one[0]
	title := "#" + strconv.FormatInt(t.Number, 10) + " " + t.Title
	s.renderPortal(w, r, v, status, "portal_ticket", title, errMsg, tv)
}

// renderPortal renders portal page name.
func (s *Server) renderPortal(w http.ResponseWriter, r *http.Request, v *viewer, status int, name, title, errMsg string, body any) {
	p := page{Title: title, Nav: "portal", Viewer: v, Flash: flash(r), Error: errMsg, Body: body}
	if nb, ok := body.(interface{ book() *nameBook }); ok {
		p.Names = nb.book()
	}
	s.render(w, r, status, name, p)
}

func (v portalListView) book() *nameBook   { return v.names }
func (v portalNewView) book() *nameBook    { return v.names }
func (v portalTicketView) book() *nameBook { return v.names }
