package web

import (
	"context"
	"net/http"

	"github.com/ticketbot/ticketbot/core"
)

// identitySession returns the viewer of a platform sign-in session (Slack, Discord), or nil.
// Errors: unavailable, internal.
func (s *Server) identitySession(ctx context.Context, secret string) (*viewer, error) {
	sess, err := s.accounts.IdentitySession(ctx, secret)
	if core.IsCode(err, core.ENotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	v := identityViewer(sess.Identity)
	v.CSRF, v.secret = sess.CSRF, secret
	return v, nil
}

// identityViewer makes the viewer of id: on the dashboard they act with their highest role,
// in that role's workspace (the first such membership); a requester everywhere stays a
// requester, and the portal uses every membership.
func identityViewer(id core.Identity) *viewer {
	best := id.Memberships[0]
	for _, m := range id.Memberships[1:] {
		if m.Role.AtLeast(core.RoleStaff) && !best.Role.AtLeast(m.Role) {
			best = m
		}
	}
	name := id.User.Name
	if name == "" {
		name = id.User.ID
	}
	return &viewer{Name: name, Role: best.Role, Workspace: best.Workspace, identity: &id}
}

// startIdentitySession signs id in: it stores a new session and sets its cookie.
// Errors: invalid, unavailable, internal.
func (s *Server) startIdentitySession(ctx context.Context, w http.ResponseWriter, r *http.Request, id core.Identity) error {
	if old, err := s.session(r); err == nil && old != nil {
		_ = s.endSession(ctx, w, old)
	}
	secret, _, err := s.accounts.StartIdentitySession(ctx, id, s.cfg.SessionTTL)
	if err != nil {
		return err
	}
	s.setCookie(w, "tb_session", secret, s.cfg.SessionTTL)
	return nil
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
