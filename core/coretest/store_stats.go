package coretest

import (
	"fmt"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// statsTests check a store's core.StatsStore (skipped for a store without one) against the
// rules core keeps: percentiles by core.TimeStatsOf, backlog days summing to the counts.
func statsTests() []storeTest {
	return []storeTest{
		{"Stats rank response and resolution times as core does, overall and per assignee", func(t *testing.T, s core.Store) {
			ss, ok := s.(core.StatsStore)
			if !ok {
				t.Skip("the store computes no reports")
			}
			ctx := t.Context()
			people := []core.UserRef{{}, alice, bob, staff}
			base := time.Now().UTC().Truncate(time.Second)
			first, resolve := map[string][]time.Duration{}, map[string][]time.Duration{}
			var allFirst, allResolve []time.Duration
			for i := range 37 {
				tk := mkTicket(t, s, wsA, fmt.Sprintf("timed %d", i))
				who := people[i%len(people)]
				// Spread with ties: (i*7919) mod 23 minutes, some answered, most resolved.
				took := time.Duration(i*7919%23) * time.Minute
				_, err := s.UpdateTicket(ctx, tk.ID, func(x *core.Ticket) ([]core.Change, error) {
					x.Assignee = who
					if i%5 != 4 {
						x.SLA.FirstResponseAt, x.SLA.ResponseTime = ptr(base.Add(took)), took
					}
					if i%3 != 2 {
						x.Status = core.StatusResolved
						x.SLA.ResolvedAt, x.SLA.ResolutionTime = ptr(base.Add(2*took)), 2*took+time.Duration(i)*time.Second
					}
					return []core.Change{{Actor: staff, Field: "status", From: "open", To: string(x.Status)}}, nil
				})
				if err != nil {
					t.Fatalf("UpdateTicket: %v", err)
				}
				if i%5 != 4 {
					first[who.ID] = append(first[who.ID], took)
					allFirst = append(allFirst, took)
				}
				if i%3 != 2 {
					d := 2*took + time.Duration(i)*time.Second
					resolve[who.ID] = append(resolve[who.ID], d)
					allResolve = append(allResolve, d)
				}
			}
			// Another workspace's ticket counts only in the every-workspace figures.
			other := mkTicket(t, s, wsB, "elsewhere")
			if _, err := s.UpdateTicket(ctx, other.ID, func(x *core.Ticket) ([]core.Change, error) {
				x.SLA.FirstResponseAt, x.SLA.ResponseTime = ptr(base), 99*time.Hour
				return []core.Change{{Actor: staff, Field: "note", To: "x"}}, nil
			}); err != nil {
				t.Fatal(err)
			}
			from, to := base.Truncate(24*time.Hour).Add(-24*time.Hour), base.Truncate(24*time.Hour).Add(48*time.Hour)
			st, err := ss.Stats(ctx, wsA, from, to)
			if err != nil {
				t.Fatalf("Stats: %v", err)
			}
			if got, want := st.FirstResponse, core.TimeStatsOf(allFirst); got != want {
				t.Errorf("first response: got %+v, want %+v", got, want)
			}
			if got, want := st.Resolution, core.TimeStatsOf(allResolve); got != want {
				t.Errorf("resolution: got %+v, want %+v", got, want)
			}
			seen := 0
			for _, a := range st.Assignees {
				seen++
				if got, want := a.FirstResponse, core.TimeStatsOf(first[a.Assignee.ID]); got != want {
					t.Errorf("%q first response: got %+v, want %+v", a.Assignee.ID, got, want)
				}
				if got, want := a.Resolution, core.TimeStatsOf(resolve[a.Assignee.ID]); got != want {
					t.Errorf("%q resolution: got %+v, want %+v", a.Assignee.ID, got, want)
				}
			}
			if seen != len(people) {
				t.Errorf("got %d assignees, want %d: %+v", seen, len(people), st.Assignees)
			}
			all, err := ss.Stats(ctx, core.Workspace{}, from, to)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := all.FirstResponse, core.TimeStatsOf(append(allFirst, 99*time.Hour)); got != want {
				t.Errorf("every workspace: first response %+v, want %+v (with the other workspace's)", got, want)
			}
		}},
		{"Stats backlog at the end of today is the backlog now", func(t *testing.T, s core.Store) {
			ss, ok := s.(core.StatsStore)
			if !ok {
				t.Skip("the store computes no reports")
			}
			ctx := t.Context()
			for i, to := range []core.Status{core.StatusOpen, core.StatusWaiting, core.StatusResolved, core.StatusClosed, core.StatusWaiting} {
				tk := mkTicket(t, s, wsA, fmt.Sprintf("backlog %d", i))
				if to == core.StatusOpen {
					continue
				}
				if _, err := s.UpdateTicket(ctx, tk.ID, func(x *core.Ticket) ([]core.Change, error) {
					x.Status = to
					return []core.Change{{Actor: staff, Field: "status", From: "open", To: string(to)}}, nil
				}); err != nil {
					t.Fatal(err)
				}
			}
			mkTicket(t, s, wsB, "elsewhere")
			today := time.Now().UTC().Truncate(24 * time.Hour)
			st, err := ss.Stats(ctx, wsA, today.Add(-48*time.Hour), today.Add(24*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if len(st.BacklogDays) != 3 {
				t.Fatalf("got %d backlog days, want 3", len(st.BacklogDays))
			}
			want := core.StatusCounts{core.StatusOpen: 1, core.StatusInProgress: 0, core.StatusWaiting: 2, core.StatusResolved: 1, core.StatusClosed: 1}
			if got := st.BacklogDays[2].Counts; fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("today: got %v, want %v", got, want)
			}
			if got := st.BacklogDays[0].Counts.Total(); got != 0 {
				t.Errorf("two days ago: %d tickets, want none", got)
			}
		}},
	}
}

func ptr[T any](v T) *T { return &v }
