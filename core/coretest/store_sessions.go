package coretest

import (
	"bytes"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

func mkAccount(t *testing.T, s core.Store, name string, role core.Role) core.Account {
	t.Helper()
	a := core.Account{Name: name, Role: role, PasswordHash: []byte("h-" + name)}
	if role == core.RoleRequester {
		a.Workspace = wsA
	}
	if err := s.CreateAccount(t.Context(), &a); err != nil {
		t.Fatalf("CreateAccount(%s): %v", name, err)
	}
	return a
}

func mkSession(t *testing.T, s core.Store, a core.Account, secret string) core.Session {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Millisecond)
	sess := core.Session{Hash: tokenHash(secret), AccountID: a.ID, CSRF: "csrf-" + secret,
		CreatedAt: now, ExpiresAt: now.Add(time.Hour), LastSeen: now}
	if err := s.CreateSession(t.Context(), &sess); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	return sess
}

func sessionTests() []storeTest {
	return []storeTest{
		{"a requester account keeps its workspace", func(t *testing.T, s core.Store) {
			mkAccount(t, s, "rita", core.RoleRequester)
			got, err := s.AccountByName(t.Context(), "rita")
			if err != nil || got.Workspace != wsA || got.Role != core.RoleRequester {
				t.Fatalf("account = %+v, %v", got, err)
			}
		}},
		{"UpdateAccount saves fn's changes, counts the other admins and ends the account's sessions", func(t *testing.T, s core.Store) {
			ctx := t.Context()
			ada := mkAccount(t, s, "ada", core.RoleAdmin)
			bob := mkAccount(t, s, "bob", core.RoleStaff)
			mkSession(t, s, ada, "ada-1")
			mkSession(t, s, bob, "bob-1")
			var others int
			got, err := s.UpdateAccount(ctx, "ada", func(a *core.Account, n int) error {
				others = n
				a.Role, a.PasswordHash = core.RoleStaff, []byte("new")
				return nil
			})
			if err != nil || got.Role != core.RoleStaff {
				t.Fatalf("UpdateAccount = %+v, %v", got, err)
			}
			if others != 0 {
				t.Errorf("other admins = %d, want 0", others)
			}
			again, _ := s.AccountByName(ctx, "ada")
			if again.Role != core.RoleStaff || !bytes.Equal(again.PasswordHash, []byte("new")) {
				t.Errorf("stored = %+v", again)
			}
			_, _, err = s.SessionByHash(ctx, tokenHash("ada-1"))
			mustCode(t, err, core.ENotFound)
			if _, acc, err := s.SessionByHash(ctx, tokenHash("bob-1")); err != nil || acc.ID != bob.ID {
				t.Errorf("bob's session = %+v, %v", acc, err)
			}
			_, err = s.UpdateAccount(ctx, "bob", func(*core.Account, int) error { return core.Errorf(core.EConflict, "no") })
			mustCode(t, err, core.EConflict)
			_, err = s.UpdateAccount(ctx, "nobody", func(*core.Account, int) error { return nil })
			mustCode(t, err, core.ENotFound)
		}},
		{"DeleteAccount asks fn with the other admins and removes the sessions", func(t *testing.T, s core.Store) {
			ctx := t.Context()
			ada := mkAccount(t, s, "ada", core.RoleAdmin)
			mkAccount(t, s, "eve", core.RoleAdmin)
			mkSession(t, s, ada, "ada-1")
			refuse := func(a core.Account, n int) error {
				if n != 1 {
					t.Errorf("other admins = %d, want 1", n)
				}
				return core.Errorf(core.EConflict, "no")
			}
			mustCode(t, s.DeleteAccount(ctx, "ada", refuse), core.EConflict)
			if _, err := s.AccountByName(ctx, "ada"); err != nil {
				t.Fatal("refused delete removed the account")
			}
			if err := s.DeleteAccount(ctx, "ada", nil); err != nil {
				t.Fatal(err)
			}
			_, _, err := s.SessionByHash(ctx, tokenHash("ada-1"))
			mustCode(t, err, core.ENotFound)
		}},
		{"sessions are stored, touched, found by hash and deleted", func(t *testing.T, s core.Store) {
			ctx := t.Context()
			ada := mkAccount(t, s, "ada", core.RoleAdmin)
			sess := mkSession(t, s, ada, "one")
			got, acc, err := s.SessionByHash(ctx, tokenHash("one"))
			if err != nil || got.ID != sess.ID || acc.Name != "ada" || got.CSRF != "csrf-one" || !got.ExpiresAt.Equal(sess.ExpiresAt) {
				t.Fatalf("SessionByHash = %+v %+v %v", got, acc, err)
			}
			later := sess.LastSeen.Add(time.Minute)
			if err := s.TouchSession(ctx, sess.ID, later); err != nil {
				t.Fatal(err)
			}
			if got, _, _ := s.SessionByHash(ctx, tokenHash("one")); !got.LastSeen.Equal(later) {
				t.Errorf("LastSeen = %v, want %v", got.LastSeen, later)
			}
			if err := s.DeleteSession(ctx, tokenHash("one")); err != nil {
				t.Fatal(err)
			}
			_, _, err = s.SessionByHash(ctx, tokenHash("one"))
			mustCode(t, err, core.ENotFound)
			if err := s.DeleteSession(ctx, tokenHash("one")); err != nil {
				t.Errorf("deleting a missing session: %v", err)
			}
			nobody := core.Session{Hash: tokenHash("x"), AccountID: ada.ID + 99, ExpiresAt: time.Now()}
			mustCode(t, s.CreateSession(ctx, &nobody), core.ENotFound)
		}},
		{"PurgeSessions deletes expired sessions only", func(t *testing.T, s core.Store) {
			ctx := t.Context()
			ada := mkAccount(t, s, "ada", core.RoleAdmin)
			sess := mkSession(t, s, ada, "live")
			n, err := s.PurgeSessions(ctx, sess.ExpiresAt.Add(-time.Second))
			if err != nil || n != 0 {
				t.Fatalf("purge before expiry = %d, %v", n, err)
			}
			if n, err := s.PurgeSessions(ctx, sess.ExpiresAt.Add(time.Second)); err != nil || n != 1 {
				t.Fatalf("purge after expiry = %d, %v", n, err)
			}
		}},
		{"DeploymentID is created once and the same for every caller", func(t *testing.T, s core.Store) {
			var wg sync.WaitGroup
			ids := make([]string, 4)
			for i := range ids {
				wg.Go(func() {
					id, err := s.DeploymentID(t.Context())
					if err != nil {
						t.Error(err)
					}
					ids[i] = id
				})
			}
			wg.Wait()
			for _, id := range ids {
				if len(id) < 16 || id != ids[0] {
					t.Fatalf("ids = %q", ids)
				}
			}
		}},
		{"login failures count up, restart after since, and clear", func(t *testing.T, s core.Store) {
			ctx := t.Context()
			t0 := time.Now().UTC().Truncate(time.Millisecond)
			if f, err := s.LoginFailures(ctx, "user:ada"); err != nil || f.Count != 0 {
				t.Fatalf("fresh = %+v, %v", f, err)
			}
			var wg sync.WaitGroup
			for range 5 {
				wg.Go(func() {
					if _, err := s.RecordLoginFailure(ctx, "user:ada", t0, t0.Add(-time.Hour)); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			f, err := s.LoginFailures(ctx, "user:ada")
			if err != nil || f.Count != 5 || !f.Last.Equal(t0) {
				t.Fatalf("after 5 = %+v, %v", f, err)
			}
			f, err = s.RecordLoginFailure(ctx, "user:ada", t0.Add(2*time.Hour), t0.Add(time.Hour))
			if err != nil || f.Count != 1 {
				t.Fatalf("after a quiet hour = %+v, %v", f, err)
			}
			if err := s.ClearLoginFailures(ctx, "user:ada"); err != nil {
				t.Fatal(err)
			}
			if f, _ := s.LoginFailures(ctx, "user:ada"); f.Count != 0 {
				t.Errorf("after clear = %+v", f)
			}
			if _, err := s.RecordLoginFailure(ctx, "ip:old", t0, t0); err != nil {
				t.Fatal(err)
			}
			if _, err := s.RecordLoginFailure(ctx, "ip:new", t0.Add(time.Hour), t0); err != nil {
				t.Fatal(err)
			}
			if n, err := s.PurgeLoginFailures(ctx, t0.Add(time.Minute)); err != nil || n != 1 {
				t.Fatalf("purged %d, %v", n, err)
			}
			if f, _ := s.LoginFailures(ctx, "ip:new"); f.Count != 1 {
				t.Errorf("a recent key was purged: %+v", f)
			}
		}},
		{"a token keeps its scope, workspace and expiry", func(t *testing.T, s core.Store) {
			exp := time.Now().Add(time.Hour).UTC().Truncate(time.Millisecond)
			tok := core.APIToken{Name: "ro", Hash: tokenHash("ro"), Scope: core.ScopeRead, Workspace: wsD, ExpiresAt: &exp}
			if err := s.CreateToken(t.Context(), &tok); err != nil {
				t.Fatal(err)
			}
			got, err := s.TokenByHash(t.Context(), tokenHash("ro"))
			if err != nil || got.Scope != core.ScopeRead || got.Workspace != wsD || got.ExpiresAt == nil || !got.ExpiresAt.Equal(exp) {
				t.Fatalf("token = %+v, %v", got, err)
			}
			plain := mkToken(t, s, "plain", "plain")
			if got, _ := s.TokenByHash(t.Context(), plain.Hash); got.Scope != core.ScopeWrite || got.ExpiresAt != nil || !got.Workspace.IsZero() {
				t.Errorf("default token = %+v", got)
			}
		}},
	}
}
