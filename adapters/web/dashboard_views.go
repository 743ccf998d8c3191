package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ticketbot/ticketbot/core"
)

// viewQueryKeys are the queue's filters a saved view keeps (never a cursor or a flash).
var viewQueryKeys = []string{"status", "workspace", "q", "assignee", "priority", "sort", "size"}

// viewLink is a saved view as the queue shows it.
type viewLink struct {
	ID     int64
	Name   string
	URL    string
	Active bool // the queue shows exactly this view's filters
}

// cleanViewQuery keeps the filters of raw that a view may hold, in a canonical order.
func cleanViewQuery(raw string) string {
	q, _ := url.ParseQuery(raw)
	out := url.Values{}
	for _, k := range viewQueryKeys {
		if v := strings.TrimSpace(q.Get(k)); v != "" {
			out.Set(k, v)
		}
	}
	return out.Encode()
}

// queueViews are v's saved views, the one matching the queue's query (current) marked.
func (s *Server) queueViews(r *http.Request, v *viewer, current string) ([]viewLink, error) {
	views, err := s.cfg.Views.List(r.Context(), v.Actor())
	if err != nil {
		return nil, err
	}
	out := make([]viewLink, 0, len(views))
	for _, sv := range views {
		q := cleanViewQuery(sv.Query)
		out = append(out, viewLink{ID: sv.ID, Name: sv.Name, URL: listURL(mustQuery(q)), Active: q == current})
	}
	return out, nil
}

func mustQuery(q string) url.Values {
	v, _ := url.ParseQuery(q)
	return v
}

// viewsRoutes are the saved views' forms; without Config.Views there are none.
func (s *Server) viewsRoutes() []route {
	if s.cfg.Views == nil {
		return nil
	}
	page := func(pattern string, h func(http.ResponseWriter, *http.Request, *viewer)) route {
		return route{pattern, s.common(s.dashboard(h, false))}
	}
	return []route{
		page("POST /views", s.postView),
		page("POST /views/{id}/rename", s.postRenameView),
		page("POST /views/{id}/delete", s.postDeleteView),
	}
}

// postView serves POST /views (name, query): the queue's filters saved under a name; the
// browser goes to the new view.
func (s *Server) postView(w http.ResponseWriter, r *http.Request, v *viewer) {
	q := cleanViewQuery(r.PostForm.Get("query"))
	if _, err := s.cfg.Views.Save(r.Context(), v.Actor(), r.PostForm.Get("name"), q); err != nil {
		s.pageError(w, r, v, err)
		return
	}
	to := mustQuery(q)
	to.Set("done", "view_saved")
	http.Redirect(w, r, listURL(to), http.StatusSeeOther)
}

// postRenameView serves POST /views/{id}/rename (name, back).
func (s *Server) postRenameView(w http.ResponseWriter, r *http.Request, v *viewer) {
	id, err := viewID(r)
	if err == nil {
		err = s.cfg.Views.Rename(r.Context(), v.Actor(), id, r.PostForm.Get("name"))
	}
	if err != nil {
		s.pageError(w, r, v, err)
		return
	}
	s.backToQueue(w, r, "view_renamed")
}

// postDeleteView serves POST /views/{id}/delete (back).
func (s *Server) postDeleteView(w http.ResponseWriter, r *http.Request, v *viewer) {
	id, err := viewID(r)
	if err == nil {
		err = s.cfg.Views.Delete(r.Context(), v.Actor(), id)
	}
	if err != nil {
		s.pageError(w, r, v, err)
		return
	}
	s.backToQueue(w, r, "view_deleted")
}

func viewID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, core.Errorf(core.ENotFound, "view not found")
	}
	return id, nil
}

// backToQueue returns to the queue with the filters of the form's back field.
func (s *Server) backToQueue(w http.ResponseWriter, r *http.Request, done string) {
	to := mustQuery(cleanViewQuery(r.PostForm.Get("back")))
	to.Set("done", done)
	http.Redirect(w, r, listURL(to), http.StatusSeeOther)
}
