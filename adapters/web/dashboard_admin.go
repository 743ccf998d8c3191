package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ticketbot/ticketbot/core"
)

// The admin pages of the workflow: saved replies and a workspace's settings. Both work on one
// workspace at a time (?ws=, the first with a helpdesk by default) and go through the same
// core rules as the API; the settings form is read into the API's settingsPatch, so both
// check every value the same way.

// WorkspacePicker is the workspace choice at the top of an admin page.
type WorkspacePicker struct {
	Workspaces []core.Settings
	Current    core.Settings
	Names      *nameBook // what Workspaces are called
}

// pickWorkspace loads the workspaces with a helpdesk and the one asked for (by name in the
// query or form field ws). Errors: not_found (no helpdesk anywhere, or not that one),
// forbidden, unavailable, internal.
func (s *Server) pickWorkspace(r *http.Request, v *viewer, raw string) (WorkspacePicker, error) {
	all, err := s.svc.HelpdeskWorkspaces(r.Context(), v.Actor())
	if err != nil {
		return WorkspacePicker{}, err
	}
	p := WorkspacePicker{Workspaces: all, Names: s.named(r.Context(), settingsWorkspaces(all))}
	if len(all) == 0 {
		return p, nil
	}
	if raw == "" {
		p.Current = all[0]
		return p, nil
	}
	for _, st := range all {
		if st.Workspace.String() == raw {
			p.Current = st
			return p, nil
		}
	}
	return p, core.Errorf(core.ENotFound, "workspace %q has no helpdesk", raw)
}

// settingsWorkspaces are the workspaces of all.
func settingsWorkspaces(all []core.Settings) []core.Workspace {
	out := make([]core.Workspace, len(all))
	for i, st := range all {
		out[i] = st.Workspace
	}
	return out
}

// savedRepliesView is the saved replies page.
type savedRepliesView struct {
	WorkspacePicker
	Replies []core.SavedReply
	Form    struct{ ID, Name, Content string }
}

// savedRepliesPage serves GET /admin/saved-replies?ws=.
func (s *Server) savedRepliesPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	s.showSavedReplies(w, r, v, r.URL.Query().Get("ws"), http.StatusOK, "", nil)
}

func (s *Server) showSavedReplies(w http.ResponseWriter, r *http.Request, v *viewer, ws string, status int, errMsg string, keep func(*savedRepliesView)) {
	p, err := s.pickWorkspace(r, v, ws)
	if err != nil {
		s.pageError(w, r, v, err)
		return
	}
	sv := savedRepliesView{WorkspacePicker: p}
	if !p.Current.Workspace.IsZero() {
		if sv.Replies, err = s.svc.SavedReplies(r.Context(), v.Actor(), p.Current.Workspace); err != nil {
			s.pageError(w, r, v, err)
			return
		}
	}
	if keep != nil {
		keep(&sv)
	}
	s.render(w, r, status, "saved_replies", page{Title: "Saved replies", Nav: "saved", Viewer: v, Flash: flash(r), Error: errMsg, Body: sv})
}

// postSavedReply serves POST /admin/saved-replies (fields ws, id, name, content): creates a
// saved reply, or changes saved reply id.
func (s *Server) postSavedReply(w http.ResponseWriter, r *http.Request, v *viewer) {
	f := r.PostForm
	p, err := s.pickWorkspace(r, v, f.Get("ws"))
	if err == nil && p.Current.Workspace.IsZero() {
		err = core.Errorf(core.EInvalid, "no workspace has a helpdesk yet")
	}
	if err == nil {
		name, content := f.Get("name"), f.Get("content")
		if idStr := f.Get("id"); idStr != "" {
			id, perr := strconv.ParseInt(idStr, 10, 64)
			if perr != nil {
				err = core.Errorf(core.ENotFound, "saved reply not found")
			} else {
				_, err = s.svc.UpdateSavedReply(r.Context(), v.Actor(), p.Current.Workspace, id, &name, &content)
			}
		} else {
			_, err = s.svc.CreateSavedReply(r.Context(), v.Actor(), core.SavedReply{Workspace: p.Current.Workspace, Name: name, Content: content})
		}
	}
	if err == nil {
		http.Redirect(w, r, "/admin/saved-replies?ws="+url.QueryEscape(p.Current.Workspace.String())+"&done=saved", http.StatusSeeOther)
		return
	}
	if code := core.ErrorCode(err); code == core.EInvalid || code == core.EConflict {
		s.showSavedReplies(w, r, v, f.Get("ws"), statusOf(code), upperFirst(core.ErrorMessage(err))+".", func(sv *savedRepliesView) {
			sv.Form.ID, sv.Form.Name, sv.Form.Content = f.Get("id"), f.Get("name"), f.Get("content")
		})
		return
	}
	s.pageError(w, r, v, err)
}

