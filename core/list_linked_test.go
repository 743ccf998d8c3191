package core_test

import (
	"context"
	"slices"
	"testing"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/gormstore"
)

// A Linked list by staff of the workspace that staffs another adds the tickets they may act
// on there (staffFrom: opened while linked, so with a place in their workspace), newest first
// with their own; nobody else gets them, nor anyone once the link is gone.
func TestLinkedListShowsTheStaffedWorkspacesTickets(t *testing.T) {
	eachBackend(t, func(t *testing.T, svc *core.Service, _ *gormstore.Store) {
		ctx := context.Background()
		before := mustOpen(t, svc, actor(wsD, "D_REQ", core.RoleRequester), "opened before the link")
		ownOld := mustOpen(t, svc, actor(wsA, "U_REQ", core.RoleRequester), "own, older")
		linked, _ := linkDiscordToSlack(t, svc)
		ownNew := mustOpen(t, svc, actor(wsA, "U_REQ", core.RoleRequester), "own, newer")
		ids := func(a core.Actor, f core.ListFilter) []int64 {
			t.Helper()
			ts, err := svc.ListTickets(ctx, a, f)
			if err != nil {
				t.Fatal(err)
			}
			var out []int64
			for _, tk := range ts {
				out = append(out, tk.ID)
			}
			return out
		}
		staff := actor(wsA, "U_STAFF", core.RoleStaff)
		cases := []struct {
			name  string
			actor core.Actor
			f     core.ListFilter
			want  []int64
		}{
			{"staff get the linked ticket among their own, newest first", staff, core.ListFilter{Linked: true}, []int64{ownNew.ID, linked.ID, ownOld.ID}},
			{"a page holds Limit tickets in all", staff, core.ListFilter{Linked: true, Limit: 2}, []int64{ownNew.ID, linked.ID}},
			{"without Linked only their own", staff, core.ListFilter{}, []int64{ownNew.ID, ownOld.ID}},
			{"requesters only their own", actor(wsA, "U_REQ", core.RoleRequester), core.ListFilter{Linked: true}, []int64{ownNew.ID, ownOld.ID}},
			{"staff of the served workspace see theirs, not the staffing one's", actor(wsD, "D_STAFF", core.RoleStaff), core.ListFilter{Linked: true},
				[]int64{linked.ID, before.ID}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if got := ids(c.actor, c.f); !slices.Equal(got, c.want) {
					t.Errorf("listed %v, want %v (before the link: %d)", got, c.want, before.ID)
				}
			})
		}
		t.Run("after the unlink only their own", func(t *testing.T) {
			if _, err := svc.Unlink(ctx, actor(wsD, "D_ADMIN", core.RoleAdmin)); err != nil {
				t.Fatal(err)
			}
			if got, want := ids(staff, core.ListFilter{Linked: true}), []int64{ownNew.ID, ownOld.ID}; !slices.Equal(got, want) {
				t.Errorf("listed %v, want %v", got, want)
			}
		})
	})
}
