package core_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
	"github.com/ticketbot/ticketbot/core/gormstore"
)

// accountsEnv is an Accounts service on a fresh store per backend, with a fake clock.
type accountsEnv struct {
	acc   *core.Accounts
	st    *gormstore.Store
	clock *coretest.FakeClock
	logs  *bytes.Buffer
}

func eachAccounts(t *testing.T, fn func(t *testing.T, e accountsEnv)) {
	for name, url := range backends() {
		t.Run(name, func(t *testing.T) {
			st := openStore(t, url(t))
			clock := coretest.NewFakeClock(time.Now().UTC().Truncate(time.Second))
			logs := &bytes.Buffer{}
			a, err := core.NewAccounts(core.AccountsConfig{Store: st, Sessions: st, Clock: clock,
				Log: slog.New(slog.NewTextHandler(logs, nil)), Cost: bcrypt.MinCost})
			if err != nil {
				t.Fatal(err)
			}
			fn(t, accountsEnv{acc: a, st: st, clock: clock, logs: logs})
		})
	}
}

func (e accountsEnv) create(t *testing.T, name string, role core.Role, ws core.Workspace) core.Account {
	t.Helper()
	a, err := e.acc.Create(context.Background(), core.System(), core.NewAccount{Name: name, Role: role, Workspace: ws, Password: []byte("password-" + name)})
	if err != nil {
		t.Fatalf("Create(%s): %v", name, err)
	}
	return a
}

func TestAccountsCreateRules(t *testing.T) {
	eachAccounts(t, func(t *testing.T, e accountsEnv) {
		ctx := context.Background()
		pw := []byte("long enough")
		for _, tc := range []struct {
			name string
			in   core.NewAccount
			code string
		}{
			{"a bad name", core.NewAccount{Name: "-x", Role: core.RoleStaff, Password: pw}, core.EInvalid},
			{"an unknown role", core.NewAccount{Name: "x", Role: "root", Password: pw}, core.EInvalid},
			{"a requester without workspace", core.NewAccount{Name: "x", Role: core.RoleRequester, Password: pw}, core.EInvalid},
			{"staff with a workspace", core.NewAccount{Name: "x", Role: core.RoleStaff, Workspace: wsA, Password: pw}, core.EInvalid},
			{"a short password", core.NewAccount{Name: "x", Role: core.RoleStaff, Password: []byte("short")}, core.EInvalid},
			{"a password bcrypt would cut", core.NewAccount{Name: "x", Role: core.RoleStaff, Password: bytes.Repeat([]byte("a"), 73)}, core.EInvalid},
		} {
			t.Run("refuses "+tc.name, func(t *testing.T) {
				_, err := e.acc.Create(ctx, core.System(), tc.in)
				wantCode(t, err, tc.code)
			})
		}
		t.Run("only admins create accounts", func(t *testing.T) {
			_, err := e.acc.Create(ctx, actor(core.Workspace{}, "web:sam", core.RoleStaff), core.NewAccount{Name: "x", Role: core.RoleStaff, Password: pw})
			wantCode(t, err, core.EForbidden)
		})
		t.Run("a requester account keeps its workspace and acts in it", func(t *testing.T) {
			a := e.create(t, "Rita", core.RoleRequester, wsA)
			if a.Name != "rita" || a.Actor().Workspace != wsA || a.Actor().Role != core.RoleRequester {
				t.Fatalf("account = %+v, actor %+v", a, a.Actor())
			}
			_, err := e.acc.Create(ctx, core.System(), core.NewAccount{Name: "RITA", Role: core.RoleStaff, Password: pw})
			wantCode(t, err, core.EConflict)
		})
	})
}

