package gormstore

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/ticketbot/ticketbot/core"
)

// A search ranks documents: a ticket's title and description, and each of its messages. A
// ticket's score is its best document's; its snippet comes from its own text when that
// matches, else from its best answer to a category question, else from its best message.

// searchSource is the SQL of one kind of document: ticket_id and score of each match.
type searchSource struct {
	sql  string
	args []any
}

// matchQuery is terms as the dialect's full-text query: every term, as a prefix.
func (s *Store) matchQuery(terms []string) string {
	parts := make([]string, len(terms))
	for i, t := range terms { // terms are letters and digits only (core.SearchTerms)
		if s.mysql {
			parts[i] = "+" + t + "*"
		} else {
			parts[i] = `"` + t + `"*`
		}
	}
	if s.mysql {
		return strings.Join(parts, " ")
	}
	return strings.Join(parts, " AND ")
}

// searchSources are the documents a search of f reads: tickets' own text, and messages that
// are not deleted (internal ones only with f.Internal).
func (s *Store) searchSources(f core.ListFilter, match string) []searchSource {
	return []searchSource{s.ticketSource(match), s.answerSource(match), s.messageSource(f, match, "")}
}

// answerSource selects ticket_id and score of the answers (to category questions) matching.
func (s *Store) answerSource(match string) searchSource {
	if s.mysql {
		return searchSource{`SELECT a.ticket_id AS ticket_id, MATCH(a.value) AGAINST (? IN BOOLEAN MODE) AS score
			FROM ticket_answers a WHERE MATCH(a.value) AGAINST (? IN BOOLEAN MODE)`, []any{match, match}}
	}
	return searchSource{`SELECT a.ticket_id AS ticket_id, -bm25(answers_fts) AS score
		FROM answers_fts JOIN ticket_answers a ON a.id = answers_fts.rowid WHERE answers_fts MATCH ?`, []any{match}}
}

func (s *Store) ticketSource(match string) searchSource {
	if s.mysql {
		return searchSource{`SELECT id AS ticket_id, MATCH(title, description) AGAINST (? IN BOOLEAN MODE) AS score
			FROM tickets WHERE MATCH(title, description) AGAINST (? IN BOOLEAN MODE)`, []any{match, match}}
	}
	return searchSource{`SELECT rowid AS ticket_id, -bm25(tickets_fts) AS score FROM tickets_fts WHERE tickets_fts MATCH ?`, []any{match}}
}

// messageSource selects ticket_id, score and (as message_id) the message's id; extra is
// appended to its WHERE.
func (s *Store) messageSource(f core.ListFilter, match, extra string) searchSource {
	visible := " AND m.deleted = ?"
	args := []any{false}
	if !f.Internal {
		visible += " AND m.internal = ?"
		args = append(args, false)
	}
	if s.mysql {
		return searchSource{`SELECT m.ticket_id AS ticket_id, MATCH(m.content) AGAINST (? IN BOOLEAN MODE) AS score, m.id AS message_id
			FROM ticket_messages m WHERE MATCH(m.content) AGAINST (? IN BOOLEAN MODE)` + visible + extra, append([]any{match, match}, args...)}
	}
	return searchSource{`SELECT m.ticket_id AS ticket_id, -bm25(messages_fts) AS score, m.id AS message_id
		FROM messages_fts JOIN ticket_messages m ON m.id = messages_fts.rowid WHERE messages_fts MATCH ?` + visible + extra, append([]any{match}, args...)}
}

