package coretest

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// storeTest is one behaviour of core.Store, run on a fresh, empty store.
type storeTest struct {
	name string
	fn   func(t *testing.T, s core.Store)
}

// RunStoreSuite checks that the stores made by newStore behave as core.Store documents.
// newStore must return a fresh, empty, migrated store for each subtest and close it in
// t.Cleanup.
func RunStoreSuite(t *testing.T, newStore func(t *testing.T) core.Store) {
	var tests []storeTest
	tests = append(tests, ticketTests()...)
	tests = append(tests, listTests()...)
	tests = append(tests, sortCountTests()...)
	tests = append(tests, searchTests()...)
	tests = append(tests, updateTests()...)
	tests = append(tests, messageTests()...)
	tests = append(tests, outboxTests()...)
	tests = append(tests, settingsTests()...)
	tests = append(tests, placeTests()...)
	tests = append(tests, accountTests()...)
	tests = append(tests, sessionTests()...)
	tests = append(tests, draftTests()...)
	tests = append(tests, identityTests()...)
	tests = append(tests, nameTests()...)
	tests = append(tests, linkTests()...)
	tests = append(tests, viewTests()...)
	tests = append(tests, categoryTests()...)
	tests = append(tests, hoursSettingsTests()...)
	tests = append(tests, workflowTests()...)
	tests = append(tests, statsTests()...)
	tests = append(tests, storeTest{"Ping answers", func(t *testing.T, s core.Store) {
		if err := s.Ping(t.Context()); err != nil {
			t.Fatalf("Ping: %v", err)
		}
	}})
	seen := map[string]bool{}
	for _, tc := range tests {
		if seen[tc.name] {
			t.Fatalf("coretest: two store tests are called %q", tc.name)
		}
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newStore(t)) })
	}
}

// Workspaces used by the suite.
var (
	wsA = core.Workspace{Platform: core.PlatformSlack, ExternalID: "T1"}
	wsB = core.Workspace{Platform: core.PlatformSlack, ExternalID: "T2"}
	wsD = core.Workspace{Platform: core.PlatformDiscord, ExternalID: "123456789012345678"}
)

// People used by the suite.
var (
	alice = core.UserRef{ID: "U_ALICE", Name: "Alice"}
	bob   = core.UserRef{ID: "U_BOB", Name: "Bob"}
	staff = core.UserRef{ID: "U_STAFF", Name: "Sam Staff"}
)

// mkTicket creates a ticket by alice in ws, changed by mods first.
func mkTicket(t *testing.T, s core.Store, ws core.Workspace, title string, mods ...func(*core.Ticket)) core.Ticket {
	t.Helper()
	tk := core.Ticket{Workspace: ws, Title: title, Status: core.StatusOpen, Priority: core.PriorityNormal, Reporter: alice}
	for _, m := range mods {
		m(&tk)
	}
	if err := s.CreateTicket(t.Context(), &tk); err != nil {
		t.Fatalf("CreateTicket(%q): %v", title, err)
	}
	return tk
}

// mustCode fails t unless err carries code.
func mustCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := core.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (err %v), want %q", got, err, code)
	}
}

// drain claims and delivers every pending event, returning them in delivery order (which
// keeps each ticket's events in order).
func drain(t *testing.T, s core.Store) []core.Event {
	t.Helper()
	ctx := t.Context()
	now := time.Now().Add(24 * time.Hour)
	var out []core.Event
	for range 1000 {
		evs, err := s.ClaimEvents(ctx, "coretest-drain", now, time.Minute, 100)
		if err != nil {
			t.Fatalf("ClaimEvents: %v", err)
		}
		if len(evs) == 0 {
			return out
		}
		for _, e := range evs {
			if err := s.MarkDelivered(ctx, e.ID, "coretest-drain", now); err != nil {
				t.Fatalf("MarkDelivered(%d): %v", e.ID, err)
			}
		}
		out = append(out, evs...)
	}
	t.Fatal("drain: the outbox never emptied")
	return nil
}

// pending returns PendingEvents or fails t.
func pending(t *testing.T, s core.Store) int64 {
	t.Helper()
	n, err := s.PendingEvents(t.Context())
	if err != nil {
		t.Fatalf("PendingEvents: %v", err)
	}
	return n
}

// kinds lists the events' kinds.
func kinds(evs []core.Event) []core.EventKind {
	out := make([]core.EventKind, len(evs))
	for i, e := range evs {
		out[i] = e.Kind
	}
	return out
}

// checkTime fails t unless tm is UTC, whole microseconds and within [lo-1s, hi+1s].
func checkTime(t *testing.T, what string, tm, lo, hi time.Time) {
	t.Helper()
	if tm.Location() != time.UTC {
		t.Errorf("%s location = %v, want UTC", what, tm.Location())
	}
	if tm.Nanosecond()%1000 != 0 {
		t.Errorf("%s = %v has sub-microsecond digits", what, tm)
	}
	if tm.Before(lo.Add(-time.Second)) || tm.After(hi.Add(time.Second)) {
		t.Errorf("%s = %v, want between %v and %v", what, tm, lo, hi)
	}
}

// sameTicket fails t unless got and want are equal (times by Equal).
func sameTicket(t *testing.T, got, want core.Ticket) {
	t.Helper()
	if !got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) {
		t.Errorf("times = %v/%v, want %v/%v", got.CreatedAt, got.UpdatedAt, want.CreatedAt, want.UpdatedAt)
	}
	got.CreatedAt, got.UpdatedAt, want.CreatedAt, want.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ticket =\n %+v\nwant\n %+v", got, want)
	}
}

// sameMessage fails t unless got and want are equal (times by Equal).
func sameMessage(t *testing.T, got, want core.Message) {
	t.Helper()
	if !got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) {
		t.Errorf("times = %v/%v, want %v/%v", got.CreatedAt, got.UpdatedAt, want.CreatedAt, want.UpdatedAt)
	}
	got.CreatedAt, got.UpdatedAt, want.CreatedAt, want.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if len(got.Attachments) == 0 && len(want.Attachments) == 0 {
		got.Attachments, want.Attachments = nil, nil
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("message =\n %+v\nwant\n %+v", got, want)
	}
}

// numbers lists the tickets' numbers.
func numbers(ts []core.Ticket) []int64 {
	out := make([]int64, len(ts))
	for i, tk := range ts {
		out[i] = tk.Number
	}
	return out
}

// errSentinel is returned by UpdateTicket callbacks to check it comes back unchanged.
var errSentinel = errors.New("coretest: callback refused")

// TicketPlaces reads ticket n of ws with its places by kind (the last of each kind wins), for
// the adapters' tests.
func TicketPlaces(ctx context.Context, s core.Store, ws core.Workspace, n int64) (core.Ticket, map[core.PlaceKind]core.Place, error) {
	t, err := s.TicketByNumber(ctx, ws, n)
	if err != nil {
		return core.Ticket{}, nil, err
	}
	ps, err := s.Places(ctx, t.ID)
	if err != nil {
		return core.Ticket{}, nil, err
	}
	out := map[core.PlaceKind]core.Place{}
	for _, p := range ps {
		out[p.Kind] = p
	}
	return t, out, nil
}
