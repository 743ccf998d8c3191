package gormstore

import (
	"cmp"
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ticketbot/ticketbot/core"
)

// TestListPagesMatchTheirFilter walks every list shape of the plan test page by page (the
// cursor taken from each page's last ticket, as the API and dashboard do) and checks the
// tickets against the filter applied to every ticket in Go: each matching ticket once, in
// the sort's order, none missing.
func TestListPagesMatchTheirFilter(t *testing.T) {
	s := openPlanStore(t, "sqlite://"+filepath.Join(t.TempDir(), "pages.db"))
	genTickets(t, s)
	ctx := context.Background()
	var all []core.Ticket
	var rows []ticketRow
	if err := s.db.Order("id").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		all = append(all, r.core())
	}
	for _, sh := range planShapes() {
		if sh.f.After.ID > 0 && len(sh.f.Priorities) == 0 {
			continue // the deep pages are the walk's later pages
		}
		t.Run(sh.name, func(t *testing.T) {
			f := sh.f
			f.After, f.Limit = core.ListCursor{}, 97
			want := reference(all, f)
			var got []int64
			for range len(all)/f.Limit + 2 {
				page, err := s.ListTickets(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				for _, tk := range page {
					got = append(got, tk.ID)
				}
				if len(page) < f.Limit {
					break
				}
				last := page[len(page)-1]
				f.After = core.CursorAfter(last, f.Sort)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("got %d tickets, want %d (first difference at %d)", len(got), len(want), firstDiff(got, want))
			}
		})
	}
}

// reference lists the ids of all's tickets that match f, in f's sort.
func reference(all []core.Ticket, f core.ListFilter) []int64 {
	var m []core.Ticket
	for _, tk := range all {
		switch {
		case !f.Workspace.IsZero() && tk.Workspace != f.Workspace,
			f.Reporter != "" && tk.Reporter.ID != f.Reporter,
			len(core.AssigneeSet(f)) > 0 && !slices.Contains(core.AssigneeSet(f), tk.Assignee.ID),
			f.Unassigned && tk.Assignee.ID != "",
			f.Category != 0 && tk.CategoryID != f.Category,
			len(f.Statuses) > 0 && !slices.Contains(f.Statuses, tk.Status),
			len(f.Priorities) > 0 && !slices.Contains(f.Priorities, tk.Priority):
			continue
		}
		m = append(m, tk)
	}
	slices.SortFunc(m, func(a, b core.Ticket) int {
		switch f.Sort {
		case core.SortUpdated:
			if c := b.UpdatedAt.Compare(a.UpdatedAt); c != 0 {
				return c
			}
		case core.SortPriority:
			if c := cmp.Compare(b.Priority.Rank(), a.Priority.Rank()); c != 0 {
				return c
			}
		case core.SortDue: // soonest first, then the oldest ticket
			if c := a.SLA.NextDue().Compare(b.SLA.NextDue()); c != 0 {
				return c
			}
			return cmp.Compare(a.ID, b.ID)
		}
		return cmp.Compare(b.ID, a.ID)
	})
	out := make([]int64, len(m))
	for i, tk := range m {
		out[i] = tk.ID
	}
	return out
}

func firstDiff(a, b []int64) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