// postDeleteSavedReply serves POST /admin/saved-replies/{id}/delete (field ws).
func (s *Server) postDeleteSavedReply(w http.ResponseWriter, r *http.Request, v *viewer) {
	ws, err := core.ParseWorkspace(r.PostForm.Get("ws"))
	if err != nil {
		s.pageError(w, r, v, core.Errorf(core.ENotFound, "workspace not found"))
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err == nil {
		err = s.svc.DeleteSavedReply(r.Context(), v.Actor(), ws, id)
	} else {
		err = core.Errorf(core.ENotFound, "saved reply not found")
	}
	if err != nil {
		s.pageError(w, r, v, err)
		return
	}
	http.Redirect(w, r, "/admin/saved-replies?ws="+url.QueryEscape(ws.String())+"&done=saved_gone", http.StatusSeeOther)
}

// settingsView is the settings page: the workspace's settings as the API shows them, and
// the field a refused form named.
type settingsView struct {
	WorkspacePicker
	S     settingsJSON
	Field string
}

// settingsPage serves GET /admin/settings?ws=.
func (s *Server) settingsPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	s.showSettings(w, r, v, r.URL.Query().Get("ws"), http.StatusOK, "", nil)
}

func (s *Server) showSettings(w http.ResponseWriter, r *http.Request, v *viewer, ws string, status int, errMsg string, keep func(*settingsView)) {
	p, err := s.pickWorkspace(r, v, ws)
	if err != nil {
		s.pageError(w, r, v, err)
		return
	}
	sv := settingsView{WorkspacePicker: p}
	if !p.Current.Workspace.IsZero() {
		sv.S = toSettingsJSON(p.Current)
	}
	if keep != nil {
		keep(&sv)
	}
	s.render(w, r, status, "settings", page{Title: "Settings", Nav: "settings", Viewer: v, Flash: flash(r), Error: errMsg, Body: sv})
}

// postSettings serves POST /admin/settings: the form's fields are the API's settings fields
// (csat as a checkbox), checked by the same rules.
func (s *Server) postSettings(w http.ResponseWriter, r *http.Request, v *viewer) {
	f := r.PostForm
	p, err := s.pickWorkspace(r, v, f.Get("ws"))
	if err == nil && p.Current.Workspace.IsZero() {
		err = core.Errorf(core.EInvalid, "no workspace has a helpdesk yet")
	}
	var st core.Settings
	if err == nil {
		st = p.Current
		err = applySettingsPatch(&st, settingsForm(f, st.Workspace.Platform))
	}
	if err == nil {
		err = s.svc.UpdateSettings(r.Context(), v.Actor(), st)
	}
	if err == nil {
		http.Redirect(w, r, "/admin/settings?ws="+url.QueryEscape(st.Workspace.String())+"&done=settings", http.StatusSeeOther)
		return
	}
	if code := core.ErrorCode(err); code == core.EInvalid {
		s.showSettings(w, r, v, f.Get("ws"), http.StatusUnprocessableEntity, upperFirst(core.ErrorMessage(err))+".", func(sv *settingsView) {
			sv.Field = core.ErrorField(err)
		})
		return
	}
	s.pageError(w, r, v, err)
}

// settingsForm reads the settings form into a patch: every text field of the platform is
// sent, csat is a checkbox.
func settingsForm(f url.Values, p core.Platform) settingsPatch {
	str := func(name string) *string {
		if _, ok := f[name]; !ok {
			return nil
		}
		v := strings.TrimSpace(f.Get(name))
		return &v
	}
	csat := f.Get("csat") == "on"
	in := settingsPatch{
		Name: str("name"), ReminderAfter: str("reminder_after"), CloseWaitingAfter: str("close_waiting_after"),
		CloseResolvedAfter: str("close_resolved_after"), CSAT: &csat,
	}
	if p == core.PlatformSlack {
		in.TriageChannel, in.StaffGroup, in.Replies = str("triage_channel"), str("staff_group"), str("replies")
	} else {
		in.SupportChannel, in.StaffChannel, in.StaffRole = str("support_channel"), str("staff_channel"), str("staff_role")
	}
	return in
}
