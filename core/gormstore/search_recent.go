package gormstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// A search of a common word is answered newest first. Ranking reads every match (InnoDB's
// full-text search has no early stop: a word in most of a million tickets and five million
// messages costs seconds whatever the LIMIT), while a walk of the newest tickets within the
// filters finds a page of a common word's matches after a few hundred tickets. So a first
// page starts with a sample: the searchSampleTickets newest tickets' own text and the
// searchSampleMessages newest visible messages (two reads of the primary keys' newest end;
// on MySQL/MariaDB counted there with LIKE, folded by the columns' collation, up to a page). When a page's worth of them match, the word is common (in about one text in
// sample/page or more) and the walk answers; otherwise the word is rare and the ranked
// search answers. The walk's hits carry recentScore, and a cursor with it continues the
// walk below its ticket.
//
// The walk reads tickets through the list plans (page-bounded at any depth), their messages
// by ticket id (on MySQL/MariaDB only those holding every term, by LIKE), and decides in Go
// whether a text matches (core.TextMatches: the rule SearchTerms documents, on both
// engines). A page walks at most searchWalkTickets tickets and stops at the search budget:
// a word common among the newest tickets but absent from older ones ends its list there.
const (
	searchSampleTickets  = 500
	searchSampleMessages = 1000
	searchWalkChunk      = 200 // at most maxListLimit
	searchWalkTickets    = 20000
)

// commonAmongNewest reports whether a page of f's matches of terms is among the newest
// tickets' texts and messages (see above).
func (s *Store) commonAmongNewest(ctx context.Context, f core.ListFilter, terms []string) (bool, error) {
	var tlike, mlike []string
	var targs, margs []any
	for _, t := range terms { // letters and digits only: no LIKE wildcard among them
		like := "%" + t + "%"
		tlike, targs = append(tlike, "(title LIKE ? OR description LIKE ?)"), append(targs, like, like)
		mlike, margs = append(mlike, "content LIKE ?"), append(margs, like)
	}
	visible := "deleted = ?"
	vargs := []any{false}
	if !f.Internal {
		visible, vargs = visible+" AND internal = ?", append(vargs, false)
	}
	page := listLimit(f)
	tq := fmt.Sprintf("SELECT title, description FROM tickets ORDER BY id DESC LIMIT %d", searchSampleTickets)
	mq := fmt.Sprintf("SELECT content FROM ticket_messages WHERE %s ORDER BY id DESC LIMIT %d", visible, searchSampleMessages)
	db := s.db.WithContext(ctx)
	if s.mysql { // counted there, up to a page each: LIKE's matches (a superset) tell density well enough
		var n int
		q := fmt.Sprintf(`SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM (%s) AS r WHERE %s LIMIT %d) AS a)
			+ (SELECT COUNT(*) FROM (SELECT 1 FROM (%s) AS r WHERE %s LIMIT %d) AS b)`,
			tq, strings.Join(tlike, " AND "), page, mq, strings.Join(mlike, " AND "), page)
		err := db.Raw(q, append(append(targs, vargs...), margs...)...).Scan(&n).Error
		return n >= page, err
	}
	var ts []struct{ Title, Description string }
	if err := db.Raw(tq).Scan(&ts).Error; err != nil {
		return false, err
	}
	var ms []string
	if err := db.Raw(mq, vargs...).Pluck("content", &ms).Error; err != nil {
		return false, err
	}
	n := 0
	for _, t := range ts {
		if core.TextMatches(t.Title+"\n"+t.Description, terms) {
			n++
		}
	}
	for _, m := range ms {
		if core.TextMatches(m, terms) {
			n++
		}
	}
	return n >= page, nil
}

// recentScore is the score of a hit of the recency walk: ranked scores are never negative.
const recentScore = -1

// isRecentCursor reports whether f continues a recency walk.
func isRecentCursor(f core.ListFilter) bool { return f.After.ID > 0 && f.After.Score == recentScore }

// walkResult is what a recency walk found.
type walkResult struct {
	hits []core.SearchHit
	full bool // the page filled
}

