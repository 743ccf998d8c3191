package web

import (
	"net/http"
	"strconv"

	"github.com/ticketbot/ticketbot/core"
)

// The categories API: /api/v1/workspaces/{ws}/categories lists (read scope) and creates, and
// …/categories/{id} reads, changes and deletes one category. Changes need an admin token
// (the core allows only admins to define categories); a token bound to another workspace
// gets 404.

// categoryJSON is a category in the API.
type categoryJSON struct {
	ID          int64           `json:"id"`
	Workspace   string          `json:"workspace"`
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Questions   []core.Question `json:"questions"`
	CreatedAt   string          `json:"created_at"`
	UpdatedAt   string          `json:"updated_at"`
}

func toCategoryJSON(c core.Category) categoryJSON {
	qs := c.Questions
	if qs == nil {
		qs = []core.Question{}
	}
	return categoryJSON{ID: c.ID, Workspace: c.Workspace.String(), Name: c.Name, Description: c.Description,
		Questions: qs, CreatedAt: rfc3339(c.CreatedAt), UpdatedAt: rfc3339(c.UpdatedAt)}
}

// categoryBody is a POST or PATCH body; absent fields of a PATCH stay.
type categoryBody struct {
	Name        *string          `json:"name"`
	Description *string          `json:"description"`
	Questions   *[]core.Question `json:"questions"`
}

func (b categoryBody) input() core.CategoryInput {
	return core.CategoryInput{Name: b.Name, Description: b.Description, Questions: b.Questions}
}

// categoryWorkspace reads {ws}: a workspace actor may not act in is not found.
func categoryWorkspace(r *http.Request, actor core.Actor) (core.Workspace, error) {
	ws, err := core.ParseWorkspace(r.PathValue("ws"))
	if err != nil || (!actor.Workspace.IsZero() && actor.Workspace != ws) {
		return core.Workspace{}, core.Errorf(core.ENotFound, "workspace not found")
	}
	return ws, nil
}

func categoryID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, core.Errorf(core.ENotFound, "category not found")
	}
	return id, nil
}

// apiListCategories serves GET /api/v1/workspaces/{ws}/categories.
func (s *Server) apiListCategories(w http.ResponseWriter, r *http.Request, actor core.Actor) {
	ws, err := categoryWorkspace(r, actor)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	cs, err := s.svc.Categories(r.Context(), actor, ws)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := struct {
		Categories []categoryJSON `json:"categories"`
	}{Categories: make([]categoryJSON, 0, len(cs))}
	for _, c := range cs {
		out.Categories = append(out.Categories, toCategoryJSON(c))
	}
	writeJSON(w, http.StatusOK, out)
}

// apiCreateCategory serves POST /api/v1/workspaces/{ws}/categories.
func (s *Server) apiCreateCategory(w http.ResponseWriter, r *http.Request, actor core.Actor) {
	ws, err := categoryWorkspace(r, actor)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var in categoryBody
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	c, err := s.svc.CreateCategory(r.Context(), actor, ws, in.input())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/workspaces/"+ws.String()+"/categories/"+strconv.FormatInt(c.ID, 10))
	writeJSON(w, http.StatusCreated, toCategoryJSON(c))
}

// apiGetCategory serves GET /api/v1/workspaces/{ws}/categories/{id}.
func (s *Server) apiGetCategory(w http.ResponseWriter, r *http.Request, actor core.Actor) {
	ws, err := categoryWorkspace(r, actor)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	id, err := categoryID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	c, err := s.svc.Category(r.Context(), actor, ws, id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toCategoryJSON(c))
}

// apiPatchCategory serves PATCH /api/v1/workspaces/{ws}/categories/{id}.
func (s *Server) apiPatchCategory(w http.ResponseWriter, r *http.Request, actor core.Actor) {
	ws, err := categoryWorkspace(r, actor)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	id, err := categoryID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var in categoryBody
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	c, err := s.svc.UpdateCategory(r.Context(), actor, ws, id, in.input())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toCategoryJSON(c))
}

// apiDeleteCategory serves DELETE /api/v1/workspaces/{ws}/categories/{id}: 204.
func (s *Server) apiDeleteCategory(w http.ResponseWriter, r *http.Request, actor core.Actor) {
	ws, err := categoryWorkspace(r, actor)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	id, err := categoryID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.svc.DeleteCategory(r.Context(), actor, ws, id); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
