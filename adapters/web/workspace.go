package web

import (
	"net/http"
	"net/url"

	"github.com/ticketbot/ticketbot/core"
)

// Choosing the workspace: someone signed in with Slack or Discord who is staff in several
// workspaces (Discord servers, or Slack workspaces of an Enterprise Grid) chooses the one the
// dashboard works in after signing in, and can switch in the header. The choice is kept with
// the session.
//
// Linking: a web account (made with the CLI or the admin pages) links the Slack or Discord
// identity of the same person by signing in with the platform once from its account page
// (/auth/slack?link=1): the callback then links instead of signing in. Tickets claimed in
// chat as that identity are the account's own ("Assigned to me").

// linkNext marks a sign-in started to link an identity to the account signed in.
const linkNext = "/account/link"

// wsChoice is one workspace of the header's switcher and the choice page.
type wsChoice struct {
	ID, Label string
	Role      core.Role
	Current   bool
}

// workspaceView is the choice page's data.
type workspaceView struct {
	Choices []wsChoice
	Next    string
}

// choices are the workspaces v may work in on the dashboard, named.
func (s *Server) choices(r *http.Request, v *viewer) []wsChoice {
	ws := make([]core.Workspace, len(v.staffIn))
	for i, m := range v.staffIn {
		ws[i] = m.Workspace
	}
	book := s.named(r.Context(), ws)
	out := make([]wsChoice, len(v.staffIn))
	for i, m := range v.staffIn {
		out[i] = wsChoice{ID: m.Workspace.String(), Label: book.WS(m.Workspace).Label, Role: m.Role,
			Current: !v.mustChoose() && m.Workspace == v.Workspace}
	}
	return out
}

// workspacePage serves GET /workspace?next=PATH: the workspaces to choose from.
func (s *Server) workspacePage(w http.ResponseWriter, r *http.Request, v *viewer) {
	if v.identity == nil || len(v.staffIn) < 2 {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	wv := workspaceView{Choices: s.choices(r, v), Next: safeNext(r.URL.Query().Get("next"))}
	s.render(w, r, http.StatusOK, "workspace", page{Title: "Choose a workspace", Nav: "workspace", Viewer: v, Body: wv})
}

// postWorkspace serves POST /workspace (fields workspace, next): the dashboard works in that
// workspace from now on.
func (s *Server) postWorkspace(w http.ResponseWriter, r *http.Request, v *viewer) {
	ws, err := core.ParseWorkspace(r.PostForm.Get("workspace"))
	m, member := core.Membership{}, false
	if err == nil && v.identity != nil {
		m, member = v.identity.Membership(ws)
	}
	if !member || !m.Role.AtLeast(core.RoleStaff) {
		s.pageError(w, r, v, core.Errorf(core.EForbidden, "you are not staff in that workspace"))
		return
	}
	if _, err := s.accounts.ChooseWorkspace(r.Context(), v.session, ws); err != nil {
		s.pageError(w, r, v, err)
		return
	}
	next := safeNext(r.PostForm.Get("next"))
	if next == "/workspace" || next == linkNext {
		next = "/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// linkIdentity links id to the account of v (signed in to this browser) and returns to the
// account page.
func (s *Server) linkIdentity(w http.ResponseWriter, r *http.Request, v *viewer, id core.Identity) {
	acc := core.Account{Name: v.Name, Role: v.Role, Workspace: v.Workspace}
	err := s.accounts.Link(r.Context(), acc, id, id.Memberships[0].Workspace)
	if err != nil {
		s.pageError(w, r, v, err)
		return
	}
	s.log.Info("web: identity linked", "account", v.Name, "platform", id.Platform, "user", id.User.ID)
	http.Redirect(w, r, "/account/password?done=linked", http.StatusSeeOther)
}

// postUnlink serves POST /account/links/delete (fields platform, user).
func (s *Server) postUnlink(w http.ResponseWriter, r *http.Request, v *viewer) {
	if v.identity != nil {
		s.pageError(w, r, v, errNoPassword)
		return
	}
	p, user := core.Platform(r.PostForm.Get("platform")), r.PostForm.Get("user")
	if err := s.accounts.Unlink(r.Context(), v.Name, p, user); err != nil {
		s.pageError(w, r, v, err)
		return
	}
	http.Redirect(w, r, "/account/password?done=unlinked", http.StatusSeeOther)
}

// chooseFirst sends a viewer who has to choose a workspace to the choice page (and back).
func chooseFirst(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/workspace?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
}
