package gormstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
	"github.com/ticketbot/ticketbot/core/gormstore"
)

func TestOpenWithPoolSizesBothMySQLPools(t *testing.T) {
	u := coretest.MySQLURL(t)
	s, err := gormstore.OpenWithPool(context.Background(), u, nil, gormstore.Pool{MaxOpen: 5, MaxIdle: 2, BatchOpen: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	main, batch := s.PoolStats()
	if main.MaxOpenConnections != 5 || batch.MaxOpenConnections != 3 {
		t.Fatalf("pools hold at most %d + %d connections, want 5 + 3", main.MaxOpenConnections, batch.MaxOpenConnections)
	}
	d, err := gormstore.Open(context.Background(), u, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	main, batch = d.PoolStats()
	if want := gormstore.DefaultPool(); main.MaxOpenConnections != want.MaxOpen || batch.MaxOpenConnections != want.BatchOpen {
		t.Fatalf("Open's pools %d + %d, want the default %+v", main.MaxOpenConnections, batch.MaxOpenConnections, want)
	}
}

func TestOpenWithPoolRefusesSizesDatabaseSQLWouldReadAsUnlimited(t *testing.T) {
	for _, p := range []gormstore.Pool{{MaxOpen: 0, MaxIdle: 0, BatchOpen: 1}, {MaxOpen: 2, MaxIdle: 3, BatchOpen: 1}, {MaxOpen: 2, MaxIdle: 1, BatchOpen: 0}} {
		if _, err := gormstore.OpenWithPool(context.Background(), "sqlite://:memory:", nil, p); core.ErrorCode(err) != core.EInvalid {
			t.Errorf("%+v: %v, want invalid", p, err)
		}
	}
}

// With every slot of the gate taken (an overload, reproduced without load), work is turned
// away as busy before it reaches the database: nothing is committed, the outcome is known,
// and the same work goes through once a slot is free.
func TestFullGateRefusesWorkAsBusyAndCommitsNothing(t *testing.T) {
	for _, b := range []struct{ name, url string }{{"sqlite", sqliteFileURL(t)}, {"mariadb", coretest.MySQLURL(t)}} {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			s, err := gormstore.OpenWithPool(ctx, b.url, nil, gormstore.Pool{MaxOpen: 4, MaxIdle: 1, BatchOpen: 2, MaxActive: 2})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			ws := core.Workspace{Platform: core.PlatformSlack, ExternalID: "TGATE"}
			first := core.Ticket{Workspace: ws, Title: "before", Reporter: core.UserRef{ID: "U1"}}
			if err := s.CreateTicket(ctx, &first); err != nil {
				t.Fatal(err)
			}
			var leaves []func()
			for {
				short, cancel := context.WithTimeout(ctx, time.Millisecond)
				leave, err := s.Gate().Enter(short, core.DepDatabase)
				cancel()
				if err != nil {
					break
				}
				leaves = append(leaves, leave)
			}
			short, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
			defer cancel()
			tk := core.Ticket{Workspace: ws, Title: "during", Reporter: core.UserRef{ID: "U1"}, RequestID: "R1"}
			err = s.CreateTicket(short, &tk)
			if !core.IsBusy(err) || core.IsOutcomeUnknown(err) {
				t.Fatalf("create with the gate full: %v; want busy with a known outcome", err)
			}
			_, err = s.UpdateTicket(short, first.ID, func(t *core.Ticket) ([]core.Change, error) {
				t.Title = "changed"
				return []core.Change{{Field: "title", From: "before", To: "changed"}}, nil
			})
			if !core.IsBusy(err) {
				t.Fatalf("update with the gate full: %v; want busy", err)
			}
			if _, err := s.Ticket(short, first.ID); !core.IsBusy(err) {
				t.Fatalf("read with the gate full: %v; want busy", err)
			}
			if st := s.Gate().Stats(); st.Busy < 3 {
				t.Errorf("gate stats %+v", st)
			}
			for _, l := range leaves {
				l()
			}
			if got, err := s.Ticket(ctx, first.ID); err != nil || got.Title != "before" {
				t.Fatalf("after: %+v %v; the refused update must not have landed", got, err)
			}
			if _, err := s.TicketByNumber(ctx, ws, 2); !core.IsCode(err, core.ENotFound) {
				t.Fatalf("the refused create landed: %v", err)
			}
			if err := s.CreateTicket(ctx, &tk); err != nil || tk.Number != 2 {
				t.Fatalf("the same create once a slot is free: #%d %v", tk.Number, err)
			}
		})
	}
}
