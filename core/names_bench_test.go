package core_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
	"github.com/ticketbot/ticketbot/core/gormstore"
	"github.com/ticketbot/ticketbot/core/memstate"
)

// BenchmarkNamesLookup measures what a page of 50 tickets costs in names (100 people and a
// workspace): from the memo, from the shared cache (a new process), from the database (the
// cache emptied).
func BenchmarkNamesLookup(b *testing.B) {
	clock := coretest.NewFakeClock(time.Now())
	st, err := gormstore.Open(context.Background(), "sqlite://"+b.TempDir()+"/b.db", nil)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(context.Background()); err != nil {
		b.Fatal(err)
	}
	m := memstate.New(clock)
	defer m.Close()
	keys := []core.NameKey{core.WorkspaceKey(wsA)}
	for i := range 100 {
		k := core.PersonKey(wsA, fmt.Sprintf("U%03d", i))
		keys = append(keys, k)
		if err := st.SaveName(context.Background(), core.NameRecord{Key: k, Name: "Person " + k.User, Fetched: true, UpdatedAt: clock.Now()}); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	b.Run("memo", func(b *testing.B) {
		n := core.NewNames(core.NamesConfig{Store: st, Cache: core.NewCache(m, "names"), Clock: clock})
		n.Lookup(ctx, keys)
		for b.Loop() {
			n.Lookup(ctx, keys)
		}
	})
	b.Run("shared cache", func(b *testing.B) {
		core.NewNames(core.NamesConfig{Store: st, Cache: core.NewCache(m, "names"), Clock: clock}).Lookup(ctx, keys)
		for b.Loop() {
			core.NewNames(core.NamesConfig{Store: st, Cache: core.NewCache(m, "names"), Clock: clock}).Lookup(ctx, keys)
		}
	})
	b.Run("database", func(b *testing.B) {
		for b.Loop() {
			core.NewNames(core.NamesConfig{Store: st, Clock: clock}).Lookup(ctx, keys)
		}
	})
}
