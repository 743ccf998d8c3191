package core_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

func TestRolesAreCheckedAgainEveryInterval(t *testing.T) {
	eachAccounts(t, func(t *testing.T, e accountsEnv) {
		ctx := t.Context()
		id := core.Identity{Platform: core.PlatformSlack, User: core.UserRef{ID: "U5", Name: "Temp"},
			Memberships: []core.Membership{{Workspace: wsA, Role: core.RoleStaff}}}
		secret, _, err := e.acc.StartIdentitySession(ctx, id, 12*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		role, fail, asked := core.RoleRequester, false, 0
		lookup := func(context.Context, core.Workspace, string) (core.Role, error) {
			asked++
			if fail {
				return "", core.Errorf(core.EUnavailable, "Slack is down")
			}
			return role, nil
		}
		check := func() core.Role {
			t.Helper()
			s, err := e.acc.IdentitySession(ctx, secret)
			if err != nil {
				t.Fatal(err)
			}
			s, err = e.acc.RecheckRoles(ctx, s, 10*time.Minute, lookup)
			if err != nil {
				t.Fatal(err)
			}
			return s.Identity.Memberships[0].Role
		}
		e.clock.Advance(9 * time.Minute)
		if got := check(); got != core.RoleStaff || asked != 0 {
			t.Fatalf("within the interval: role %s, asked %d times; want staff, not asked", got, asked)
		}
		fail = true
		e.clock.Advance(time.Minute)
		if got := check(); got != core.RoleStaff || asked != 1 {
			t.Fatalf("platform down: role %s, asked %d; want the role kept", got, asked)
		}
		check()
		if asked != 1 {
			t.Fatalf("asked again at once after a failure (%d)", asked)
		}
		fail = false
		e.clock.Advance(time.Minute)
		if got := check(); got != core.RoleRequester || asked != 2 {
			t.Fatalf("a minute after the failure: role %s, asked %d; want requester", got, asked)
		}
		check()
		if asked != 2 {
			t.Fatalf("the new role is not kept for the interval (asked %d)", asked)
		}
	})
}

func TestSameAsFollowsLinks(t *testing.T) {
	eachAccounts(t, func(t *testing.T, e accountsEnv) {
		ctx := t.Context()
		acc := core.Account{Name: "sam", Role: core.RoleStaff}
		slackID := core.Identity{Platform: core.PlatformSlack, User: core.UserRef{ID: "U9", Name: "Sam"}}
		discordID := core.Identity{Platform: core.PlatformDiscord, User: core.UserRef{ID: "8035", Name: "sam#1"}}
		if err := e.acc.Link(ctx, acc, slackID, wsA); err != nil {
			t.Fatal(err)
		}
		if err := e.acc.Link(ctx, acc, discordID, core.Workspace{Platform: core.PlatformDiscord, ExternalID: "42"}); err != nil {
			t.Fatal(err)
		}
		if err := e.acc.Link(ctx, core.Account{Name: "eve", Role: core.RoleStaff}, slackID, wsA); !core.IsCode(err, core.EConflict) {
			t.Fatalf("linking Sam's Slack user to eve: %v, want conflict", err)
		}
		for _, tc := range []struct {
			platform core.Platform
			user     string
			want     []string
		}{
			{"", "web:sam", []string{"web:sam", "U9", "8035"}},
			{core.PlatformSlack, "U9", []string{"U9", "web:sam", "8035"}},
			{core.PlatformDiscord, "8035", []string{"8035", "web:sam", "U9"}},
			{core.PlatformSlack, "U404", []string{"U404"}},
			{"", "web:eve", []string{"web:eve"}},
		} {
			got, err := e.acc.SameAs(ctx, tc.platform, tc.user)
			if err != nil || !slices.Equal(got, tc.want) {
				t.Errorf("SameAs(%s) = %v, %v; want %v", tc.user, got, err, tc.want)
			}
		}
		if err := e.acc.Unlink(ctx, "sam", core.PlatformSlack, "U9"); err != nil {
			t.Fatal(err)
		}
		if got, _ := e.acc.SameAs(ctx, core.PlatformSlack, "U9"); !slices.Equal(got, []string{"U9"}) {
			t.Errorf("after unlinking: %v", got)
		}
	})
}
