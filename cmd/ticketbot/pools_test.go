package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/core/coretest"
)

// TICKETBOT_DB_MAX_OPEN_CONNS and TICKETBOT_DB_BATCH_CONNS reach the MySQL pools, as
// /metrics shows.
func TestServeSizesTheMySQLPoolsFromTheEnvironment(t *testing.T) {
	env := map[string]string{
		"TICKETBOT_DATABASE_URL":      coretest.MySQLURL(t),
		"TICKETBOT_DB_MAX_OPEN_CONNS": "5",
		"TICKETBOT_DB_MAX_IDLE_CONNS": "2",
		"TICKETBOT_DB_BATCH_CONNS":    "3",
	}
	srv := startServe(t, env)
	m := get(t, srv.base+"/metrics", http.StatusOK)
	for _, want := range []string{`ticketbot_db_connections_max{pool="main"} 5`, `ticketbot_db_connections_max{pool="batch"} 3`} {
		if !strings.Contains(m, want) {
			t.Errorf("%s missing from /metrics", want)
		}
	}
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
}
