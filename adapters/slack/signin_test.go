package slack_test

import (
	"context"
	"testing"

	"github.com/ticketbot/ticketbot/core"
)

// Sign in with Slack asks the adapter for a person's role by the same rules as commands.
func TestSignInRole(t *testing.T) {
	s := newStack(t, backends()[0], stackOptions{})
	s.setup()
	ctx := context.Background()
	for user, want := range map[string]core.Role{admin: core.RoleAdmin, staff: core.RoleStaff, reporter: core.RoleRequester} {
		got, err := s.adapter.SignInRole(ctx, s.ws, user)
		if err != nil || got != want {
			t.Errorf("SignInRole(%s) = %q, %v; want %q", user, got, err, want)
		}
	}
	if got, _ := s.adapter.SignInRole(ctx, core.Workspace{Platform: core.PlatformDiscord, ExternalID: "1"}, admin); got != core.RoleRequester {
		t.Errorf("a Discord workspace: %q, want requester", got)
	}
}
