package core_test

import (
	"context"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/gormstore"
)

func TestVisibility(t *testing.T) {
	triage := core.Place{Kind: core.PlaceTriage}
	tests := []struct {
		name     string
		place    core.Place
		role     core.Role
		mode     core.ReplyMode
		content  string
		reply    bool
		internal bool
	}{
		{"a requester's DM thread is public", core.Place{Kind: core.PlaceRequesterDM}, core.RoleRequester, core.RepliesAll, "note: hi", false, false},
		{"a request thread is public even for staff", core.Place{Kind: core.PlaceRequestThread}, core.RoleStaff, core.RepliesNotes, "hi", false, false},
		{"a Discord-style private thread is public", core.Place{Kind: core.PlaceRequesterThread}, core.RoleStaff, core.RepliesAll, "🔒 hi", false, false},
		{"a staff-notes thread is always internal", core.Place{Kind: core.PlaceStaffNotes}, core.RoleStaff, core.RepliesAll, "hi", true, true},
		{"triage, all: staff messages are public", triage, core.RoleStaff, core.RepliesAll, "try rebooting", false, false},
		{"triage, all: note: makes it internal", triage, core.RoleStaff, core.RepliesAll, "Note: he's VIP", false, true},
		{"triage, all: the lock emoji makes it internal", triage, core.RoleStaff, core.RepliesAll, "🔒 he's VIP", false, true},
		{"triage, all: :lock: makes it internal", triage, core.RoleAdmin, core.RepliesAll, ":LOCK: he's VIP", false, true},
		{"triage, all: a prefix later in the text does not count", triage, core.RoleStaff, core.RepliesAll, "see note: below", false, false},
		{"triage, notes: staff messages are internal", triage, core.RoleStaff, core.RepliesNotes, "try rebooting", false, true},
		{"triage, notes: an explicit reply is public", triage, core.RoleStaff, core.RepliesNotes, "try rebooting", true, false},
		{"triage, all: an explicit reply with a prefix is public", triage, core.RoleStaff, core.RepliesAll, "note: sent on purpose", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := core.Visibility(tt.place, tt.role, tt.mode, tt.content, tt.reply); got != tt.internal {
				t.Fatalf("internal = %v, want %v", got, tt.internal)
			}
		})
	}
}

func TestCopies(t *testing.T) {
	dm := core.Place{ID: 1, Kind: core.PlaceRequesterDM}
	triage := core.Place{ID: 2, Kind: core.PlaceTriage}
	notes := core.Place{ID: 3, Kind: core.PlaceStaffNotes}
	all := []core.Place{dm, triage, notes}
	ids := func(ps []core.Place) (out []int64) {
		for _, p := range ps {
			out = append(out, p.ID)
		}
		return out
	}
	tests := []struct {
		name     string
		from     int64
		internal bool
		want     []int64
	}{
		{"public from the requester goes to every staff place", 1, false, []int64{2, 3}},
		{"public from triage goes to the requester and the other staff place", 2, false, []int64{1, 3}},
		{"internal from triage stays on the staff side", 2, true, []int64{3}},
		{"public from the dashboard goes everywhere", 0, false, []int64{1, 2, 3}},
		{"internal from the dashboard goes to staff places only", 0, true, []int64{2, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ids(core.Copies(all, tt.from, tt.internal))
			if len(got) != len(tt.want) {
				t.Fatalf("copies = %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("copies = %v, want %v", got, tt.want)
				}
			}
		})
	}
}

// TestRelayThroughTheOutbox checks the rule end to end in the core: what the store's outbox
// holds after messages are written in each place.
func TestRelayThroughTheOutbox(t *testing.T) {
	eachBackend(t, func(t *testing.T, svc *core.Service, st *gormstore.Store) {
		ctx := context.Background()
		reporter := actor(wsA, "U1", core.RoleRequester)
		staff := actor(wsA, "S1", core.RoleStaff)
		tk := mustOpen(t, svc, reporter, "relay me")
		dm := addPlace(t, svc, tk, core.PlaceRequesterDM, wsA)
		triage := addPlace(t, svc, tk, core.PlaceTriage, wsA)
		claim := func() map[int64][]int64 { // place → message ids copied there
			evs, err := st.ClaimEvents(ctx, "test", time.Now(), time.Minute, 100)
			if err != nil {
				t.Fatal(err)
			}
			out := map[int64][]int64{}
			for _, e := range evs {
				if e.Kind == core.EventMessageCopy {
					out[e.PlaceID] = append(out[e.PlaceID], e.MessageID)
				}
				if err := st.MarkDelivered(ctx, e.ID, "test", time.Now()); err != nil {
					t.Fatal(err)
				}
			}
			return out
		}
		for range 3 {
			claim() // drain the opening's events (one ticket's events come out in order)
		}
		pub, _, err := svc.AddMessage(ctx, staff, tk.ID, core.MessageInput{ExternalID: "a", Content: "try rebooting", PlaceID: triage.ID})
		if err != nil || pub.Internal {
			t.Fatalf("public reply: %+v %v", pub, err)
		}
		note, _, err := svc.AddMessage(ctx, staff, tk.ID, core.MessageInput{ExternalID: "b", Content: "note: VIP", PlaceID: triage.ID})
		if err != nil || !note.Internal {
			t.Fatalf("note: %+v %v", note, err)
		}
		answer, _, err := svc.AddMessage(ctx, reporter, tk.ID, core.MessageInput{ExternalID: "c", Content: "did that", PlaceID: dm.ID})
		if err != nil || answer.Internal {
			t.Fatalf("answer: %+v %v", answer, err)
		}
		got := map[int64][]int64{}
		for range 10 {
			for p, ms := range claim() {
				got[p] = append(got[p], ms...)
			}
		}
		if len(got[dm.ID]) != 1 || got[dm.ID][0] != pub.ID {
			t.Errorf("copies into the requester's DM = %v, want only the public reply %d", got[dm.ID], pub.ID)
		}
		if len(got[triage.ID]) != 1 || got[triage.ID][0] != answer.ID {
			t.Errorf("copies into triage = %v, want only the requester's answer %d", got[triage.ID], answer.ID)
		}
		ms, err := svc.Messages(ctx, reporter, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.Internal {
				t.Errorf("the reporter was shown the internal note %q", m.Content)
			}
		}
		if _, err := svc.Message(ctx, reporter, note.ID); !core.IsCode(err, core.ENotFound) {
			t.Errorf("the reporter read the note by id: %v", err)
		}
	})
}
