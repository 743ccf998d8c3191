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

// The recency walk (a common word's search, and the fall-back of one over budget) finds the
// tickets that match every term, in their own text or a visible message, within the other
// filters (a requester's own tickets), folding case and accents, newest first, below its
// cursor.
func TestRecentWalkFindsTheNewestMatches(t *testing.T) {
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
		g := open(ws, "Ärger")                     // the terms in an accented message, by U2
		for _, m := range []core.Message{
			{TicketID: b.ID, ExternalID: "m1", Content: "coffee", Author: core.UserRef{ID: "U1"}, Source: "slack"},
			{TicketID: c.ID, ExternalID: "m2", Content: "the PRINTER next to it jams too", Author: core.UserRef{ID: "U1"}, Source: "slack"},
			{TicketID: d.ID, ExternalID: "m3", Content: "printer jams", Internal: true, Author: core.UserRef{ID: "U1"}, Source: "slack"},
			{TicketID: g.ID, ExternalID: "m4", Content: "PRÍNTER jäms again", Author: core.UserRef{ID: "U1"}, Source: "slack"},
			{TicketID: g.ID, ExternalID: "m5", Content: "printer jams (deleted)", Deleted: true, Author: core.UserRef{ID: "U1"}, Source: "slack"},
		} {
			if _, _, err := s.AddMessage(ctx, m, nil); err != nil {
				t.Fatal(err)
			}
		}
		got := func(f core.ListFilter) []int64 {
			w, err := s.recentWalk(ctx, f, core.SearchTerms("Printer jams"), searchWalkTickets)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, h := range w.hits {
				if h.Snippet == nil || h.Score != recentScore {
					t.Errorf("%s: hit %d: snippet %v, score %v", url, h.Ticket.ID, h.Snippet, h.Score)
				}
				ids = append(ids, h.Ticket.ID)
			}
			return ids
		}
		if ids, want := got(core.ListFilter{Workspace: ws}), []int64{g.ID, c.ID, a.ID}; !slices.Equal(ids, want) {
			t.Errorf("%s: requester's search = %v, want %v", url, ids, want)
		}
		if ids, want := got(core.ListFilter{Workspace: ws, Internal: true}), []int64{g.ID, d.ID, c.ID, a.ID}; !slices.Equal(ids, want) {
			t.Errorf("%s: staff search = %v, want %v", url, ids, want)
		}
		if ids, want := got(core.ListFilter{}), []int64{g.ID, e.ID, c.ID, a.ID}; !slices.Equal(ids, want) {
			t.Errorf("%s: every workspace = %v, want %v", url, ids, want)
		}
		if ids, want := got(core.ListFilter{Workspace: ws, After: core.ListCursor{ID: c.ID, Score: recentScore}}), []int64{a.ID}; !slices.Equal(ids, want) {
			t.Errorf("%s: after %d = %v, want %v", url, c.ID, ids, want)
		}
		if ids := got(core.ListFilter{Workspace: ws, Reporter: "U2", Internal: true}); len(ids) != 0 {
			t.Errorf("%s: U2's tickets = %v, want none (U1 reported them all)", url, ids)
		}
		if ids, want := got(core.ListFilter{Workspace: ws, Limit: 2}), []int64{g.ID, c.ID}; !slices.Equal(ids, want) {
			t.Errorf("%s: a page of 2 = %v, want %v", url, ids, want)
		}
	}
}

// A word is common when a page of its matches is among the newest tickets' texts and
// visible messages (counted with accents and case folded): then the walk answers, else the
// ranked search.
func TestCommonAmongNewestCountsAPageOfVisibleMatches(t *testing.T) {
	for _, url := range []string{"sqlite://:memory:", coretest.MySQLURL(t)} {
		s := openPlanStore(t, url)
		ctx := context.Background()
		ws := core.Workspace{Platform: core.PlatformSlack, ExternalID: "TC"}
		for i := range 6 {
			tk := core.Ticket{Workspace: ws, Title: "ticket", Reporter: core.UserRef{ID: "U1"}}
			if i < 2 {
				tk.Title = "Ärger am Drucker"
			}
			if err := s.CreateTicket(ctx, &tk); err != nil {
				t.Fatal(err)
			}
			m := core.Message{TicketID: tk.ID, ExternalID: "m", Content: "noch mehr ärger", Internal: i == 2, Deleted: i == 3, Author: core.UserRef{ID: "U1"}, Source: "slack"}
			if i >= 2 && i < 4 {
				if _, _, err := s.AddMessage(ctx, m, nil); err != nil {
					t.Fatal(err)
				}
			}
		}
		terms := core.SearchTerms("ARGER")
		for _, c := range []struct {
			name string
			f    core.ListFilter
			want bool
		}{
			{"two titles fill a page of 2", core.ListFilter{Limit: 2}, true},
			{"not a page of 3 for requesters", core.ListFilter{Limit: 3}, false},
			{"a page of 3 with the internal note", core.ListFilter{Limit: 3, Internal: true}, true},
			{"never the deleted message", core.ListFilter{Limit: 4, Internal: true}, false},
		} {
			got, err := s.commonAmongNewest(ctx, c.f, terms)
			if err != nil || got != c.want {
				t.Errorf("%s: %s: common = %v, %v; want %v", url, c.name, got, err, c.want)
			}
		}
	}
}
