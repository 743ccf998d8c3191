package gormstore

import (
	"testing"

	"github.com/ticketbot/ticketbot/core"
)

// TestListStages: a list sorted by priority is read a priority at a time, the most urgent
// first (ListTickets stops once the page is full), and every other list in one statement.
func TestListStages(t *testing.T) {
	ws := core.Workspace{Platform: core.PlatformSlack, ExternalID: "T1"}
	active := []core.Status{core.StatusOpen, core.StatusInProgress, core.StatusWaiting}
	cases := []struct {
		name string
		f    core.ListFilter
		want []core.Priority // each stage's priority ("" for a plan read at once)
	}{
		{"by priority", core.ListFilter{Workspace: ws, Statuses: active, Sort: core.SortPriority},
			[]core.Priority{core.PriorityUrgent, core.PriorityHigh, core.PriorityNormal, core.PriorityLow}},
		{"by priority after a high ticket", core.ListFilter{Assignee: "U2", Sort: core.SortPriority,
			After: core.ListCursor{ID: 9, Priority: core.PriorityHigh}},
			[]core.Priority{core.PriorityHigh, core.PriorityNormal, core.PriorityLow}},
		{"by priority, two of them", core.ListFilter{Sort: core.SortPriority,
			Priorities: []core.Priority{core.PriorityLow, core.PriorityUrgent}},
			[]core.Priority{core.PriorityUrgent, core.PriorityLow}},
		{"filtered by priority, by update", core.ListFilter{Workspace: ws, Sort: core.SortUpdated,
			Priorities: []core.Priority{core.PriorityUrgent, core.PriorityHigh}}, []core.Priority{""}},
		{"by creation", core.ListFilter{Workspace: ws}, []core.Priority{""}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := planList(c.f)
			stages := p.stages(c.f.Sort)
			if len(stages) != len(c.want) {
				t.Fatalf("%d stages, want %d", len(stages), len(c.want))
			}
			n := 0
			for i, st := range stages {
				n += len(st.ranges)
				for _, r := range st.ranges {
					if c.want[i] != "" && r.priority != c.want[i] {
						t.Errorf("stage %d has a range of priority %q, want only %q", i, r.priority, c.want[i])
					}
				}
			}
			if n != len(p.ranges) {
				t.Errorf("stages hold %d ranges, the plan %d", n, len(p.ranges))
			}
		})
	}
}
