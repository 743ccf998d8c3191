package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/ticketbot/ticketbot/core"
)

// The ticket page's forms. Each redirects back to the ticket on success (so a reload does not
// repeat it) and re-renders the page with the error and the user's input when the core refuses.

// postStatus serves POST /tickets/{id}/status (fields status, note).
func (s *Server) postStatus(w http.ResponseWriter, r *http.Request, v *viewer) {
	note := r.PostForm.Get("note")
	err := s.withTicket(r, func(id int64) error {
		st, err := core.ParseStatus(r.PostForm.Get("status"))
		if err != nil {
			return err
		}
		_, err = s.svc.SetStatus(r.Context(), v.Actor(), id, st, note)
		return err
	})
	s.afterForm(w, r, v, err, "status", "", func(tv *ticketView) { tv.Form.Note = note })
}

// postPriority serves POST /tickets/{id}/priority (field priority).
func (s *Server) postPriority(w http.ResponseWriter, r *http.Request, v *viewer) {
	err := s.withTicket(r, func(id int64) error {
		p := core.Priority(strings.TrimSpace(r.PostForm.Get("priority")))
		_, err := s.svc.SetPriority(r.Context(), v.Actor(), id, p)
		return err
	})
	s.afterForm(w, r, v, err, "priority", "", nil)
}

// postAssignee serves POST /tickets/{id}/assignee: action "claim" assigns the viewer,
// "unassign" clears the assignee, anything else assigns the user id in field assignee.
func (s *Server) postAssignee(w http.ResponseWriter, r *http.Request, v *viewer) {
	typed := r.PostForm.Get("assignee")
	err := s.withTicket(r, func(id int64) error {
		ctx, actor := r.Context(), v.Actor()
		switch r.PostForm.Get("action") {
		case "claim":
			_, err := s.svc.Claim(ctx, actor, id)
			return err
		case "unassign":
			_, err := s.svc.Assign(ctx, actor, id, core.UserRef{})
			return err
		}
		if strings.TrimSpace(typed) == "" {
			return core.Errorf(core.EInvalid, "enter the user id to assign, or use Unassign")
		}
		u, err := parseAssignee(typed)
		if err != nil {
			return err
		}
		_, err = s.svc.Assign(ctx, actor, id, u)
		return err
	})
	s.afterForm(w, r, v, err, "assignee", "", func(tv *ticketView) { tv.Form.Assignee = typed })
}

// postReply serves POST /tickets/{id}/messages (fields content, nonce, kind): a reply is stored
// and delivered into the ticket's thread; kind=note makes it an internal note, which only
// the staff side sees. The form's nonce is the message id, so a double submit stores one
// message.
func (s *Server) postReply(w http.ResponseWriter, r *http.Request, v *viewer) {
	content := r.PostForm.Get("content")
	note := r.PostForm.Get("kind") == "note"
	nonce := r.PostForm.Get("nonce")
	if len(nonce) < 16 || len(nonce) > 64 || strings.Trim(nonce, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != "" {
		nonce = randomToken(16)
	}
	var (
		m       core.Message
		created bool
	)
	saved := strings.TrimSpace(r.PostForm.Get("saved"))
	err := s.withTicket(r, func(id int64) error {
		var err error
		in := core.MessageInput{ExternalID: "web:" + nonce, Content: content, Source: "web", Deliver: true, Internal: note}
		if saved != "" && !note {
			// The composer's saved reply choice: sent as it is, a public reply.
			m, _, err = s.svc.SendSavedReply(r.Context(), v.Actor(), id, saved, in)
			created = true
			return err
		}
		m, created, err = s.svc.AddMessage(r.Context(), v.Actor(), id, in)
		return err
	})
	done := "reply"
	if note {
		done = "note"
	} else if saved != "" {
		done = "saved_reply"
	}
	if err == nil && !created {
		done = "reply_dup"
	}
	s.afterForm(w, r, v, err, done, "#m"+strconv.FormatInt(m.ID, 10), func(tv *ticketView) { tv.Form.Content = content })
}

// withTicket calls fn with the {id} of the request.
func (s *Server) withTicket(r *http.Request, fn func(id int64) error) error {
	id, err := ticketID(r)
	if err != nil {
		return core.Errorf(core.ENotFound, "ticket not found")
	}
	return fn(id)
}

// afterForm finishes a ticket form: on success a redirect to the ticket with a confirmation;
// when the core refused (invalid, conflict, forbidden, rate limited) the ticket page again,
// with the reason and keep's restored input; anything else an error page.
func (s *Server) afterForm(w http.ResponseWriter, r *http.Request, v *viewer, err error, done, anchor string, keep func(*ticketView)) {
	if err == nil {
		http.Redirect(w, r, "/tickets/"+r.PathValue("id")+"?done="+done+anchor, http.StatusSeeOther)
		return
	}
	var he *httpError
	switch code := core.ErrorCode(err); {
	case errors.As(err, &he):
	case code == core.EInvalid || code == core.EConflict || code == core.EForbidden || code == core.ERateLimited:
		s.showTicket(w, r, v, statusOf(code), upperFirst(core.ErrorMessage(err))+".", keep)
		return
	}
	s.pageError(w, r, v, err)
}
