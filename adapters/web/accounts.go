package web

import (
	"net/http"
	"strings"

	"github.com/ticketbot/ticketbot/core"
)

// The admin pages for web accounts: list, create (staff, admin, or a requester of one
// workspace), change role, reset password, delete. The rules (names, passwords, the last
// admin) are core.Accounts'; these handlers show its answers beside the form.

// accountsView is the accounts page's data.
type accountsView struct {
	Accounts   []core.Account
	Me         string
	Workspaces []core.Workspace
	Roles      []core.Role
	Form       struct{ Name, Role, Workspace string }
}

// accountsPage serves GET /admin/accounts.
func (s *Server) accountsPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	s.showAccounts(w, r, v, http.StatusOK, "", nil)
}

func (s *Server) showAccounts(w http.ResponseWriter, r *http.Request, v *viewer, status int, errMsg string, keep func(*accountsView)) {
	accs, err := s.accounts.List(r.Context(), v.Actor())
	if err != nil {
		s.pageError(w, r, v, err)
		return
	}
	wss, err := s.svc.Workspaces(r.Context(), v.Actor())
	if err != nil {
		s.pageError(w, r, v, err)
		return
	}
	av := accountsView{Accounts: accs, Me: v.Name, Workspaces: wss,
		Roles: []core.Role{core.RoleStaff, core.RoleAdmin, core.RoleRequester}}
	av.Form.Role = string(core.RoleStaff)
	if keep != nil {
		keep(&av)
	}
	s.render(w, r, status, "accounts", page{Title: "Accounts", Nav: "accounts", Viewer: v, Flash: flash(r), Error: errMsg, Body: av})
}

// accountsAnswer shows err beside the accounts forms when it is the user's to mend
// (invalid, conflict, not_found) and as an error page otherwise.
func (s *Server) accountsAnswer(w http.ResponseWriter, r *http.Request, v *viewer, err error, keep func(*accountsView)) {
	switch code := core.ErrorCode(err); code {
	case core.EInvalid, core.EConflict, core.ENotFound:
		s.showAccounts(w, r, v, statusOf(code), upperFirst(core.ErrorMessage(err))+".", keep)
	default:
		s.pageError(w, r, v, err)
	}
}

// roleAndWorkspace reads the role and workspace fields; the workspace counts only for
// requesters. Errors: invalid.
func roleAndWorkspace(form interface{ Get(string) string }) (core.Role, core.Workspace, error) {
	role, err := core.ParseRole(form.Get("role"))
	if err != nil {
		return "", core.Workspace{}, err
	}
	var ws core.Workspace
	if role == core.RoleRequester && strings.TrimSpace(form.Get("workspace")) != "" {
		if ws, err = core.ParseWorkspace(form.Get("workspace")); err != nil {
			return "", core.Workspace{}, core.FieldError("workspace", "%s", core.ErrorMessage(err))
		}
	}
	return role, ws, nil
}

// postAccount serves POST /admin/accounts (fields name, role, workspace, password).
func (s *Server) postAccount(w http.ResponseWriter, r *http.Request, v *viewer) {
	f := r.PostForm
	keep := func(av *accountsView) {
		av.Form.Name, av.Form.Role, av.Form.Workspace = f.Get("name"), f.Get("role"), f.Get("workspace")
	}
	role, ws, err := roleAndWorkspace(f)
	if err == nil {
		var acc core.Account
		acc, err = s.accounts.Create(r.Context(), v.Actor(), core.NewAccount{Name: f.Get("name"), Role: role, Workspace: ws, Password: []byte(f.Get("password"))})
		if err == nil {
			s.log.Info("web: account created", "account", acc.Name, "role", acc.Role, "workspace", acc.Workspace.String(), "by", v.Name)
			http.Redirect(w, r, "/admin/accounts?done=account", http.StatusSeeOther)
			return
		}
	}
	s.accountsAnswer(w, r, v, err, keep)
}

// postAccountRole serves POST /admin/accounts/{name}/role (fields role, workspace). The
// account's sessions end; the last admin cannot be demoted.
func (s *Server) postAccountRole(w http.ResponseWriter, r *http.Request, v *viewer) {
	role, ws, err := roleAndWorkspace(r.PostForm)
	if err == nil {
		var acc core.Account
		if acc, err = s.accounts.SetRole(r.Context(), v.Actor(), r.PathValue("name"), role, ws); err == nil {
			s.log.Info("web: account role changed", "account", acc.Name, "role", acc.Role, "workspace", acc.Workspace.String(), "by", v.Name)
			s.afterOwnChange(w, r, v, acc.Name, "/admin/accounts?done=account_role")
			return
		}
	}
	s.accountsAnswer(w, r, v, err, nil)
}

// postAccountPassword serves POST /admin/accounts/{name}/password (field password): an
// admin's reset. The account's sessions end.
func (s *Server) postAccountPassword(w http.ResponseWriter, r *http.Request, v *viewer) {
	name := r.PathValue("name")
	if err := s.accounts.SetPassword(r.Context(), v.Actor(), name, []byte(r.PostForm.Get("password"))); err != nil {
		s.accountsAnswer(w, r, v, err, nil)
		return
	}
	n, _ := core.NormalizeName(name)
	s.log.Info("web: account password reset", "account", n, "by", v.Name)
	s.afterOwnChange(w, r, v, n, "/admin/accounts?done=account_password")
}

// postDeleteAccount serves POST /admin/accounts/{name}/delete. Admins cannot delete
// themselves here (core also keeps the last admin).
func (s *Server) postDeleteAccount(w http.ResponseWriter, r *http.Request, v *viewer) {
	// Normalised as at creation: MySQL compares names case-insensitively, so "ALICE" would
	// otherwise slip past the self-check and delete alice.
	name, err := core.NormalizeName(r.PathValue("name"))
	if err != nil {
		s.pageError(w, r, v, err)
		return
	}
	if name == v.Name {
		s.showAccounts(w, r, v, http.StatusConflict, "You cannot delete your own account.", nil)
		return
	}
	if err := s.accounts.Delete(r.Context(), v.Actor(), name); err != nil {
		s.accountsAnswer(w, r, v, err, nil)
		return
	}
	s.log.Info("web: account deleted", "account", name, "by", v.Name)
	http.Redirect(w, r, "/admin/accounts?done=account_gone", http.StatusSeeOther)
}

// afterOwnChange redirects to next, or, when the change was to the viewer's own account
// (whose sessions it just ended), to the sign-in page.
func (s *Server) afterOwnChange(w http.ResponseWriter, r *http.Request, v *viewer, name, next string) {
	if name == v.Name {
		s.setCookie(w, "tb_session", "", -1)
		next = "/login?done=signed_out"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}
