package discord_test

import (
	"context"
	"testing"

	"github.com/ticketbot/ticketbot/adapters/discord/discordtest"
	"github.com/ticketbot/ticketbot/core"
)

// Sign in with Discord asks the adapter whether a member has the server's staff role.
func TestSignInRole(t *testing.T) {
	s := newStack(t, stackOptions{backend: backends()[0]})
	s.setup()
	for _, u := range []discordtest.User{s.staff, s.reporter, s.stranger} {
		s.api.AddMember(s.guild, discordtest.Member{User: u, Roles: u.Roles})
	}
	ctx := context.Background()
	for _, tc := range []struct {
		user discordtest.User
		want core.Role
	}{{s.staff, core.RoleStaff}, {s.reporter, core.RoleRequester}, {s.stranger, core.RoleRequester}} {
		got, err := s.adapter.SignInRole(ctx, s.ws(), tc.user.ID)
		if err != nil || got != tc.want {
			t.Errorf("SignInRole(%s) = %q, %v; want %q", tc.user.Name, got, err, tc.want)
		}
	}
	if _, err := s.adapter.SignInRole(ctx, s.ws(), discordtest.ID()); !core.IsCode(err, core.EUnavailable) {
		t.Errorf("a user who is no member: %v, want unavailable", err)
	}
}
