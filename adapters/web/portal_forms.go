package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/ticketbot/ticketbot/core"
)

// The portal's forms: open a ticket, reply, close, reopen. Each redirects on success (a reload
// does not repeat it) and shows the form again with the reason when the core refuses.

// portalPostTicket serves POST /portal/tickets (fields workspace, title, description,
// priority). The workspace may be left out when the viewer belongs to one.
func (s *Server) portalPostTicket(w http.ResponseWriter, r *http.Request, v *viewer) {
	f := r.PostForm
	nv := portalNewView{Workspaces: portalWorkspaces(v)}
	nv.Form.Workspace, nv.Form.Title, nv.Form.Description, nv.Form.Priority =
		f.Get("workspace"), f.Get("title"), f.Get("description"), f.Get("priority")
	refuse := func(err error) {
		code := core.ErrorCode(err)
		if code == core.EInvalid || code == core.EForbidden || code == core.ERateLimited {
			nv.names = s.named(r.Context(), nv.Workspaces)
			s.renderPortal(w, r, v, statusOf(code), "portal_new", "New ticket", upperFirst(core.ErrorMessage(err))+".", nv)
			return
		}
		s.pageError(w, r, v, err)
	}
	var (
		actor  core.Actor
		ok     bool
		actors = v.portalActors()
	)
	if len(actors) == 1 && nv.Form.Workspace == "" {
		actor, ok = actors[0], true
	}
	for _, a := range actors {
		if a.Workspace.String() == nv.Form.Workspace {
			actor, ok = a, true
		}
	}
	if !ok {
		refuse(core.FieldError("workspace", "choose one of your workspaces"))
		return
	}
	t, err := s.svc.OpenTicket(r.Context(), actor, core.OpenInput{Workspace: actor.Workspace,
		Title: nv.Form.Title, Description: nv.Form.Description, Priority: nv.Form.Priority})
	if err != nil {
		refuse(err)
		return
	}
	http.Redirect(w, r, "/portal/tickets/"+strconv.FormatInt(t.ID, 10)+"?done=opened", http.StatusSeeOther)
}

// portalPostReply serves POST /portal/tickets/{id}/messages (fields content, nonce). The
// reply is the requester's, written outside the ticket's places, so the core copies it to
// the staff side (and the requester's chat side) like any requester message.
func (s *Server) portalPostReply(w http.ResponseWriter, r *http.Request, v *viewer) {
	content := r.PostForm.Get("content")
	nonce := r.PostForm.Get("nonce")
	if len(nonce) < 16 || len(nonce) > 64 || strings.Trim(nonce, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != "" {
		nonce = randomToken(16)
	}
	var created bool
	err := s.portalAct(r, v, func(actor core.Actor, t core.Ticket) error {
		var err error
		_, created, err = s.svc.AddMessage(r.Context(), actor, t.ID, core.MessageInput{
			ExternalID: "web:" + nonce, Content: content, Source: "web", Deliver: true,
		})
		return err
	})
	done := "portal_reply"
	if err == nil && !created {
		done = "reply_dup"
	}
	s.afterPortalForm(w, r, v, err, done, content)
}

// portalPostClose serves POST /portal/tickets/{id}/close.
func (s *Server) portalPostClose(w http.ResponseWriter, r *http.Request, v *viewer) {
	err := s.portalAct(r, v, func(actor core.Actor, t core.Ticket) error {
		_, err := s.svc.Close(r.Context(), actor, t.ID, "closed by the requester")
		return err
	})
	s.afterPortalForm(w, r, v, err, "portal_closed", "")
}

// portalPostReopen serves POST /portal/tickets/{id}/reopen.
func (s *Server) portalPostReopen(w http.ResponseWriter, r *http.Request, v *viewer) {
	err := s.portalAct(r, v, func(actor core.Actor, t core.Ticket) error {
		_, err := s.svc.Reopen(r.Context(), actor, t.ID, "reopened by the requester")
		return err
	})
	s.afterPortalForm(w, r, v, err, "portal_reopened", "")
}

// portalAct calls fn with the viewer's actor for ticket {id}.
func (s *Server) portalAct(r *http.Request, v *viewer, fn func(core.Actor, core.Ticket) error) error {
	actor, t, err := s.portalActorFor(r, v)
	if err != nil {
		return err
	}
	return fn(actor, t)
}

// afterPortalForm finishes a portal ticket form like afterForm does for the dashboard.
func (s *Server) afterPortalForm(w http.ResponseWriter, r *http.Request, v *viewer, err error, done, content string) {
	if err == nil {
		http.Redirect(w, r, "/portal/tickets/"+r.PathValue("id")+"?done="+done, http.StatusSeeOther)
		return
	}
	var he *httpError
	switch code := core.ErrorCode(err); {
	case errors.As(err, &he):
	case code == core.EInvalid || code == core.EConflict || code == core.EForbidden || code == core.ERateLimited:
		s.showPortalTicket(w, r, v, statusOf(code), upperFirst(core.ErrorMessage(err))+".", content)
		return
	}
	s.pageError(w, r, v, err)
}
