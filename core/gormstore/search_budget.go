package gormstore

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// defaultSearchBudget is how long a ranked search may run on MySQL/MariaDB. InnoDB's
// full-text search has no early stop: a word found in most of a million tickets makes every
// query read the whole posting list and fetch each match's row (tens of seconds at 1M
// tickets and 5M messages, holding a connection all along), whatever the LIMIT.
const defaultSearchBudget = 250 * time.Millisecond

// Past the budget, a search walks the newest tickets instead (search_recent.go).

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