// searchSQL is the ranked page of f: each ticket once with its best score, filtered by f's
// other fields, best first, after f.After.
func (s *Store) searchSQL(f core.ListFilter, terms []string) (string, []any) {
	match := s.matchQuery(terms)
	var docs []string
	var args []any
	for _, src := range s.searchSources(f, match) {
		cols := "ticket_id, score"
		docs = append(docs, "SELECT "+cols+" FROM ("+src.sql+") AS src")
		args = append(args, src.args...)
	}
	where, wargs := searchFilters(f)
	args = append(args, wargs...)
	if f.After.ID > 0 {
		where = append(where, "(h.score < ? OR (h.score = ? AND t.id < ?))")
		args = append(args, f.After.Score, f.After.Score, f.After.ID)
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	limit := listLimit(f)
	return fmt.Sprintf(`SELECT t.*, h.score AS score FROM (SELECT ticket_id, MAX(score) AS score FROM (%s) AS d GROUP BY ticket_id) AS h
		JOIN tickets t ON t.id = h.ticket_id%s ORDER BY h.score DESC, t.id DESC LIMIT %d`,
		strings.Join(docs, " UNION ALL "), cond, limit), args
}

// searchFilters are the conditions on the hits' tickets (alias t) of f's fields other than
// the query and the cursor.
func searchFilters(f core.ListFilter) ([]string, []any) {
	var where []string
	var args []any
	add := func(cond string, a ...any) { where, args = append(where, cond), append(args, a...) }
	if !f.Workspace.IsZero() {
		add("t.workspace = ?", f.Workspace.String())
	}
	if len(f.Statuses) > 0 {
		add("t.status IN ?", statusStrings(f.Statuses))
	}
	if len(f.Priorities) > 0 {
		add("t.priority IN ?", priorityStrings(f.Priorities))
	}
	if f.Reporter != "" {
		add("t.reporter_id = ?", f.Reporter)
	}
	switch people := core.AssigneeSet(f); {
	case f.Unassigned:
		add("t.assignee_id = ?", "")
	case len(people) > 0:
		add("t.assignee_id IN ?", people)
	}
	if f.Category != 0 {
		add("t.category_id = ?", f.Category)
	}
	return where, args
}

// listLimit is f's page size: its Limit, at most maxListLimit, defaultListLimit when unset.
func listLimit(f core.ListFilter) int {
	if f.Limit <= 0 {
		return defaultListLimit
	}
	return min(f.Limit, maxListLimit)
}

// searchRow is a ticket row with its search score.
type searchRow struct {
	Row   ticketRow `gorm:"embedded"` // exported: GORM leaves unexported fields alone
	Score float64
}

func statusStrings(sts []core.Status) []string {
	out := make([]string, len(sts))
	for i, st := range sts {
		out[i] = string(st)
	}
	return out
}

// SearchTickets returns the best-matching tickets of f.Query within f's other filters, with
// snippets. Errors: unavailable, internal.
func (s *Store) SearchTickets(ctx context.Context, f core.ListFilter) ([]core.SearchHit, error) {
	const op = "gormstore.SearchTickets"
	terms := core.SearchTerms(f.Query)
	if len(terms) == 0 {
		return nil, nil
	}
	if isRecentCursor(f) {
		w, err := s.recentWalk(ctx, f, terms, searchWalkTickets)
		if err != nil {
			return nil, fail(op, err)
		}
		return w.hits, nil
	}
	if f.After.ID == 0 { // is the word common among the newest tickets?
		common, err := s.commonAmongNewest(ctx, f, terms)
		if err != nil {
			return nil, fail(op, err)
		}
		if common {
			w, err := s.recentWalk(ctx, f, terms, searchWalkTickets)
			if err != nil {
				return nil, fail(op, err)
			}
			return w.hits, nil
		}
	}
	q, args := s.searchSQL(f, terms)
	var rows []searchRow
	db := s.db.WithContext(ctx)
	if err := db.Raw(s.bounded(q), args...).Scan(&rows).Error; isStatementTimeout(err) {
		// Ranking every match took too long (a word in most documents, but not among the
		// newest): the newest tickets stand in, newest first.
		s.log.InfoContext(ctx, "search: ranking ran past its budget; answering from recent tickets", "terms", len(terms), "budget", s.searchBudget)
		g := f
		g.After.Score = recentScore
		w, err := s.recentWalk(ctx, g, terms, searchWalkTickets)
		if err != nil {
			return nil, fail(op, err)
		}
		return w.hits, nil
	} else if err != nil {
		return nil, fail(op, err)
	}
	ts := make([]core.Ticket, len(rows))
	for i, r := range rows {
		ts[i] = r.Row.core()
	}
	if err := s.fillAnswers(db, ts); err != nil {
		return nil, fail(op, err)
	}
	hits := make([]core.SearchHit, len(rows))
	var needMessage, needAnswer []int64
	for i, r := range rows {
		t := ts[i]
		hits[i] = core.SearchHit{Ticket: t, Score: r.Score, Snippet: core.Snippet(t.Title, terms)}
		if hits[i].Snippet == nil {
			hits[i].Snippet = core.Snippet(t.Description, terms)
		}
		if hits[i].Snippet == nil {
			needAnswer = append(needAnswer, t.ID)
		}
	}
	if len(needAnswer) > 0 {
		texts, err := s.answerTexts(db, needAnswer)
		if err != nil {
			return nil, fail(op, err)
		}
		for i := range hits {
			if hits[i].Snippet == nil {
				hits[i].Snippet = core.Snippet(texts[hits[i].Ticket.ID], terms)
			}
		}
	}
	for i := range hits {
		if hits[i].Snippet == nil {
			needMessage = append(needMessage, hits[i].Ticket.ID)
		}
	}
	if len(needMessage) > 0 {
		best, err := s.bestMessages(db, f, s.matchQuery(terms), needMessage)
		if err != nil {
			return nil, fail(op, err)
		}
		for i := range hits {
			if hits[i].Snippet == nil {
				hits[i].Snippet = core.Snippet(best[hits[i].Ticket.ID], terms)
			}
		}
	}
	return hits, nil
}

// bestMessages returns, for each of ticketIDs, the content of its best-matching message.
func (s *Store) bestMessages(db *gorm.DB, f core.ListFilter, match string, ticketIDs []int64) (map[int64]string, error) {
	src := s.messageSource(f, match, " AND m.ticket_id IN ?")
	var rows []struct {
		TicketID int64
		Content  string
	}
	q := "SELECT d.ticket_id, mm.content FROM (" + src.sql + ") AS d JOIN ticket_messages mm ON mm.id = d.message_id ORDER BY d.score DESC, d.message_id"
	if err := db.Raw(q, append(src.args, ticketIDs)...).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := map[int64]string{}
	for _, r := range rows {
		if _, ok := out[r.TicketID]; !ok {
			out[r.TicketID] = r.Content
		}
	}
	return out, nil
}

// answerTexts returns, for each of ticketIDs, its answers joined in question order ("label:
// answer" lines), for snippets.
func (s *Store) answerTexts(db *gorm.DB, ticketIDs []int64) (map[int64]string, error) {
	var rows []answerRow
	if err := db.Where("ticket_id IN ?", ticketIDs).Order("ticket_id, position").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := map[int64]string{}
	for _, r := range rows {
		if out[r.TicketID] != "" {
			out[r.TicketID] += "\n"
		}
		out[r.TicketID] += r.Question + ": " + r.Value
	}
	return out, nil
}
