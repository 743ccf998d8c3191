package gormstore_test

import (
	"context"
	"testing"

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
