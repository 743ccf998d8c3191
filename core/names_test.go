package core_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
	"github.com/ticketbot/ticketbot/core/memstate"
)

// fakeDirectory is a platform's directory of names that counts its calls.
type fakeDirectory struct {
	mu    sync.Mutex
	names map[core.NameKey]string
	calls atomic.Int64
	down  atomic.Bool
}

func (d *fakeDirectory) set(k core.NameKey, name string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.names[k] = name
}

func (d *fakeDirectory) get(k core.NameKey) (string, error) {
	d.calls.Add(1)
	if d.down.Load() {
		return "", core.Errorf(core.EUnavailable, "platform down")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	n, ok := d.names[k]
	if !ok {
		return "", core.Errorf(core.ENotFound, "no such user")
	}
	return n, nil
}

func (d *fakeDirectory) WorkspaceName(_ context.Context, ws core.Workspace) (string, error) {
	return d.get(core.WorkspaceKey(ws))
}

func (d *fakeDirectory) UserName(_ context.Context, ws core.Workspace, user string) (string, error) {
	return d.get(core.PersonKey(ws, user))
}

// switchState is a state store (Redis) that can be taken down: then every call fails.
type switchState struct {
	*memstate.Store
	down atomic.Bool
}

func (s *switchState) Get(ctx context.Context, key string) ([]byte, error) {
	if s.down.Load() {
		return nil, core.Errorf(core.EUnavailable, "redis down")
	}
	return s.Store.Get(ctx, key)
}

func (s *switchState) Set(ctx context.Context, key string, v []byte, ttl time.Duration) error {
	if s.down.Load() {
		return core.Errorf(core.EUnavailable, "redis down")
	}
	return s.Store.Set(ctx, key, v, ttl)
}

type namesEnv struct {
	st    core.NameStore
	state *switchState
	clock *coretest.FakeClock
	dir   *fakeDirectory
}

// names starts a Names (a new process: its memo is empty) on the env's stores.
func (e *namesEnv) names(t *testing.T) *core.Names {
	n := core.NewNames(core.NamesConfig{Store: e.st, Cache: core.NewCache(e.state, "names"), Clock: e.clock})
	n.SetSource(core.PlatformSlack, e.dir)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go n.Run(ctx)
	return n
}

// eachNamesEnv runs fn on every backend; the rules that do not depend on the database run
// on SQLite only (onSQLite), the store itself is checked on each by the conformance suite.
func eachNamesEnv(t *testing.T, fn func(t *testing.T, e *namesEnv)) { namesEnvs(t, backends(), fn) }

func onSQLite() map[string]func(t *testing.T) string {
	return map[string]func(t *testing.T) string{"sqlite": backends()["sqlite"]}
}

func namesEnvs(t *testing.T, dbs map[string]func(t *testing.T) string, fn func(t *testing.T, e *namesEnv)) {
	for name, url := range dbs {
		t.Run(name, func(t *testing.T) {
			clock := coretest.NewFakeClock(time.Time{})
			m := memstate.New(clock)
			t.Cleanup(func() { m.Close() })
			fn(t, &namesEnv{st: openStore(t, url(t)), state: &switchState{Store: m}, clock: clock,
				dir: &fakeDirectory{names: map[core.NameKey]string{}}})
		})
	}
}

// eventually polls Lookup until k has want (or the deadline passes).
func eventually(t *testing.T, n *core.Names, k core.NameKey, want string) {
	t.Helper()
	coretest.Eventually(t, 5*time.Second, fmt.Sprintf("name of %v = %q", k, want),
		func() bool { return n.Name(t.Context(), k) == want })
}

func idle(t *testing.T, n *core.Names) {
	t.Helper()
	coretest.Eventually(t, 5*time.Second, "names idle", n.Idle)
}

func TestNamesAreFetchedInTheBackgroundAndKeptInTheDatabase(t *testing.T) {
	eachNamesEnv(t, func(t *testing.T, e *namesEnv) {
		team, ada := core.WorkspaceKey(wsA), core.PersonKey(wsA, "U1")
		e.dir.set(team, "Acme Corp")
		e.dir.set(ada, "Ada Lovelace")
		n := e.names(t)
		if got := n.Lookup(t.Context(), []core.NameKey{team, ada}); len(got) != 0 {
			t.Fatalf("first look-up = %v: a look-up never waits for the platform", got)
		}
		eventually(t, n, team, "Acme Corp")
		eventually(t, n, ada, "Ada Lovelace")
		calls := e.dir.calls.Load()
		for range 20 {
			n.Lookup(t.Context(), []core.NameKey{team, ada})
		}
		idle(t, n)
		if got := e.dir.calls.Load(); got != calls {
			t.Errorf("20 page views made %d more platform calls, want 0", got-calls)
		}

		t.Run("they survive Redis being down and being emptied", func(t *testing.T) {
			e.state.down.Store(true)
			n2 := e.names(t)
			if got := n2.Name(t.Context(), ada); got != "Ada Lovelace" {
				t.Errorf("with Redis down a new process reads %q, want the database's name", got)
			}
			e.state.down.Store(false)
			e.state.Store.Delete(t.Context(), "tb:names:slack:TA:U1")
			if got := e.names(t).Name(t.Context(), ada); got != "Ada Lovelace" {
				t.Errorf("with Redis emptied a new process reads %q", got)
			}
			if got := e.dir.calls.Load(); got != calls {
				t.Errorf("the new processes asked the platform %d times, want 0", got-calls)
			}
		})

		t.Run("they are refreshed once old", func(t *testing.T) {
			e.dir.set(ada, "Ada King")
			e.clock.Advance(25 * time.Hour)
			n3 := e.names(t)
			if got := n3.Name(t.Context(), ada); got != "Ada Lovelace" {
				t.Errorf("an old name is shown until the new one is in: got %q", got)
			}
			eventually(t, n3, ada, "Ada King")
		})
	})
}

func TestLearntNames(t *testing.T) {
	namesEnvs(t, onSQLite(), func(t *testing.T, e *namesEnv) {
		n := e.names(t)
		grace := core.PersonKey(wsA, "U2")
		e.dir.set(grace, "Grace Hopper")
		n.Learn(grace, "grace", false) // a slash command's user_name: a hint
		idle(t, n)
		// The hint is shown at once, and the display name replaces it in the background.
		eventually(t, n, grace, "Grace Hopper")
		n.Learn(grace, "grace", false)
		idle(t, n)
		if got := e.names(t).Name(t.Context(), grace); got != "Grace Hopper" {
			t.Errorf("a hint replaced the fetched name: %q", got)
		}
		// A member's display name from an interaction is kept without asking the platform.
		e.dir.down.Store(true)
		linus := core.PersonKey(wsA, "U3")
		n.Learn(linus, "Linus <@U1> @everyone", true)
		if got := n.Name(t.Context(), linus); got != "Linus <@U1> @everyone" {
			t.Errorf("a learnt name is not shown at once by this process: %q", got)
		}
		idle(t, n)
		if got := e.names(t).Name(t.Context(), linus); got != "Linus <@U1> @everyone" {
			t.Errorf("a learnt name is not kept for other processes: %q", got)
		}
		// Dashboard accounts and API tokens are no platform's to name.
		n.Learn(core.PersonKey(wsA, "web:alice"), "Mallory", true)
		idle(t, n)
		if got := n.Name(t.Context(), core.PersonKey(wsA, "web:alice")); got != "" {
			t.Errorf("web:alice got the name %q", got)
		}
	})
}

func TestNamesOfUnknownPeopleAreNotAskedForOnEveryView(t *testing.T) {
	namesEnvs(t, onSQLite(), func(t *testing.T, e *namesEnv) {
		n := e.names(t)
		ghost := core.PersonKey(wsA, "U404")
		for range 10 {
			n.Lookup(t.Context(), []core.NameKey{ghost})
			idle(t, n)
		}
		if got := e.dir.calls.Load(); got != 1 {
			t.Errorf("an unknown user was asked for %d times, want 1", got)
		}
		e.dir.down.Store(true)
		down := core.PersonKey(wsA, "U5")
		for range 10 {
			n.Lookup(t.Context(), []core.NameKey{down})
			idle(t, n)
		}
		if got := e.dir.calls.Load(); got != 2 {
			t.Errorf("while the platform is down a name was asked for %d times, want 1 until the retry", got-1)
		}
	})
}
