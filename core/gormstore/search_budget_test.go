package gormstore

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
)

// A search's statement carries the search budget as its time limit, and the error of a
// statement stopped by it is recognised (so the search falls back instead of failing).
func TestSearchBudgetStopsTheStatementMariaDB(t *testing.T) {
	s := openPlanStore(t, coretest.MySQLURL(t))
	s.searchBudget = 20 * time.Millisecond
	var n int
	start := time.Now()
	err := s.db.Raw(s.bounded("SELECT SLEEP(5)")).Scan(&n).Error
	if !isStatementTimeout(err) {
		t.Fatalf("err = %v after %v; want the statement stopped by its time limit", err, time.Since(start))
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("stopped after %v; the budget was 20ms", d)
	}
}

// The fall-back of a search over budget finds the recent tickets that match every term, in
// their own text or a visible message, within the other filters, newest first.
func TestRecentMatchesFindTheNewestMatches(t *testing.T) {
	for _, url := range []string{"sqlite://:memory:", coretest.MySQLURL(t)} {
		s := openPlanStore(t, url)
		ctx := context.Background()
		ws := core.Workspace{Platform: core.PlatformSlack, ExternalID: "TR"}
		other := core.Workspace{Platform: core.PlatformSlack, ExternalID: "TO"}
		open := func(w core.Workspace, title string) core.Ticket {
			tk := core.Ticket{Workspace: w, Title: title, Reporter: core.UserRef{ID: "U1"}}
			if err := s.CreateTicket(ctx, &tk); err != nil {
				t.Fatal(err)
			}
			return tk
		}
		a := open(ws, "Printer jams")              // both terms in the title
		b := open(ws, "Printer")                   // one term: no match
		c := open(ws, "Laptop")                    // matches by a message
		d := open(ws, "Screen")                    // an internal message only
		e := open(other, "Printer jams elsewhere") // another workspace
		for _, m := range []core.Message{
			{TicketID: b.ID, ExternalID: "m1", Content: "coffee", Author: core.UserRef{ID: "U1"}, Source: "slack"},
			{TicketID: c.ID, ExternalID: "m2", Content: "the PRINTER next to it jams too", Author: core.UserRef{ID: "U1"}, Source: "slack"},
			{TicketID: d.ID, ExternalID: "m3", Content: "printer jams", Internal: true, Author: core.UserRef{ID: "U1"}, Source: "slack"},
		} {
			if _, _, err := s.AddMessage(ctx, m, nil); err != nil {
				t.Fatal(err)
			}
		}
		got := func(f core.ListFilter) []int64 {
			rows, err := s.recentMatches(ctx, f, []string{"printer", "jams"})
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, r := range rows {
				ids = append(ids, r.Row.ID)
			}
			return ids
		}
		if ids, want := got(core.ListFilter{Workspace: ws}), []int64{c.ID, a.ID}; !slices.Equal(ids, want) {
			t.Errorf("%s: requester's search = %v, want %v", url, ids, want)
		}
		if ids, want := got(core.ListFilter{Workspace: ws, Internal: true}), []int64{d.ID, c.ID, a.ID}; !slices.Equal(ids, want) {
			t.Errorf("%s: staff search = %v, want %v", url, ids, want)
		}
		if ids, want := got(core.ListFilter{}), []int64{e.ID, c.ID, a.ID}; !slices.Equal(ids, want) {
			t.Errorf("%s: every workspace = %v, want %v", url, ids, want)
		}
		if ids, want := got(core.ListFilter{Workspace: ws, After: core.ListCursor{ID: c.ID}}), []int64{a.ID}; !slices.Equal(ids, want) {
			t.Errorf("%s: after %d = %v, want %v", url, c.ID, ids, want)
		}
	}
}
