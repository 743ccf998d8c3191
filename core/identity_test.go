package core_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

var verifier = strings.Repeat("v", 43)

func TestSignInStateIsSingleUse(t *testing.T) {
	eachAccounts(t, func(t *testing.T, e accountsEnv) {
		ctx := t.Context()
		state, err := e.acc.StartSignIn(ctx, "slack", verifier, "nonce-1", "/portal")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.acc.FinishSignIn(ctx, "slack", "forged-"+state); !core.IsCode(err, core.EForbidden) {
			t.Errorf("forged state: %v, want forbidden", err)
		}
		got, err := e.acc.FinishSignIn(ctx, "slack", state)
		if err != nil || got.Verifier != verifier || got.Nonce != "nonce-1" || got.Next != "/portal" {
			t.Fatalf("FinishSignIn = %+v, %v", got, err)
		}
		if _, err := e.acc.FinishSignIn(ctx, "slack", state); !core.IsCode(err, core.EForbidden) {
			t.Errorf("replayed state: %v, want forbidden", err)
		}

		other, _ := e.acc.StartSignIn(ctx, "discord", verifier, "", "/")
		if _, err := e.acc.FinishSignIn(ctx, "slack", other); !core.IsCode(err, core.EForbidden) {
			t.Errorf("another provider's state: %v, want forbidden", err)
		}
		late, _ := e.acc.StartSignIn(ctx, "slack", verifier, "", "/")
		e.clock.Advance(core.SignInStateTTL)
		if _, err := e.acc.FinishSignIn(ctx, "slack", late); !core.IsCode(err, core.EForbidden) {
			t.Errorf("expired state: %v, want forbidden", err)
		}
		if _, err := e.acc.StartSignIn(ctx, "slack", "short", "", "/"); !core.IsCode(err, core.EInvalid) {
			t.Errorf("short verifier: %v, want invalid", err)
		}
	})
}

func TestIdentitySessions(t *testing.T) {
	ws := core.Workspace{Platform: core.PlatformSlack, ExternalID: "T1"}
	id := core.Identity{Platform: core.PlatformSlack, User: core.UserRef{ID: "U1", Name: "Ada"},
		Memberships: []core.Membership{{Workspace: ws, Role: core.RoleRequester}}}
	eachAccounts(t, func(t *testing.T, e accountsEnv) {
		ctx := t.Context()
		secret, _, err := e.acc.StartIdentitySession(ctx, id, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.acc.IdentitySession(ctx, secret)
		if err != nil || got.Identity.User != id.User || len(got.Identity.Memberships) != 1 {
			t.Fatalf("IdentitySession = %+v, %v", got, err)
		}
		// An identity session is no account session, and the reverse.
		if _, _, err := e.acc.Session(ctx, secret); !core.IsCode(err, core.ENotFound) {
			t.Errorf("account Session(identity secret) = %v, want not_found", err)
		}
		if err := e.acc.EndIdentitySession(ctx, secret); err != nil {
			t.Fatal(err)
		}
		if _, err := e.acc.IdentitySession(ctx, secret); !core.IsCode(err, core.ENotFound) {
			t.Errorf("after sign-out: %v, want not_found", err)
		}
		secret, _, _ = e.acc.StartIdentitySession(ctx, id, time.Hour)
		e.clock.Advance(time.Hour)
		if _, err := e.acc.IdentitySession(ctx, secret); !core.IsCode(err, core.ENotFound) {
			t.Errorf("expired: %v, want not_found", err)
		}
		bad := id
		bad.Memberships = []core.Membership{{Workspace: core.Workspace{Platform: core.PlatformDiscord, ExternalID: "1"}, Role: core.RoleStaff}}
		if _, _, err := e.acc.StartIdentitySession(ctx, bad, time.Hour); !core.IsCode(err, core.EInvalid) {
			t.Errorf("a Discord workspace for a Slack identity: %v, want invalid", err)
		}
		bad.Memberships = nil
		if _, _, err := e.acc.StartIdentitySession(ctx, bad, time.Hour); !core.IsCode(err, core.EInvalid) {
			t.Errorf("no workspace: %v, want invalid", err)
		}
	})
}
