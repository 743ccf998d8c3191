package coretest

import (
	"bytes"
	"crypto/sha256"
	"slices"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// tokenHash is the SHA-256 of secret, as the service stores it.
func tokenHash(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

func mkToken(t *testing.T, s core.Store, name, secret string) core.APIToken {
	t.Helper()
	tok := core.APIToken{Name: name, Hash: tokenHash(secret)}
	if err := s.CreateToken(t.Context(), &tok); err != nil {
		t.Fatalf("CreateToken(%s): %v", name, err)
	}
	return tok
}

func accountTests() []storeTest {
	return []storeTest{
		{"CreateAccount stores an account and a second with its name is a conflict", func(t *testing.T, s core.Store) {
			ctx := t.Context()
			before := time.Now()
			a := core.Account{Name: "ada", Role: core.RoleAdmin, PasswordHash: []byte("$2a$10$abcdefghijklmnopqrstuv")}
			if err := s.CreateAccount(ctx, &a); err != nil {
				t.Fatal(err)
			}
			if a.ID == 0 {
				t.Error("ID not set")
			}
			checkTime(t, "CreatedAt", a.CreatedAt, before, time.Now())
			got, err := s.AccountByName(ctx, "ada")
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != a.ID || got.Role != core.RoleAdmin || !bytes.Equal(got.PasswordHash, a.PasswordHash) || !got.CreatedAt.Equal(a.CreatedAt) {
				t.Errorf("account = %+v, want %+v", got, a)
			}
			dup := core.Account{Name: "ada", Role: core.RoleStaff, PasswordHash: []byte("x")}
			mustCode(t, s.CreateAccount(ctx, &dup), core.EConflict)
		}},
		{"AccountByName of an unknown name is not_found", func(t *testing.T, s core.Store) {
			_, err := s.AccountByName(t.Context(), "nobody")
			mustCode(t, err, core.ENotFound)
		}},
		{"Accounts lists accounts by name", func(t *testing.T, s core.Store) {
			for _, n := range []string{"carol", "ada", "bob"} {
				a := core.Account{Name: n, Role: core.RoleStaff, PasswordHash: []byte("h")}
				if err := s.CreateAccount(t.Context(), &a); err != nil {
					t.Fatal(err)
				}
			}
			as, err := s.Accounts(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, a := range as {
				names = append(names, a.Name)
			}
			if want := []string{"ada", "bob", "carol"}; !slices.Equal(names, want) {
				t.Errorf("names = %v, want %v", names, want)
			}
		}},
		{"DeleteAccount removes an account and an unknown one is not_found", func(t *testing.T, s core.Store) {
			a := core.Account{Name: "ada", Role: core.RoleStaff, PasswordHash: []byte("h")}
			if err := s.CreateAccount(t.Context(), &a); err != nil {
				t.Fatal(err)
			}
			if err := s.DeleteAccount(t.Context(), "ada", nil); err != nil {
				t.Fatal(err)
			}
			_, err := s.AccountByName(t.Context(), "ada")
			mustCode(t, err, core.ENotFound)
			mustCode(t, s.DeleteAccount(t.Context(), "ada", nil), core.ENotFound)
			again := core.Account{Name: "ada", Role: core.RoleStaff, PasswordHash: []byte("h")}
			if err := s.CreateAccount(t.Context(), &again); err != nil {
				t.Errorf("recreating a deleted account: %v", err)
			}
		}},
		{"CreateToken with an active token's name or hash is a conflict", func(t *testing.T, s core.Store) {
			tok := mkToken(t, s, "ci", "secret-1")
			if tok.ID == 0 || tok.CreatedAt.IsZero() || tok.RevokedAt != nil {
				t.Errorf("token = %+v", tok)
			}
			dupName := core.APIToken{Name: "ci", Hash: tokenHash("secret-2")}
			mustCode(t, s.CreateToken(t.Context(), &dupName), core.EConflict)
			dupHash := core.APIToken{Name: "other", Hash: tokenHash("secret-1")}
			mustCode(t, s.CreateToken(t.Context(), &dupHash), core.EConflict)
		}},
		{"TokenByHash finds active tokens and ignores revoked ones", func(t *testing.T, s core.Store) {
			ctx := t.Context()
			tok := mkToken(t, s, "ci", "secret-1")
			got, err := s.TokenByHash(ctx, tokenHash("secret-1"))
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != tok.ID || got.Name != "ci" || !bytes.Equal(got.Hash, tok.Hash) || !got.CreatedAt.Equal(tok.CreatedAt) || got.RevokedAt != nil {
				t.Errorf("token = %+v, want %+v", got, tok)
			}
			_, err = s.TokenByHash(ctx, tokenHash("wrong"))
			mustCode(t, err, core.ENotFound)
			if err := s.RevokeToken(ctx, "ci", time.Now()); err != nil {
				t.Fatal(err)
			}
			_, err = s.TokenByHash(ctx, tokenHash("secret-1"))
			mustCode(t, err, core.ENotFound)
		}},
		{"RevokeToken of an unknown or revoked token is not_found", func(t *testing.T, s core.Store) {
			mustCode(t, s.RevokeToken(t.Context(), "nope", time.Now()), core.ENotFound)
			mkToken(t, s, "ci", "secret-1")
			if err := s.RevokeToken(t.Context(), "ci", time.Now()); err != nil {
				t.Fatal(err)
			}
			mustCode(t, s.RevokeToken(t.Context(), "ci", time.Now()), core.ENotFound)
		}},
		{"Tokens lists active tokens by name and a revoked name can be used again", func(t *testing.T, s core.Store) {
			ctx := t.Context()
			mkToken(t, s, "zeta", "s1")
			mkToken(t, s, "alpha", "s2")
			mkToken(t, s, "mid", "s3")
			if err := s.RevokeToken(ctx, "mid", time.Now()); err != nil {
				t.Fatal(err)
			}
			names := func() []string {
				ts, err := s.Tokens(ctx)
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, tk := range ts {
					out = append(out, tk.Name)
				}
				return out
			}
			if got, want := names(), []string{"alpha", "zeta"}; !slices.Equal(got, want) {
				t.Errorf("tokens = %v, want %v", got, want)
			}
			fresh := mkToken(t, s, "mid", "s4")
			got, err := s.TokenByHash(ctx, tokenHash("s4"))
			if err != nil || got.ID != fresh.ID {
				t.Errorf("TokenByHash(new mid) = %+v, %v", got, err)
			}
			if got, want := names(), []string{"alpha", "mid", "zeta"}; !slices.Equal(got, want) {
				t.Errorf("tokens = %v, want %v", got, want)
			}
		}},
	}
}