// recentWalk walks f's tickets newest first below f.After (a recency cursor, or none), at most
// maxTickets of them, and returns the first page of those matching terms with their
// snippets. It stops early, with what it found, once the search budget has passed.
func (s *Store) recentWalk(ctx context.Context, f core.ListFilter, terms []string, maxTickets int) (walkResult, error) {
	limit := listLimit(f)
	var deadline time.Time
	if s.searchBudget > 0 {
		deadline = time.Now().Add(s.searchBudget)
	}
	g := f
	g.Query, g.Sort, g.Limit = "", core.SortCreated, searchWalkChunk
	g.After = core.ListCursor{ID: f.After.ID}
	var out walkResult
	chunk := min(2*limit, searchWalkChunk) // grows: a common word fills the page in the first
	for walked := 0; walked < maxTickets; chunk = min(2*chunk, searchWalkChunk) {
		g.Limit = min(chunk, maxTickets-walked)
		ts, err := s.ListTickets(ctx, g)
		if err != nil {
			return out, err
		}
		walked += len(ts)
		snips := make([][]core.SnippetPart, len(ts))
		var rest []core.Ticket // those whose own text does not match: their messages might
		for i, t := range ts {
			if snips[i] = ticketSnippet(t, terms); snips[i] == nil {
				rest = append(rest, t)
			}
		}
		texts, err := s.messageTexts(ctx, f, terms, rest)
		if err != nil {
			return out, err
		}
		for i, t := range ts {
			if snips[i] == nil {
				snips[i] = messageSnippet(texts[t.ID], terms)
			}
			if snips[i] != nil {
				out.hits = append(out.hits, core.SearchHit{Ticket: t, Score: recentScore, Snippet: snips[i]})
				if len(out.hits) == limit {
					out.full = true
					return out, nil
				}
			}
		}
		if len(ts) < g.Limit || (!deadline.IsZero() && time.Now().After(deadline)) {
			return out, nil
		}
		g.After.ID = ts[len(ts)-1].ID
	}
	return out, nil
}

// ticketSnippet is the snippet of t's own text matching terms — its title and description,
// then its answers — or nil when none does.
func ticketSnippet(t core.Ticket, terms []string) []core.SnippetPart {
	if core.TextMatches(t.Title+"\n"+t.Description, terms) {
		if snip := core.Snippet(t.Title, terms); snip != nil {
			return snip
		}
		return core.Snippet(t.Description, terms)
	}
	for _, a := range t.Answers {
		if core.TextMatches(a.Value, terms) {
			return core.Snippet(a.Question+": "+a.Value, terms)
		}
	}
	return nil
}

// messageSnippet is the snippet of the first of msgs matching terms, or nil.
func messageSnippet(msgs []string, terms []string) []core.SnippetPart {
	for _, m := range msgs {
		if core.TextMatches(m, terms) {
			return core.Snippet(m, terms)
		}
	}
	return nil
}

// messageTexts returns the contents of ts's messages a search of f may match, by ticket,
// oldest first: not deleted, public unless f.Internal; on MySQL/MariaDB only those holding
// every term (LIKE, folded by the column's collation: a superset of core.TextMatches).
func (s *Store) messageTexts(ctx context.Context, f core.ListFilter, terms []string, ts []core.Ticket) (map[int64][]string, error) {
	if len(ts) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
	}
	where := []string{"ticket_id IN ?", "deleted = ?"}
	args := []any{ids, false}
	if !f.Internal {
		where, args = append(where, "internal = ?"), append(args, false)
	}
	if s.mysql {
		for _, t := range terms { // letters and digits only: no LIKE wildcard among them
			where, args = append(where, "content LIKE ?"), append(args, "%"+t+"%")
		}
	}
	var rows []struct {
		TicketID int64
		Content  string
	}
	q := fmt.Sprintf("SELECT ticket_id, content FROM ticket_messages WHERE %s ORDER BY ticket_id, id", strings.Join(where, " AND "))
	if err := s.db.WithContext(ctx).Raw(q, args...).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := map[int64][]string{}
	for _, r := range rows {
		out[r.TicketID] = append(out[r.TicketID], r.Content)
	}
	return out, nil
}
