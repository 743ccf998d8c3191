package gormstore_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
)

// A write whose deadline passes while the database holds it (here: a black hole in front
// of MySQL) may have committed: its error says the outcome is unknown. A database that
// turns the connection away changed nothing: plain unavailable. Both name the database.
func TestWriteOutcomeUnknownOnlyAfterATimeoutMySQL(t *testing.T) {
	u, err := url.Parse(coretest.MySQLURL(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy := coretest.NewTCPProxy(t, u.Host)
	u.Host = proxy.Addr()
	st := open(t, u.String())
	ws := core.Workspace{Platform: core.PlatformSlack, ExternalID: "TOUT"}
	create := func(timeout time.Duration) error {
		ctx, cancel := context.WithTimeout(t.Context(), timeout)
		defer cancel()
		return st.CreateTicket(ctx, &core.Ticket{Workspace: ws, Title: "x", Reporter: core.UserRef{ID: "U1"}})
	}
	if err := create(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	existing, _ := st.TicketByNumber(t.Context(), ws, 1)

	proxy.Blackhole()
	for name, write := range map[string]func() error{
		"create": func() error { return create(300 * time.Millisecond) },
		"update": func() error {
			ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
			defer cancel()
			_, err := st.UpdateTicket(ctx, existing.ID, func(tk *core.Ticket) ([]core.Change, error) {
				tk.Title = "y"
				return []core.Change{{Field: "title", From: "x", To: "y"}}, nil
			})
			return err
		},
	} {
		err := write()
		if !core.IsCode(err, core.EUnavailable) || !core.IsOutcomeUnknown(err) || core.Dependency(err) != core.DepDatabase {
			t.Errorf("%s in a black hole = %v (unknown %v, dependency %q); want unavailable, outcome unknown, database",
				name, err, core.IsOutcomeUnknown(err), core.Dependency(err))
		}
	}
	proxy.Restore()

	proxy.Cut()
	err = create(2 * time.Second)
	if !core.IsCode(err, core.EUnavailable) || core.IsOutcomeUnknown(err) || core.Dependency(err) != core.DepDatabase {
		t.Errorf("create against a refusing database = %v (unknown %v); want unavailable, nothing happened", err, core.IsOutcomeUnknown(err))
	}
	proxy.Restore()
}
