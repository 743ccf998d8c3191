package coretest

import (
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

func draftTests() []storeTest {
	return []storeTest{
		{"DraftStore keeps drafts per user, marks them opened, deletes and purges them", func(t *testing.T, s core.Store) {
			ds, ok := s.(core.DraftStore)
			if !ok {
				t.Skip("not a DraftStore")
			}
			ctx := t.Context()
			exp := time.Now().Add(time.Minute).UTC().Truncate(time.Microsecond)
			d := core.Draft{ID: "d1", Workspace: wsA, User: alice.ID, Text: "printer on fire", ExpiresAt: exp}
			if err := ds.SaveDraft(ctx, d); err != nil {
				t.Fatal(err)
			}
			got, err := ds.Draft(ctx, wsA, alice.ID, "d1")
			if err != nil || got.Text != d.Text || !got.ExpiresAt.Equal(exp) || got.Opened != 0 {
				t.Fatalf("Draft = %+v, %v", got, err)
			}
			for _, other := range []struct {
				ws   core.Workspace
				user string
			}{{wsB, alice.ID}, {wsA, "U_OTHER"}} {
				_, err := ds.Draft(ctx, other.ws, other.user, "d1")
				mustCode(t, err, core.ENotFound)
			}
			if err := ds.SetDraftOpened(ctx, wsA, alice.ID, "d1", 7); err != nil {
				t.Fatal(err)
			}
			if got, _ := ds.Draft(ctx, wsA, alice.ID, "d1"); got.Opened != 7 {
				t.Fatalf("Opened = %d, want 7", got.Opened)
			}
			mustCode(t, ds.SetDraftOpened(ctx, wsA, alice.ID, "nope", 1), core.ENotFound)
			if err := ds.PurgeDrafts(ctx, exp.Add(-time.Second)); err != nil {
				t.Fatal(err)
			}
			if _, err := ds.Draft(ctx, wsA, alice.ID, "d1"); err != nil {
				t.Fatalf("a draft not yet expired was purged: %v", err)
			}
			if err := ds.DeleteDraft(ctx, wsA, alice.ID, "d1"); err != nil {
				t.Fatal(err)
			}
			_, err = ds.Draft(ctx, wsA, alice.ID, "d1")
			mustCode(t, err, core.ENotFound)
			if err := ds.SaveDraft(ctx, core.Draft{ID: "d2", Workspace: wsA, User: alice.ID, Text: "x", ExpiresAt: exp}); err != nil {
				t.Fatal(err)
			}
			if err := ds.PurgeDrafts(ctx, exp.Add(time.Second)); err != nil {
				t.Fatal(err)
			}
			_, err = ds.Draft(ctx, wsA, alice.ID, "d2")
			mustCode(t, err, core.ENotFound)
		}},
	}
}
