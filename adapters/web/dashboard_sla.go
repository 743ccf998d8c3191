package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// slaView is the admin's SLA page: a workspace's support hours and targets per priority.
type slaView struct {
	Workspaces []core.Settings
	Names      *nameBook // what Workspaces are called
	Workspace  string
	Hours      string
	Targets    []slaTargetRow
}

type slaTargetRow struct {
	Priority                  core.Priority
	FirstResponse, Resolution string
}

func durText(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	return d.String()
}

// slaPage serves GET /admin/sla?ws=…: the chosen workspace's hours and targets.
func (s *Server) slaPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	s.showSLA(w, r, v, http.StatusOK, "", r.URL.Query().Get("ws"), nil)
}

func (s *Server) showSLA(w http.ResponseWriter, r *http.Request, v *viewer, status int, errMsg, wsName string, form url.Values) {
	all, err := s.svc.HelpdeskWorkspaces(r.Context(), v.Actor())
	if err != nil {
		s.pageError(w, r, v, err)
		return
	}
	sv := slaView{Workspaces: all, Names: s.named(r.Context(), settingsWorkspaces(all))}
	if wsName == "" && len(all) > 0 {
		wsName = all[0].Workspace.String()
	}
	if wsName != "" {
		ws, err := core.ParseWorkspace(wsName)
		if err != nil {
			s.pageError(w, r, v, core.Errorf(core.ENotFound, "workspace not found"))
			return
		}
		st, err := s.svc.AdminSettings(r.Context(), v.Actor(), ws)
		if err != nil {
			s.pageError(w, r, v, err)
			return
		}
		sv.Workspace = ws.String()
		b, _ := json.MarshalIndent(st.Hours, "", "  ")
		sv.Hours = string(b)
		for _, p := range core.Priorities() {
			t := st.SLA[p]
			sv.Targets = append(sv.Targets, slaTargetRow{Priority: p, FirstResponse: durText(t.FirstResponse), Resolution: durText(t.Resolution)})
		}
		if form != nil {
			sv.Hours = form.Get("hours")
			for i := range sv.Targets {
				p := string(sv.Targets[i].Priority)
				sv.Targets[i].FirstResponse, sv.Targets[i].Resolution = form.Get(p+".first_response"), form.Get(p+".resolution")
			}
		}
	}
	s.render(w, r, status, "sla", page{Title: "SLA", Nav: "sla", Viewer: v, Flash: flash(r), Error: errMsg, Body: sv})
}

// postSLA serves POST /admin/sla (ws, hours as JSON, <priority>.first_response and
// <priority>.resolution as durations).
func (s *Server) postSLA(w http.ResponseWriter, r *http.Request, v *viewer) {
	f := r.PostForm
	ws, err := core.ParseWorkspace(f.Get("ws"))
	if err != nil {
		s.pageError(w, r, v, core.Errorf(core.ENotFound, "workspace not found"))
		return
	}
	st, err := s.svc.AdminSettings(r.Context(), v.Actor(), ws)
	if err != nil {
		s.pageError(w, r, v, err)
		return
	}
	err = func() error {
		hours := strings.TrimSpace(f.Get("hours"))
		if hours == "" {
			hours = "{}"
		}
		h, err := core.ParseHours([]byte(hours))
		if err != nil {
			return err
		}
		policy := map[string]map[string]string{}
		for _, p := range core.Priorities() {
			t := map[string]string{}
			for _, k := range []string{"first_response", "resolution"} {
				if v := strings.TrimSpace(f.Get(string(p) + "." + k)); v != "" {
					t[k] = v
				}
			}
			if len(t) > 0 {
				policy[string(p)] = t
			}
		}
		raw, _ := json.Marshal(policy)
		pol, err := core.ParseSLAPolicy(raw)
		if err != nil {
			return err
		}
		st.Hours, st.SLA = h, pol
		return s.svc.UpdateSettings(r.Context(), v.Actor(), st)
	}()
	if core.ErrorCode(err) == core.EInvalid {
		s.showSLA(w, r, v, http.StatusUnprocessableEntity, upperFirst(core.ErrorMessage(err))+".", ws.String(), f)
		return
	}
	if err != nil {
		s.pageError(w, r, v, err)
		return
	}
	http.Redirect(w, r, "/admin/sla?ws="+url.QueryEscape(ws.String())+"&done=sla_saved", http.StatusSeeOther)
}
