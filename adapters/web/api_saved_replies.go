package web

import (
	"net/http"
	"strconv"

	"github.com/ticketbot/ticketbot/core"
)

// The saved replies collection: /api/v1/workspaces/{ws}/saved-replies (GET lists, POST
// creates) and …/{id} (GET, PATCH, DELETE). Reading needs a read token of staff; changing
// needs an admin token (the core's rule: admins manage saved replies).

// savedReplyJSON is a saved reply in the API.
type savedReplyJSON struct {
	ID        int64  `json:"id"`
	Workspace string `json:"workspace"`
	Name      string `json:"name"`
	Content   string `json:"content"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

func toSavedReplyJSON(r core.SavedReply) savedReplyJSON {
	return savedReplyJSON{ID: r.ID, Workspace: r.Workspace.String(), Name: r.Name, Content: r.Content,
		CreatedAt: rfc3339(r.CreatedAt), UpdatedAt: rfc3339(r.UpdatedAt)}
}

// savedReplyPath reads {ws} (a workspace the token may see) and, with id, {id}.
// Errors: not_found.
func savedReplyPath(r *http.Request, actor core.Actor, withID bool) (core.Workspace, int64, error) {
	ws, err := settingsWorkspace(r)
	if err != nil {
		return ws, 0, err
	}
	if !actor.Workspace.IsZero() && actor.Workspace != ws {
		return ws, 0, core.Errorf(core.ENotFound, "workspace not found")
	}
	if !withID {
		return ws, 0, nil
	}
	s := r.PathValue("id")
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != s {
		return ws, 0, core.Errorf(core.ENotFound, "saved reply not found")
	}
	return ws, id, nil
}

// apiListSavedReplies serves GET /api/v1/workspaces/{ws}/saved-replies.
func (s *Server) apiListSavedReplies(w http.ResponseWriter, r *http.Request, actor core.Actor) {
	ws, _, err := savedReplyPath(r, actor, false)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	all, err := s.svc.SavedReplies(r.Context(), actor, ws)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := struct {
		SavedReplies []savedReplyJSON `json:"saved_replies"`
	}{SavedReplies: make([]savedReplyJSON, 0, len(all))}
	for _, sr := range all {
		out.SavedReplies = append(out.SavedReplies, toSavedReplyJSON(sr))
	}
	writeJSON(w, http.StatusOK, out)
}

// apiCreateSavedReply serves POST /api/v1/workspaces/{ws}/saved-replies.
func (s *Server) apiCreateSavedReply(w http.ResponseWriter, r *http.Request, actor core.Actor) {
	ws, _, err := savedReplyPath(r, actor, false)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var in struct {
		Name    string `json:"name"`
		Content string `json:"content"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	sr, err := s.svc.CreateSavedReply(r.Context(), actor, core.SavedReply{Workspace: ws, Name: in.Name, Content: in.Content})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/workspaces/"+ws.String()+"/saved-replies/"+strconv.FormatInt(sr.ID, 10))
	writeJSON(w, http.StatusCreated, toSavedReplyJSON(sr))
}

// apiGetSavedReply serves GET /api/v1/workspaces/{ws}/saved-replies/{id}.
func (s *Server) apiGetSavedReply(w http.ResponseWriter, r *http.Request, actor core.Actor) {
	ws, id, err := savedReplyPath(r, actor, true)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	sr, err := s.svc.SavedReply(r.Context(), actor, ws, id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toSavedReplyJSON(sr))
}

// apiPatchSavedReply serves PATCH /api/v1/workspaces/{ws}/saved-replies/{id}.
func (s *Server) apiPatchSavedReply(w http.ResponseWriter, r *http.Request, actor core.Actor) {
	ws, id, err := savedReplyPath(r, actor, true)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var in struct {
		Name    *string `json:"name"`
		Content *string `json:"content"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	if in.Name == nil && in.Content == nil {
		s.apiError(w, r, core.Errorf(core.EInvalid, "nothing to change: give name or content"))
		return
	}
	sr, err := s.svc.UpdateSavedReply(r.Context(), actor, ws, id, in.Name, in.Content)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toSavedReplyJSON(sr))
}

// apiDeleteSavedReply serves DELETE /api/v1/workspaces/{ws}/saved-replies/{id}.
func (s *Server) apiDeleteSavedReply(w http.ResponseWriter, r *http.Request, actor core.Actor) {
	ws, id, err := savedReplyPath(r, actor, true)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.svc.DeleteSavedReply(r.Context(), actor, ws, id); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
