package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/ticketbot/ticketbot/adapters/web"
	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/gormstore"
)

func TestAccounts(t *testing.T) {
	eachBackend(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		store, err := gormstore.Open(ctx, dbURL, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = store.Close() })
		if err := store.Migrate(ctx); err != nil {
			t.Fatal(err)
		}

		t.Run("CreateAccount stores a bcrypt hash under the normalised name", func(t *testing.T) {
			if err := web.CreateAccount(ctx, store, "  Alice ", core.RoleAdmin, []byte("correct horse")); err != nil {
				t.Fatal(err)
			}
			a, err := store.AccountByName(ctx, "alice")
			if err != nil {
				t.Fatal(err)
			}
			if a.Role != core.RoleAdmin || bytes.Contains(a.PasswordHash, []byte("correct horse")) {
				t.Errorf("account %+v", a)
			}
			if err := bcrypt.CompareHashAndPassword(a.PasswordHash, []byte("correct horse")); err != nil {
				t.Errorf("hash does not verify: %v", err)
			}
		})
		t.Run("CreateAccount refuses a taken name as conflict", func(t *testing.T) {
			err := web.CreateAccount(ctx, store, "ALICE", core.RoleStaff, []byte("another pass"))
			if !core.IsCode(err, core.EConflict) {
				t.Errorf("err %v, want conflict", err)
			}
		})
		for _, tc := range []struct {
			name, user string
			role       core.Role
			pass       string
		}{
			{"an empty name", "", core.RoleStaff, "password1"},
			{"a name with spaces", "bob smith", core.RoleStaff, "password1"},
			{"a name starting with a dot", ".bob", core.RoleStaff, "password1"},
			{"a name too long", strings.Repeat("b", 65), core.RoleStaff, "password1"},
			{"the requester role", "bob", core.RoleRequester, "password1"},
			{"an unknown role", "bob", core.Role("owner"), "password1"},
			{"a short password", "bob", core.RoleStaff, "short"},
			{"a password over 72 bytes", "bob", core.RoleStaff, strings.Repeat("p", 73)},
		} {
			t.Run("CreateAccount refuses "+tc.name, func(t *testing.T) {
				err := web.CreateAccount(ctx, store, tc.user, tc.role, []byte(tc.pass))
				if !core.IsCode(err, core.EInvalid) {
					t.Errorf("err %v, want invalid", err)
				}
			})
		}

		var secret string
		t.Run("IssueToken returns a tbk_ secret and stores only its SHA-256", func(t *testing.T) {
			secret, err = web.IssueToken(ctx, store, "CRM-sync", time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(secret, "tbk_") || len(secret) != 4+43 {
				t.Errorf("secret %q", secret)
			}
			sum := sha256.Sum256([]byte(secret))
			tok, err := store.TokenByHash(ctx, sum[:])
			if err != nil {
				t.Fatal(err)
			}
			if tok.Name != "crm-sync" || !bytes.Equal(tok.Hash, web.HashToken(secret)) || bytes.Contains(tok.Hash, []byte(secret)) {
				t.Errorf("token %+v", tok)
			}
		})
		t.Run("IssueToken makes a different secret each time", func(t *testing.T) {
			other, err := web.IssueToken(ctx, store, "second", time.Now())
			if err != nil || other == secret {
				t.Errorf("secret %q err %v", other, err)
			}
		})
		t.Run("IssueToken refuses an active name as conflict and a bad name as invalid", func(t *testing.T) {
			if _, err := web.IssueToken(ctx, store, "crm-sync", time.Now()); !core.IsCode(err, core.EConflict) {
				t.Errorf("err %v, want conflict", err)
			}
			if _, err := web.IssueToken(ctx, store, "crm sync", time.Now()); !core.IsCode(err, core.EInvalid) {
				t.Errorf("err %v, want invalid", err)
			}
		})
		t.Run("RevokeToken makes the token unknown", func(t *testing.T) {
			if err := web.RevokeToken(ctx, store, "crm-sync", time.Now()); err != nil {
				t.Fatal(err)
			}
			if _, err := store.TokenByHash(ctx, web.HashToken(secret)); !core.IsCode(err, core.ENotFound) {
				t.Errorf("err %v, want not_found", err)
			}
		})
		t.Run("RevokeToken of an unknown name is not_found", func(t *testing.T) {
			if err := web.RevokeToken(ctx, store, "crm-sync", time.Now()); !core.IsCode(err, core.ENotFound) {
				t.Errorf("err %v, want not_found", err)
			}
		})
	})
}