func TestLastAdmin(t *testing.T) {
	eachAccounts(t, func(t *testing.T, e accountsEnv) {
		ctx := context.Background()
		e.create(t, "ada", core.RoleAdmin, core.Workspace{})
		t.Run("the last admin cannot be demoted", func(t *testing.T) {
			_, err := e.acc.SetRole(ctx, core.System(), "ada", core.RoleStaff, core.Workspace{})
			wantCode(t, err, core.EConflict)
		})
		t.Run("the last admin cannot be deleted", func(t *testing.T) {
			wantCode(t, e.acc.Delete(ctx, core.System(), "ada"), core.EConflict)
		})
		t.Run("with a second admin both work", func(t *testing.T) {
			e.create(t, "eve", core.RoleAdmin, core.Workspace{})
			if _, err := e.acc.SetRole(ctx, core.System(), "ada", core.RoleStaff, core.Workspace{}); err != nil {
				t.Fatal(err)
			}
			wantCode(t, e.acc.Delete(ctx, core.System(), "eve"), core.EConflict)
			if _, err := e.acc.SetRole(ctx, core.System(), "ada", core.RoleAdmin, core.Workspace{}); err != nil {
				t.Fatal(err)
			}
			if err := e.acc.Delete(ctx, core.System(), "eve"); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("unknown accounts are not_found", func(t *testing.T) {
			wantCode(t, e.acc.Delete(ctx, core.System(), "nobody"), core.ENotFound)
		})
	})
}

func TestAccountChangesEndSessions(t *testing.T) {
	eachAccounts(t, func(t *testing.T, e accountsEnv) {
		ctx := context.Background()
		e.create(t, "ada", core.RoleAdmin, core.Workspace{})
		sam := e.create(t, "sam", core.RoleStaff, core.Workspace{})
		signIn := func() string {
			secret, _, err := e.acc.StartSession(ctx, sam, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			if _, acc, err := e.acc.Session(ctx, secret); err != nil || acc.Name != "sam" {
				t.Fatalf("fresh session: %+v %v", acc, err)
			}
			return secret
		}
		ended := func(t *testing.T, secret string) {
			t.Helper()
			_, _, err := e.acc.Session(ctx, secret)
			wantCode(t, err, core.ENotFound)
		}
		t.Run("sign-out", func(t *testing.T) {
			s := signIn()
			if err := e.acc.EndSession(ctx, s); err != nil {
				t.Fatal(err)
			}
			ended(t, s)
		})
		t.Run("a role change", func(t *testing.T) {
			s := signIn()
			if _, err := e.acc.SetRole(ctx, core.System(), "sam", core.RoleAdmin, core.Workspace{}); err != nil {
				t.Fatal(err)
			}
			ended(t, s)
		})
		t.Run("a password reset", func(t *testing.T) {
			s := signIn()
			if err := e.acc.SetPassword(ctx, core.System(), "sam", []byte("brand new pw")); err != nil {
				t.Fatal(err)
			}
			ended(t, s)
		})
		t.Run("the user's own change needs the current password", func(t *testing.T) {
			s := signIn()
			_, err := e.acc.ChangePassword(ctx, "sam", []byte("wrong"), []byte("another pw!"))
			wantCode(t, err, core.EForbidden)
			if _, _, err := e.acc.Session(ctx, s); err != nil {
				t.Fatal("a refused change ended the session")
			}
			if _, err := e.acc.ChangePassword(ctx, "sam", []byte("brand new pw"), []byte("another pw!")); err != nil {
				t.Fatal(err)
			}
			ended(t, s)
			if _, err := e.acc.Authenticate(ctx, "sam", []byte("another pw!"), "10.0.0.1"); err != nil {
				t.Fatalf("new password: %v", err)
			}
		})
		t.Run("expiry, and the next sign-in purges expired sessions", func(t *testing.T) {
			s := signIn()
			e.clock.Advance(2 * time.Hour)
			ended(t, s)
			old := signIn()
			e.clock.Advance(2 * time.Hour)
			signIn()
			if n, _ := e.st.PurgeSessions(ctx, e.clock.Now()); n != 0 {
				t.Errorf("%d expired sessions were left behind (%q)", n, old[:4])
			}
		})
		t.Run("deletion", func(t *testing.T) {
			s := signIn()
			if err := e.acc.Delete(ctx, core.System(), "sam"); err != nil {
				t.Fatal(err)
			}
			ended(t, s)
		})
	})
}

func TestSignInLimits(t *testing.T) {
	eachAccounts(t, func(t *testing.T, e accountsEnv) {
		ctx := context.Background()
		e.create(t, "ada", core.RoleAdmin, core.Workspace{})
		good := []byte("password-ada")
		fail := func(name, addr string) error {
			_, err := e.acc.Authenticate(ctx, name, []byte("wrong-password"), addr)
			return err
		}
		t.Run("successful sign-ins are not counted", func(t *testing.T) {
			for range 3 * core.FreeFailures {
				if _, err := e.acc.Authenticate(ctx, "ada", good, "10.0.0.1"); err != nil {
					t.Fatal(err)
				}
			}
		})
		t.Run("failures past the free ones wait a delay that doubles", func(t *testing.T) {
			for i := range core.FreeFailures {
				wantCode(t, fail("ada", "10.0.0.2"), core.EForbidden)
				_ = i
			}
			err := fail("ada", "10.0.0.3")
			wantCode(t, err, core.ERateLimited)
			if d := core.RetryAfterOf(err); d != time.Second {
				t.Errorf("first delay %v, want 1s", d)
			}
			// Even the right password waits: the delay is before the check.
			_, err = e.acc.Authenticate(ctx, "ada", good, "10.0.0.4")
			wantCode(t, err, core.ERateLimited)
			e.clock.Advance(time.Second)
			wantCode(t, fail("ada", "10.0.0.2"), core.EForbidden)
			if d := core.RetryAfterOf(fail("ada", "10.0.0.2")); d != 2*time.Second {
				t.Errorf("second delay %v, want 2s", d)
			}
			if !strings.Contains(e.logs.String(), "sign-in failed") || !strings.Contains(e.logs.String(), "sign-in delayed") ||
				!strings.Contains(e.logs.String(), "client=10.0.0.2") || strings.Contains(e.logs.String(), "wrong-password") {
				t.Errorf("log:\n%s", e.logs)
			}
		})
		t.Run("a successful sign-in after the delay resets the account's count", func(t *testing.T) {
			e.clock.Advance(core.MaxLoginDelay)
			if _, err := e.acc.Authenticate(ctx, "ada", good, "10.0.0.5"); err != nil {
				t.Fatal(err)
			}
			wantCode(t, fail("ada", "10.0.0.5"), core.EForbidden)
		})
		t.Run("the delay never exceeds the cap", func(t *testing.T) {
			for range 40 {
				e.clock.Advance(core.MaxLoginDelay)
				_ = fail("ada", "10.0.1.1")
			}
			if d := core.RetryAfterOf(fail("ada", "10.0.1.2")); d <= 0 || d > core.MaxLoginDelay {
				t.Errorf("delay %v", d)
			}
		})
		t.Run("one address guessing many accounts is slowed down too", func(t *testing.T) {
			var err error
			for i := range core.FreeAddressFailures + 1 {
				err = fail("user"+string(rune('a'+i)), "10.9.9.9")
			}
			wantCode(t, err, core.ERateLimited)
		})
	})
}

func TestTokens(t *testing.T) {
	eachAccounts(t, func(t *testing.T, e accountsEnv) {
		ctx := context.Background()
		t.Run("default scope is write, for every workspace, without expiry", func(t *testing.T) {
			tok, secret, err := e.acc.CreateToken(ctx, core.System(), core.NewToken{Name: "ci"})
			if err != nil || tok.Scope != core.ScopeWrite || tok.ExpiresAt != nil || !tok.Workspace.IsZero() {
				t.Fatalf("%+v %v", tok, err)
			}
			if !strings.HasPrefix(secret, core.TokenPrefix) || !bytes.Equal(tok.Hash, core.HashToken(secret)) {
				t.Fatalf("secret %q", secret)
			}
			got, err := e.acc.TokenBySecret(ctx, secret)
			if err != nil || got.ID != tok.ID || got.Actor().Role != core.RoleStaff {
				t.Fatalf("%+v %v", got, err)
			}
		})
		t.Run("an expired token is refused", func(t *testing.T) {
			_, secret, err := e.acc.CreateToken(ctx, core.System(), core.NewToken{Name: "short", Scope: core.ScopeRead, Workspace: wsA, TTL: time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			tok, err := e.acc.TokenBySecret(ctx, secret)
			if err != nil || tok.Actor().Workspace != wsA {
				t.Fatalf("%+v %v", tok, err)
			}
			e.clock.Advance(time.Hour)
			_, err = e.acc.TokenBySecret(ctx, secret)
			wantCode(t, err, core.ENotFound)
		})
		t.Run("a revoked token is refused", func(t *testing.T) {
			_, secret, _ := e.acc.CreateToken(ctx, core.System(), core.NewToken{Name: "gone", Scope: core.ScopeAdmin})
			if err := e.acc.RevokeToken(ctx, core.System(), "gone"); err != nil {
				t.Fatal(err)
			}
			_, err := e.acc.TokenBySecret(ctx, secret)
			wantCode(t, err, core.ENotFound)
		})
		t.Run("only admins manage tokens", func(t *testing.T) {
			_, _, err := e.acc.CreateToken(ctx, actor(core.Workspace{}, "web:sam", core.RoleStaff), core.NewToken{Name: "x"})
			wantCode(t, err, core.EForbidden)
		})
		t.Run("an unknown scope is invalid", func(t *testing.T) {
			_, _, err := e.acc.CreateToken(ctx, core.System(), core.NewToken{Name: "x", Scope: "root"})
			wantCode(t, err, core.EInvalid)
		})
	})
}

func TestParseExpiry(t *testing.T) {
	for in, want := range map[string]time.Duration{"": 0, "90d": 90 * 24 * time.Hour, "12h": 12 * time.Hour, "30m": 30 * time.Minute} {
		if got, err := core.ParseExpiry(in); err != nil || got != want {
			t.Errorf("ParseExpiry(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"0d", "-1d", "+1d", "1w", "d", "1.5h", "90", "99999d", "9223372036854775807m"} {
		if _, err := core.ParseExpiry(in); core.ErrorCode(err) != core.EInvalid {
			t.Errorf("ParseExpiry(%q) err = %v, want invalid", in, err)
		}
	}
}

func TestScopesAreOrdered(t *testing.T) {
	if !core.ScopeAdmin.AtLeast(core.ScopeWrite) || !core.ScopeWrite.AtLeast(core.ScopeRead) || core.ScopeRead.AtLeast(core.ScopeWrite) || core.ScopeWrite.AtLeast(core.ScopeAdmin) {
		t.Fatal("scopes are not ordered read < write < admin")
	}
}
