package gormstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/ticketbot/ticketbot/core"
)

// defaultSearchBudget is how long a ranked search may run on MySQL/MariaDB. InnoDB's
// full-text search has no early stop: a word found in most of a million tickets makes every
// query read the whole posting list and fetch each match's row (tens of seconds at 1M
// tickets and 5M messages, holding a connection all along), whatever the LIMIT.
const defaultSearchBudget = 250 * time.Millisecond

// Past the budget, a search reads the searchRecentTickets newest tickets and the
// searchRecentMessages newest messages, matched with LIKE (accent- and case-folded by the
// column collation): a bounded read that finds the recent matches of a common word.
const (
	searchRecentTickets  = 5000
	searchRecentMessages = 20000
)

// MySQL server errors of a statement stopped by its time limit.
const (
	myStatementTimeout = 1969 // MariaDB: max_statement_time exceeded
	myMaxExecutionTime = 3024 // MySQL: MAX_EXECUTION_TIME exceeded
	// myFTSStopped is the handler error InnoDB's full-text search answers when it is stopped
	// in its matching (by the time limit, or past its result cache: too many matches either
	// way); MariaDB passes it on as "Unknown error 188".
	myFTSStopped = 188
)

// bounded is q (a SELECT) with the search budget as its time limit on MySQL and MariaDB.
func (s *Store) bounded(q string) string {
	if !s.mysql || s.searchBudget <= 0 {
		return q
	}
	if s.mariadb {
		return fmt.Sprintf("SET STATEMENT max_statement_time=%.6f FOR %s", s.searchBudget.Seconds(), q)
	}
	return strings.Replace(q, "SELECT", fmt.Sprintf("SELECT /*+ MAX_EXECUTION_TIME(%d) */", max(s.searchBudget.Milliseconds(), 1)), 1)
}

func isStatementTimeout(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && (me.Number == myStatementTimeout || me.Number == myMaxExecutionTime || me.Number == myFTSStopped)
}

// recentMatches is a search of f bounded by recency: tickets among the newest whose title or
// description holds every term, and tickets with one of the newest messages holding every
// term, newest first (score 0).
func (s *Store) recentMatches(ctx context.Context, f core.ListFilter, terms []string) ([]searchRow, error) {
	var ticketText, messageText []string
	var targs, margs []any
	for _, t := range terms {
		like := "%" + t + "%"
		ticketText = append(ticketText, "(r.title LIKE ? OR r.description LIKE ?)")
		targs = append(targs, like, like)
		messageText = append(messageText, "m.content LIKE ?")
		margs = append(margs, like)
	}
	visible := "m.deleted = ?"
	margs = append(margs, false)
	if !f.Internal {
		visible += " AND m.internal = ?"
		margs = append(margs, false)
	}
	where, wargs := searchFilters(f)
	if f.After.ID > 0 {
		where, wargs = append(where, "t.id < ?"), append(wargs, f.After.ID)
	}
	cond := ""
	if len(where) > 0 {
		cond = " AND " + strings.Join(where, " AND ")
	}
	q := fmt.Sprintf(`SELECT t.*, 0 AS score FROM tickets t WHERE t.id IN (
		  SELECT r.id FROM (SELECT id, title, description FROM tickets ORDER BY id DESC LIMIT %d) AS r WHERE %s
		  UNION
		  SELECT m.ticket_id FROM (SELECT ticket_id, content, deleted, internal FROM ticket_messages ORDER BY id DESC LIMIT %d) AS m WHERE %s AND %s
		)%s ORDER BY t.id DESC LIMIT %d`,
		searchRecentTickets, strings.Join(ticketText, " AND "), searchRecentMessages, strings.Join(messageText, " AND "), visible,
		cond, listLimit(f))
	var rows []searchRow
	err := s.db.WithContext(ctx).Raw(q, append(append(append([]any(nil), targs...), margs...), wargs...)...).Scan(&rows).Error
	return rows, err
}
