package slack

import (
	"context"

	"github.com/ticketbot/ticketbot/core"
)

// SignInRole is user's role in ws by the adapter's role rules (workspace admins; members of
// the triage channel or staff group), for Sign in with Slack on the web.
// Errors: unavailable, internal.
func (a *Adapter) SignInRole(ctx context.Context, ws core.Workspace, user string) (core.Role, error) {
	if ws.Platform != core.PlatformSlack {
		return core.RoleRequester, nil
	}
	p, err := a.person(ctx, ws, user)
	if err != nil {
		return "", err
	}
	return p.role(), nil
}
