package web

import (
	"net/http"
	"strconv"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/transcript"
)

// apiTranscript serves GET /api/v1/tickets/{id}/transcript?format=html|md|json&variant=staff|requester:
// the ticket's transcript as a file. Staff get the staff variant (with internal notes) unless
// they ask for the requester's.
func (s *Server) apiTranscript(w http.ResponseWriter, r *http.Request, actor core.Actor) {
	id, err := ticketID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.serveTranscript(w, r, actor, id)
}

// serveTranscript answers with ticket id's transcript in the format and variant the query
// asks for. Errors are answered as the request's kind (API JSON or a page).
func (s *Server) serveTranscript(w http.ResponseWriter, r *http.Request, actor core.Actor, id int64) {
	q := r.URL.Query()
	f, err := transcript.ParseFormat(q.Get("format"))
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	staff := actor.Role.AtLeast(core.RoleStaff)
	switch q.Get("variant") {
	case "", "staff":
	case "requester":
		staff = false
	default:
		s.internalError(w, r, core.FieldError("variant", "variant must be staff or requester"))
		return
	}
	tr, err := s.svc.Transcript(r.Context(), actor, id, staff)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	body, err := transcript.Render(tr, f)
	if err != nil {
		s.internalError(w, r, core.Internal("web.transcript", err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.ContentType())
	h.Set("Content-Disposition", `attachment; filename="`+transcript.FileName(tr.Ticket, f)+`"`)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// transcriptDownload serves the dashboard's GET /tickets/{id}/transcript (same query).
func (s *Server) transcriptDownload(w http.ResponseWriter, r *http.Request, v *viewer) {
	id, err := ticketID(r)
	if err != nil {
		s.pageError(w, r, v, core.Errorf(core.ENotFound, "ticket not found"))
		return
	}
	s.serveTranscript(w, r, v.Actor(), id)
}
