package discord_test

import (
	"context"
	"testing"

	"github.com/ticketbot/ticketbot/adapters/discord/discordtest"
	"github.com/ticketbot/ticketbot/core"
)

// Sign in with Discord (and its periodic re-check) asks the adapter for a member's role:
// the owner and members whose roles grant Manage Server are admins, the server's staff role
// makes staff, and someone who left the server is a requester.
func TestSignInRole(t *testing.T) {
	s := newStack(t, stackOptions{backend: backends()[0]})
	s.setup()
	mods := discordtest.ID()
	owner := discordtest.User{ID: discordtest.ID(), Name: "Olive Owner"}
	mod := discordtest.User{ID: discordtest.ID(), Name: "Max Mod", Roles: []string{mods}}
	s.api.AddGuild(discordtest.Guild{ID: s.guild, Name: "Test Guild", OwnerID: owner.ID,
		Roles: []discordtest.Role{{ID: mods, Name: "Mods", Permissions: 1 << 5}, {ID: s.staffRole, Name: "Helpdesk"}}})
	for _, u := range []discordtest.User{s.staff, s.reporter, s.stranger, owner, mod} {
		s.api.AddMember(s.guild, discordtest.Member{User: u, Roles: u.Roles})
	}
	ctx := context.Background()
	for _, tc := range []struct {
		user discordtest.User
		want core.Role
	}{{s.staff, core.RoleStaff}, {s.reporter, core.RoleRequester}, {s.stranger, core.RoleRequester},
		{owner, core.RoleAdmin}, {mod, core.RoleAdmin}, {discordtest.User{ID: discordtest.ID(), Name: "gone"}, core.RoleRequester}} {
		got, err := s.adapter.SignInRole(ctx, s.ws(), tc.user.ID)
		if err != nil || got != tc.want {
			t.Errorf("SignInRole(%s) = %q, %v; want %q", tc.user.Name, got, err, tc.want)
		}
	}
}

// The adapter answers name look-ups: the server's name and a member's nickname or name.
func TestNames(t *testing.T) {
	s := newStack(t, stackOptions{backend: backends()[0]})
	s.setup()
	s.api.AddMember(s.guild, discordtest.Member{User: s.reporter, Nick: "Rae <@&1> @everyone"})
	s.api.AddMember(s.guild, discordtest.Member{User: s.staff})
	ctx := context.Background()
	if got, err := s.adapter.WorkspaceName(ctx, s.ws()); err != nil || got != "Test Guild" {
		t.Errorf("WorkspaceName = %q, %v", got, err)
	}
	if got, err := s.adapter.UserName(ctx, s.ws(), s.reporter.ID); err != nil || got != "Rae <@&1> @everyone" {
		t.Errorf("UserName(reporter) = %q, %v; want the nickname as text", got, err)
	}
	if got, err := s.adapter.UserName(ctx, s.ws(), s.staff.ID); err != nil || got != s.staff.Name {
		t.Errorf("UserName(staff) = %q, %v; want the name", got, err)
	}
	if _, err := s.adapter.UserName(ctx, s.ws(), discordtest.ID()); !core.IsCode(err, core.ENotFound) {
		t.Errorf("a stranger: %v, want not_found", err)
	}
}
