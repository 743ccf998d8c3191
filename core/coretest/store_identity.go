package coretest

import (
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

func identityStore(t *testing.T, s core.Store) core.IdentityStore {
	t.Helper()
	is, ok := s.(core.IdentityStore)
	if !ok {
		t.Fatalf("%T does not keep identity sessions (core.IdentityStore)", s)
	}
	return is
}

func identityTests() []storeTest {
	now := time.Now().UTC().Truncate(time.Millisecond)
	ident := core.Identity{Platform: core.PlatformSlack, User: core.UserRef{ID: "U1", Name: "Ada"},
		Memberships: []core.Membership{{Workspace: wsA, Role: core.RoleStaff}}}
	return []storeTest{
		{"an identity session keeps the platform user and memberships, is touched and deleted", func(t *testing.T, s core.Store) {
			is, ctx := identityStore(t, s), t.Context()
			sess := core.IdentitySession{Hash: tokenHash("id-1"), Identity: ident, CSRF: "csrf",
				CreatedAt: now, ExpiresAt: now.Add(time.Hour), LastSeen: now}
			if err := is.CreateIdentitySession(ctx, &sess); err != nil || sess.ID == 0 {
				t.Fatalf("CreateIdentitySession = %v (id %d)", err, sess.ID)
			}
			got, err := is.IdentitySessionByHash(ctx, tokenHash("id-1"))
			if err != nil || !reflect.DeepEqual(got.Identity, ident) || got.CSRF != "csrf" || !got.ExpiresAt.Equal(sess.ExpiresAt) {
				t.Fatalf("IdentitySessionByHash = %+v, %v", got, err)
			}
			later := now.Add(5 * time.Minute)
			if err := is.TouchIdentitySession(ctx, sess.ID, later); err != nil {
				t.Fatal(err)
			}
			if got, _ := is.IdentitySessionByHash(ctx, tokenHash("id-1")); !got.LastSeen.Equal(later) {
				t.Errorf("LastSeen = %v, want %v", got.LastSeen, later)
			}
			if err := is.DeleteIdentitySession(ctx, tokenHash("id-1")); err != nil {
				t.Fatal(err)
			}
			if _, err := is.IdentitySessionByHash(ctx, tokenHash("id-1")); !core.IsCode(err, core.ENotFound) {
				t.Fatalf("after delete: %v, want not_found", err)
			}
			if err := is.DeleteIdentitySession(ctx, tokenHash("id-1")); err != nil {
				t.Errorf("deleting a missing session: %v", err)
			}
		}},
		{"a sign-in state is taken once, also by concurrent callers", func(t *testing.T, s core.Store) {
			is, ctx := identityStore(t, s), t.Context()
			st := core.SignInState{Hash: tokenHash("state"), Provider: "slack", Verifier: "v", Nonce: "n", Next: "/portal", ExpiresAt: now.Add(time.Minute)}
			if err := is.SaveSignInState(ctx, st); err != nil {
				t.Fatal(err)
			}
			var (
				wg   sync.WaitGroup
				mu   sync.Mutex
				wins []core.SignInState
			)
			for range 4 {
				wg.Go(func() {
					got, err := is.TakeSignInState(ctx, tokenHash("state"))
					if err == nil {
						mu.Lock()
						wins = append(wins, got)
						mu.Unlock()
					} else if !core.IsCode(err, core.ENotFound) {
						t.Errorf("TakeSignInState: %v", err)
					}
				})
			}
			wg.Wait()
			if len(wins) != 1 || !reflect.DeepEqual(wins[0], st) {
				t.Fatalf("takers = %+v, want exactly one with %+v", wins, st)
			}
			if _, err := is.TakeSignInState(ctx, tokenHash("forged")); !core.IsCode(err, core.ENotFound) {
				t.Errorf("unknown state: %v, want not_found", err)
			}
		}},
		{"PurgeIdentitySessions drops expired sessions and sign-in states only", func(t *testing.T, s core.Store) {
			is, ctx := identityStore(t, s), t.Context()
			for i, exp := range []time.Time{now.Add(-time.Minute), now.Add(time.Hour)} {
				sess := core.IdentitySession{Hash: tokenHash("p" + string(rune('0'+i))), Identity: ident, CSRF: "c",
					CreatedAt: now, ExpiresAt: exp, LastSeen: now}
				if err := is.CreateIdentitySession(ctx, &sess); err != nil {
					t.Fatal(err)
				}
				if err := is.SaveSignInState(ctx, core.SignInState{Hash: tokenHash("s" + string(rune('0'+i))), Provider: "discord", ExpiresAt: exp}); err != nil {
					t.Fatal(err)
				}
			}
			n, err := is.PurgeIdentitySessions(ctx, now)
			if err != nil || n != 2 {
				t.Fatalf("PurgeIdentitySessions = %d, %v; want 2", n, err)
			}
			if _, err := is.IdentitySessionByHash(ctx, tokenHash("p1")); err != nil {
				t.Errorf("live session purged: %v", err)
			}
			if _, err := is.TakeSignInState(ctx, tokenHash("s1")); err != nil {
				t.Errorf("live state purged: %v", err)
			}
		}},
	}
}
