package web

import (
	"context"
	"net/http"

	"github.com/ticketbot/ticketbot/core"
)

// identitySession returns the viewer of a platform sign-in session (Slack, Discord), or nil.
// Once every RoleRecheck the session's roles are asked of the platform again, so someone
// removed from the staff loses the dashboard within that time. Errors: unavailable, internal.
func (s *Server) identitySession(ctx context.Context, secret string) (*viewer, error) {
	sess, err := s.accounts.IdentitySession(ctx, secret)
	if core.IsCode(err, core.ENotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if s.cfg.RoleRecheck > 0 {
		checked, err := s.accounts.RecheckRoles(ctx, sess, s.cfg.RoleRecheck, s.roleLookup(sess.Identity.Platform))
		if err != nil {
			return nil, err
		}
		sess = checked
	}
	v := identityViewer(sess)
	v.CSRF, v.secret = sess.CSRF, secret
	return v, nil
}

// roleLookup is how roles on platform are asked for: the chat adapter's role rules, with
// Manage Server read from the bot's view of the server on Discord. nil without an adapter.
func (s *Server) roleLookup(platform core.Platform) core.RoleLookup {
	var roles PlatformRoles
	switch {
	case platform == core.PlatformSlack && s.cfg.Slack != nil:
		roles = s.cfg.Slack.Roles
	case platform == core.PlatformDiscord && s.cfg.Discord != nil:
		roles = s.cfg.Discord.Roles
	}
	if roles == nil {
		return nil
	}
	return roles.SignInRole
}

// identityViewer makes the viewer of a platform session: on the dashboard they act in the
// workspace they chose (when they are staff there), else with their highest role in the
// first workspace that gives it; a requester everywhere stays a requester, and the portal
// uses every membership.
func identityViewer(sess core.IdentitySession) *viewer {
	id := sess.Identity
	best := id.Memberships[0]
	for _, m := range id.Memberships[1:] {
		if m.Role.AtLeast(core.RoleStaff) && !best.Role.AtLeast(m.Role) {
			best = m
		}
	}
	if m, ok := id.Membership(sess.Workspace); ok && m.Role.AtLeast(core.RoleStaff) {
		best = m
	}
	name := id.User.Name
	if name == "" {
		name = id.User.ID
	}
	v := &viewer{Name: name, Role: best.Role, Workspace: best.Workspace, identity: &id, session: sess}
	for _, m := range id.Memberships {
		if m.Role.AtLeast(core.RoleStaff) {
			v.staffIn = append(v.staffIn, m)
		}
	}
	return v
}

// startIdentitySession signs id in: it stores a new session and sets its cookie.
// Errors: invalid, unavailable, internal.
func (s *Server) startIdentitySession(ctx context.Context, w http.ResponseWriter, r *http.Request, id core.Identity) (core.IdentitySession, error) {
	if old, err := s.session(r); err == nil && old != nil {
		_ = s.endSession(ctx, w, old)
	}
	secret, sess, err := s.accounts.StartIdentitySession(ctx, id, s.cfg.SessionTTL)
	if err != nil {
		return sess, err
	}
	s.setCookie(w, "tb_session", secret, s.cfg.SessionTTL)
	return sess, nil
}

// portalActors are who the viewer is in the portal: a requester in each workspace they
// belong to (a requester account: its one workspace). Staff who signed in with a platform
// see their own tickets there too.
func (v *viewer) portalActors() []core.Actor {
	if v.identity == nil {
		return []core.Actor{v.Actor()}
	}
	out := make([]core.Actor, 0, len(v.identity.Memberships))
	for _, m := range v.identity.Memberships {
		out = append(out, core.Actor{User: v.identity.User, Role: core.RoleRequester, Workspace: m.Workspace})
	}
	return out
}

// Platform reports the platform the viewer signed in with ("" for accounts), for templates.
func (v *viewer) Platform() string {
	if v.identity == nil {
		return ""
	}
	return string(v.identity.Platform)
}

// IsStaff reports whether the viewer may use the dashboard, for templates.
func (v *viewer) IsStaff() bool { return v.Role.AtLeast(core.RoleStaff) }

// mustChoose reports whether the viewer is staff in several workspaces and has not chosen
// the one to work in yet.
func (v *viewer) mustChoose() bool {
	return v.identity != nil && len(v.staffIn) > 1 && v.session.Workspace.IsZero()
}

// myIDs are the user ids that are the viewer: their own and every identity linked to the
// same person (a web account's linked Slack and Discord users, or the account a platform
// identity is linked to). Errors: unavailable, internal.
func (s *Server) myIDs(ctx context.Context, v *viewer) ([]string, error) {
	ids, err := s.accounts.SameAs(ctx, core.Platform(v.Platform()), v.Actor().User.ID)
	if err != nil {
		return nil, err
	}
	if len(ids) > core.MaxAssignees {
		ids = ids[:core.MaxAssignees]
	}
	return ids, nil
}
