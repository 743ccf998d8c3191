package core_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/gormstore"
	"github.com/ticketbot/ticketbot/core/memstate"
)

func key(b byte) []byte { return bytes.Repeat([]byte{b}, core.SecretKeySize) }

func newInstalls(t *testing.T, st core.InstallStore, keys ...[]byte) *core.Installs {
	t.Helper()
	var sealer *core.Sealer
	if len(keys) > 0 {
		var err error
		if sealer, err = core.NewSealer(keys...); err != nil {
			t.Fatal(err)
		}
	}
	m := memstate.New(nil)
	t.Cleanup(func() { m.Close() })
	in, err := core.NewInstalls(core.InstallsConfig{Store: st, Sealer: sealer, State: m})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func TestInstalls(t *testing.T) {
	ctx := context.Background()
	for name, url := range backends() {
		t.Run(name, func(t *testing.T) {
			st := openStore(t, url(t))
			in := newInstalls(t, st, key(1))
			by := core.UserRef{ID: "UADMIN", Name: "Ada"}
			t.Run("a saved token reads back, and is stored sealed", func(t *testing.T) {
				if err := in.Save(ctx, wsA, "xoxb-team-a", "UBOT", "chat:write", by); err != nil {
					t.Fatal(err)
				}
				tok, err := in.Token(ctx, wsA)
				if err != nil || tok != "xoxb-team-a" {
					t.Fatalf("Token = %q, %v", tok, err)
				}
				row, err := st.Install(ctx, wsA)
				if err != nil || strings.Contains(string(row.Token), "xoxb") || !strings.HasPrefix(string(row.Token), "v1.") {
					t.Fatalf("stored token %q (%v) is not sealed", row.Token, err)
				}
			})
			t.Run("a workspace never installed has no token", func(t *testing.T) {
				_, err := in.Token(ctx, wsB)
				wantCode(t, err, core.ENotFound)
			})
			t.Run("a token sealed for one workspace does not open for another", func(t *testing.T) {
				row, _ := st.Install(ctx, wsA)
				row.Workspace = wsB
				if err := st.SaveInstall(ctx, row); err != nil {
					t.Fatal(err)
				}
				_, err := in.Token(ctx, wsB)
				wantCode(t, err, core.EInvalid)
			})
			t.Run("a revoked install is not used until installed again", func(t *testing.T) {
				if err := in.Revoke(ctx, wsA); err != nil {
					t.Fatal(err)
				}
				_, err := in.Token(ctx, wsA)
				wantCode(t, err, core.ENotFound)
				toks, _, err := in.Tokens(ctx, core.PlatformSlack)
				if err != nil || toks["TA"] != "" {
					t.Fatalf("Tokens lists a revoked install: %v %v", toks, err)
				}
				if err := in.Save(ctx, wsA, "xoxb-team-a-2", "UBOT", "chat:write", by); err != nil {
					t.Fatal(err)
				}
				if tok, err := in.Token(ctx, wsA); err != nil || tok != "xoxb-team-a-2" {
					t.Fatalf("after a new install: %q %v", tok, err)
				}
			})
			t.Run("a rotated key reads old tokens and Reseal moves them to the new key", func(t *testing.T) {
				rotated := newInstalls(t, st, key(2), key(1))
				if tok, err := rotated.Token(ctx, wsA); err != nil || tok != "xoxb-team-a-2" {
					t.Fatalf("with the old key second: %q %v", tok, err)
				}
				n, err := rotated.Reseal(ctx, core.PlatformSlack)
				if err == nil || n != 1 {
					t.Fatalf("Reseal = %d, %v; want TA resealed, then an error for TB (sealed for TA)", n, err)
				}
				if err := st.SaveInstall(ctx, core.Install{Workspace: wsB, Token: "v1.00000000.AAAA"}); err != nil {
					t.Fatal(err)
				}
				if err := in.Save(ctx, wsB, "xoxb-team-b", "UBOT", "", by); err != nil {
					t.Fatal(err)
				}
				if n, err = rotated.Reseal(ctx, core.PlatformSlack); err != nil || n != 1 {
					t.Fatalf("Reseal = %d, %v; want 1 (TB, sealed with the old key)", n, err)
				}
				onlyNew := newInstalls(t, st, key(2))
				for ws, want := range map[core.Workspace]string{wsA: "xoxb-team-a-2", wsB: "xoxb-team-b"} {
					if tok, err := onlyNew.Token(ctx, ws); err != nil || tok != want {
						t.Fatalf("%s with the new key alone: %q %v", ws, tok, err)
					}
				}
				_, err = newInstalls(t, st, key(1)).Token(ctx, wsA)
				wantCode(t, err, core.EInvalid)
			})
		})
	}
}

func TestInstallsRefuseToStoreWithoutAKey(t *testing.T) {
	st := openStore(t, "sqlite://"+t.TempDir()+"/t.db")
	err := newInstalls(t, st).Save(context.Background(), wsA, "xoxb-1", "U", "", core.UserRef{})
	wantCode(t, err, core.EInvalid)
	if _, err := st.Install(context.Background(), wsA); !core.IsCode(err, core.ENotFound) {
		t.Fatalf("something was stored: %v", err)
	}
}

func TestInstallStatesAreSingleUse(t *testing.T) {
	ctx := context.Background()
	in := newInstalls(t, openStore(t, "sqlite://"+t.TempDir()+"/t.db"), key(1))
	a, err := in.NewState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := in.NewState(ctx)
	if a == b || len(a) < 32 {
		t.Fatalf("states %q and %q", a, b)
	}
	if err := in.TakeState(ctx, a); err != nil {
		t.Fatal(err)
	}
	wantCode(t, in.TakeState(ctx, a), core.EInvalid)
	wantCode(t, in.TakeState(ctx, strings.Repeat("0", 48)), core.EInvalid)
	wantCode(t, in.TakeState(ctx, ""), core.EInvalid)
	if err := in.TakeState(ctx, b); err != nil {
		t.Fatal(err)
	}
}

var _ core.InstallStore = (*gormstore.Store)(nil)
