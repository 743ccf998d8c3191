package coretest

import (
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

func viewTests() []storeTest {
	return []storeTest{
		{"ViewStore keeps each owner's views by name, renames and deletes them", func(t *testing.T, s core.Store) {
			vs, ok := s.(core.ViewStore)
			if !ok {
				t.Skip("not a ViewStore")
			}
			ctx := t.Context()
			at := time.Now().UTC().Truncate(time.Microsecond)
			mine := &core.SavedView{Owner: alice.ID, Name: "Urgent ones", Query: "priority=urgent", CreatedAt: at}
			if err := vs.CreateView(ctx, mine); err != nil || mine.ID == 0 {
				t.Fatalf("CreateView = %v, id %d", err, mine.ID)
			}
			second := &core.SavedView{Owner: alice.ID, Name: "Asleep", Query: "status=waiting", CreatedAt: at}
			if err := vs.CreateView(ctx, second); err != nil {
				t.Fatal(err)
			}
			theirs := &core.SavedView{Owner: "U_OTHER", Name: "Urgent ones", Query: "priority=urgent&workspace=slack:T1", CreatedAt: at}
			if err := vs.CreateView(ctx, theirs); err != nil {
				t.Fatalf("another owner may use the same name: %v", err)
			}
			mustCode(t, vs.CreateView(ctx, &core.SavedView{Owner: alice.ID, Name: "Urgent ones", CreatedAt: at}), core.EConflict)
			got, err := vs.Views(ctx, alice.ID)
			if err != nil || len(got) != 2 || got[0].Name != "Asleep" || got[1].Query != "priority=urgent" || !got[1].CreatedAt.Equal(at) {
				t.Fatalf("Views = %+v, %v", got, err)
			}
			mustCode(t, vs.RenameView(ctx, alice.ID, second.ID, "Urgent ones"), core.EConflict)
			mustCode(t, vs.RenameView(ctx, alice.ID, theirs.ID, "Mine now"), core.ENotFound)
			if err := vs.RenameView(ctx, alice.ID, second.ID, "Waiting on them"); err != nil {
				t.Fatal(err)
			}
			if err := vs.RenameView(ctx, alice.ID, second.ID, "Waiting on them"); err != nil {
				t.Fatalf("renaming to the same name: %v", err)
			}
			mustCode(t, vs.DeleteView(ctx, alice.ID, theirs.ID), core.ENotFound)
			if err := vs.DeleteView(ctx, alice.ID, mine.ID); err != nil {
				t.Fatal(err)
			}
			mustCode(t, vs.DeleteView(ctx, alice.ID, mine.ID), core.ENotFound)
			got, err = vs.Views(ctx, alice.ID)
			if err != nil || len(got) != 1 || got[0].Name != "Waiting on them" {
				t.Fatalf("after rename and delete: %+v, %v", got, err)
			}
			if got, _ := vs.Views(ctx, "U_OTHER"); len(got) != 1 || got[0].ID != theirs.ID {
				t.Fatalf("the other owner's views: %+v", got)
			}
		}},
	}
}
