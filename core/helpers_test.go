package core_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/gormstore"
	"github.com/ticketbot/ticketbot/core/gormstore/gormstoretest"
	"github.com/ticketbot/ticketbot/core/memstate"
)

var (
	wsA = core.Workspace{Platform: core.PlatformSlack, ExternalID: "TA"}
	wsB = core.Workspace{Platform: core.PlatformSlack, ExternalID: "TB"}
)

func actor(ws core.Workspace, id string, role core.Role) core.Actor {
	return core.Actor{User: core.UserRef{ID: id, Name: id}, Role: role, Workspace: ws}
}

// backends are the databases every service test runs on: SQLite always, MariaDB when
// reachable (coretest.MySQLURL skips, or fails under CI=true).
func backends() map[string]func(t *testing.T) string {
	return map[string]func(t *testing.T) string{
		"sqlite":  func(t *testing.T) string { return "sqlite://" + t.TempDir() + "/t.db" },
		"mariadb": func(t *testing.T) string { return gormstoretest.MySQLURL(t) },
	}
}

func openStore(t *testing.T, url string) *gormstore.Store {
	t.Helper()
	ctx := context.Background()
	st, err := gormstore.Open(ctx, url, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}

func newService(t *testing.T, st core.Store) *core.Service {
	m := memstate.New(nil)
	t.Cleanup(func() { m.Close() })
	return core.NewService(core.ServiceConfig{Store: st, State: m, Limiter: m})
}

// eachBackend runs fn on a fresh service per backend.
func eachBackend(t *testing.T, fn func(t *testing.T, svc *core.Service, st *gormstore.Store)) {
	for name, url := range backends() {
		t.Run(name, func(t *testing.T) {
			st := openStore(t, url(t))
			fn(t, newService(t, st), st)
		})
	}
}

func mustOpen(t *testing.T, svc *core.Service, a core.Actor, title string) core.Ticket {
	t.Helper()
	tk, err := svc.OpenTicket(context.Background(), a, core.OpenInput{Title: title})
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := core.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}
