package coretest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

func ticketTests() []storeTest {
	return []storeTest{
		{"CreateTicket with a request id already used returns the first ticket and writes nothing", func(t *testing.T, s core.Store) {
			withID := func(id string) func(*core.Ticket) { return func(tk *core.Ticket) { tk.RequestID = id } }
			first := mkTicket(t, s, wsA, "printer on fire", withID("trigger-1"))
			if first.RequestID != "trigger-1" {
				t.Fatalf("RequestID = %q after create", first.RequestID)
			}
			before := pending(t, s)
			again := core.Ticket{Workspace: wsA, Title: "printer on fire", Reporter: alice, RequestID: "trigger-1"}
			err := s.CreateTicket(t.Context(), &again)
			if !core.IsDuplicateRequest(err) {
				t.Fatalf("second CreateTicket = %v; want a duplicate request conflict", err)
			}
			if again.ID != first.ID || again.Number != first.Number {
				t.Fatalf("second CreateTicket gave ticket %d #%d; want the first, %d #%d", again.ID, again.Number, first.ID, first.Number)
			}
			if n := pending(t, s); n != before {
				t.Fatalf("%d events after the replay, want %d: a duplicate must write no event", n, before)
			}
			// The same id in another workspace, and tickets without one, are independent; the
			// number sequence has no gap from the refused replay.
			other := mkTicket(t, s, wsB, "other", withID("trigger-1"))
			next := mkTicket(t, s, wsA, "next")
			plain := mkTicket(t, s, wsA, "plain")
			if other.Number != 1 || next.Number != first.Number+1 || plain.Number != first.Number+2 {
				t.Fatalf("numbers = %d, %d, %d", other.Number, next.Number, plain.Number)
			}
			got, err := s.Ticket(t.Context(), first.ID)
			if err != nil || got.RequestID != "trigger-1" {
				t.Fatalf("Ticket = %+v, %v; want the request id kept", got, err)
			}
		}},
		{"Workspaces lists each workspace with tickets once, sorted", func(t *testing.T, s core.Store) {
			if ws, err := s.Workspaces(t.Context()); err != nil || len(ws) != 0 {
				t.Fatalf("empty store: %v, %v", ws, err)
			}
			for _, ws := range []core.Workspace{wsB, wsA, wsB, wsD} {
				mkTicket(t, s, ws, "w")
			}
			// A workspace made up before ids were checked never lists.
			mkTicket(t, s, core.Workspace{Platform: core.PlatformSlack, ExternalID: "../../etc"}, "w")
			got, err := s.Workspaces(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if want := []core.Workspace{wsD, wsA, wsB}; !slices.Equal(got, want) {
				t.Fatalf("workspaces = %v, want %v", got, want)
			}
		}},
		{"CreateTicket numbers tickets from 1 in each workspace", func(t *testing.T, s core.Store) {
			var got []int64
			for i, ws := range []core.Workspace{wsA, wsA, wsB, wsA, wsB, wsD} {
				got = append(got, mkTicket(t, s, ws, fmt.Sprintf("t%d", i)).Number)
			}
			if want := []int64{1, 2, 1, 3, 2, 1}; !slices.Equal(got, want) {
				t.Fatalf("numbers = %v, want %v", got, want)
			}
		}},
		{"CreateTicket sets id, timestamps and default status and priority", func(t *testing.T, s core.Store) {
			before := time.Now()
			tk := core.Ticket{Workspace: wsA, Title: "printer", Reporter: alice}
			if err := s.CreateTicket(t.Context(), &tk); err != nil {
				t.Fatal(err)
			}
			if tk.ID <= 0 || tk.Number != 1 {
				t.Fatalf("ID, Number = %d, %d", tk.ID, tk.Number)
			}
			if tk.Status != core.StatusOpen || tk.Priority != core.PriorityNormal {
				t.Errorf("status, priority = %q, %q; want open, normal", tk.Status, tk.Priority)
			}
			checkTime(t, "CreatedAt", tk.CreatedAt, before, time.Now())
			if !tk.UpdatedAt.Equal(tk.CreatedAt) {
				t.Errorf("UpdatedAt = %v, want CreatedAt %v", tk.UpdatedAt, tk.CreatedAt)
			}
			got, err := s.Ticket(t.Context(), tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			sameTicket(t, got, tk)
		}},
		{"Ticket round-trips every field", func(t *testing.T, s core.Store) {
			tk := mkTicket(t, s, wsD, "🎫 Drucker kaputt – ÄÖÜ ß 日本語", func(tk *core.Ticket) {
				tk.Description = "line one\nline two with 'quotes' and \"doubles\" and \\ backslash"
				tk.Status = core.StatusWaiting
				tk.Priority = core.PriorityUrgent
				tk.Assignee = staff
				tk.OriginChannel = "C_ORIGIN"
				tk.OriginMessage = "1700000000.000001"
				tk.StatusNote = "waiting for the vendor"
			})
			got, err := s.Ticket(t.Context(), tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			sameTicket(t, got, tk)
			byNum, err := s.TicketByNumber(t.Context(), wsD, tk.Number)
			if err != nil {
				t.Fatal(err)
			}
			sameTicket(t, byNum, tk)
		}},
		{"Ticket of an unknown id is not_found", func(t *testing.T, s core.Store) {
			_, err := s.Ticket(t.Context(), 424242)
			mustCode(t, err, core.ENotFound)
		}},
		{"TicketByNumber is scoped to its workspace", func(t *testing.T, s core.Store) {
			a1 := mkTicket(t, s, wsA, "a1")
			got, err := s.TicketByNumber(t.Context(), wsA, 1)
			if err != nil || got.ID != a1.ID {
				t.Fatalf("TicketByNumber(wsA, 1) = %d, %v; want %d", got.ID, err, a1.ID)
			}
			_, err = s.TicketByNumber(t.Context(), wsB, 1)
			mustCode(t, err, core.ENotFound)
			_, err = s.TicketByNumber(t.Context(), wsA, 2)
			mustCode(t, err, core.ENotFound)
			b1 := mkTicket(t, s, wsB, "b1")
			if got, _ := s.TicketByNumber(t.Context(), wsB, 1); got.ID != b1.ID {
				t.Fatalf("TicketByNumber(wsB, 1) = %d, want %d", got.ID, b1.ID)
			}
		}},
		{"CreateTicket writes a created change and a ticket.opened event", func(t *testing.T, s core.Store) {
			before := time.Now()
			tk := mkTicket(t, s, wsA, "new one")
			h, err := s.History(t.Context(), tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(h) != 1 || h[0].Field != "created" || h[0].TicketID != tk.ID || h[0].Actor != alice || h[0].ID == 0 {
				t.Fatalf("History = %+v, want one created change by alice", h)
			}
			checkTime(t, "change At", h[0].At, before, time.Now())
			evs := drain(t, s)
			if len(evs) != 1 {
				t.Fatalf("events = %v, want one ticket.opened", kinds(evs))
			}
			e := evs[0]
			if e.Kind != core.EventTicketOpened || e.TicketID != tk.ID || e.Workspace != wsA || e.Actor != alice {
				t.Errorf("event = %+v", e)
			}
			if len(e.Changes) != 1 || e.Changes[0].Field != "created" {
				t.Errorf("event changes = %+v", e.Changes)
			}
			if e.Attempts != 1 {
				t.Errorf("Attempts = %d, want 1", e.Attempts)
			}
			checkTime(t, "event CreatedAt", e.CreatedAt, before, time.Now())
		}},
		{"History of a ticket without changes is empty", func(t *testing.T, s core.Store) {
			h, err := s.History(t.Context(), 424242)
			if err != nil || len(h) != 0 {
				t.Fatalf("History = %v, %v; want empty", h, err)
			}
		}},
	}
}
