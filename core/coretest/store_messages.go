package coretest

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// mkMessage is a message by bob on ticket id with external id ext.
func mkMessage(id int64, ext, content string) core.Message {
	return core.Message{TicketID: id, ExternalID: ext, Author: bob, Content: content, Source: "slack"}
}

func messageTests() []storeTest {
	return []storeTest{
		{"AddMessage stores a message once per external id and returns the first", func(t *testing.T, s core.Store) {
			ctx := t.Context()
			tk := mkTicket(t, s, wsA, "x")
			before := time.Now()
			first, created, err := s.AddMessage(ctx, mkMessage(tk.ID, "1700000000.000200", "hello"), nil)
			if err != nil || !created {
				t.Fatalf("first AddMessage: created=%v err=%v", created, err)
			}
			if first.ID == 0 || first.Content != "hello" {
				t.Errorf("first = %+v", first)
			}
			checkTime(t, "CreatedAt", first.CreatedAt, before, time.Now())
			again, created, err := s.AddMessage(ctx, mkMessage(tk.ID, "1700000000.000200", "hello, retried"), nil)
			if err != nil || created {
				t.Fatalf("second AddMessage: created=%v err=%v; want false, nil", created, err)
			}
			sameMessage(t, again, first)
			ms, err := s.Messages(ctx, tk.ID)
			if err != nil || len(ms) != 1 {
				t.Fatalf("Messages = %d, %v; want 1", len(ms), err)
			}
			sameMessage(t, ms[0], first)
			var added int
			for _, e := range drain(t, s) {
				if e.Kind == core.EventMessageAdded {
					added++
				}
			}
			if added != 1 {
				t.Errorf("%d message.added events, want 1", added)
			}
		}},
		{"Concurrent AddMessage with one external id stores one message", func(t *testing.T, s core.Store) {
			tk := mkTicket(t, s, wsA, "x")
			const n = 8
			var (
				wg      sync.WaitGroup
				mu      sync.Mutex
				ids     = map[int64]bool{}
				creates int
			)
			for range n {
				wg.Go(func() {
					m, created, err := s.AddMessage(t.Context(), mkMessage(tk.ID, "dup", "hi"), nil)
					mu.Lock()
					defer mu.Unlock()
					if err != nil {
						t.Errorf("AddMessage: %v", err)
						return
					}
					ids[m.ID] = true
					if created {
						creates++
					}
				})
			}
			wg.Wait()
			if creates != 1 || len(ids) != 1 {
				t.Errorf("created %d times with ids %v; want once, one id", creates, ids)
			}
			if ms, _ := s.Messages(t.Context(), tk.ID); len(ms) != 1 {
				t.Errorf("%d messages stored, want 1", len(ms))
			}
		}},
		{"AddMessage allows one external id on different tickets", func(t *testing.T, s core.Store) {
			a, b := mkTicket(t, s, wsA, "a"), mkTicket(t, s, wsA, "b")
			for _, id := range []int64{a.ID, b.ID} {
				if _, created, err := s.AddMessage(t.Context(), mkMessage(id, "same", "hi"), nil); err != nil || !created {
					t.Fatalf("AddMessage on ticket %d: created=%v err=%v", id, created, err)
				}
			}
		}},
		{"AddMessage to an unknown ticket is not_found", func(t *testing.T, s core.Store) {
			_, _, err := s.AddMessage(t.Context(), mkMessage(424242, "e1", "hi"), nil)
			mustCode(t, err, core.ENotFound)
			if n := pending(t, s); n != 0 {
				t.Errorf("pending = %d, want 0", n)
			}
		}},
		{"AddMessage writes message.added and one message.copy per place, on the place's platform", func(t *testing.T, s core.Store) {
			tk := mkTicket(t, s, wsD, "x")
			req, err := s.AddPlace(t.Context(), core.Place{TicketID: tk.ID, Kind: core.PlaceRequesterThread, Workspace: wsD, ChannelID: "900", ThreadID: "900"})
			if err != nil {
				t.Fatal(err)
			}
			staffSide, err := s.AddPlace(t.Context(), core.Place{TicketID: tk.ID, Kind: core.PlaceTriage, Workspace: wsA, ChannelID: "C1", ThreadID: "1.2"})
			if err != nil {
				t.Fatal(err)
			}
			drain(t, s)
			m, _, err := s.AddMessage(t.Context(), mkMessage(tk.ID, "l", "loud"), []core.Place{req, staffSide})
			if err != nil {
				t.Fatal(err)
			}
			evs := drain(t, s)
			if len(evs) != 3 || evs[0].Kind != core.EventMessageAdded || evs[0].MessageID != m.ID || evs[0].Actor != bob {
				t.Fatalf("events = %+v, want message.added then two copies", evs)
			}
			got := map[int64]core.Platform{}
			for _, e := range evs[1:] {
				if e.Kind != core.EventMessageCopy || e.MessageID != m.ID || e.TicketID != tk.ID || e.Workspace != wsD {
					t.Errorf("copy event = %+v", e)
				}
				got[e.PlaceID] = e.Target()
			}
			if got[req.ID] != core.PlatformDiscord || got[staffSide.ID] != core.PlatformSlack {
				t.Errorf("copies by place = %v, want %d on discord and %d on slack", got, req.ID, staffSide.ID)
			}
			if _, _, err := s.AddMessage(t.Context(), mkMessage(tk.ID, "l", "again"), []core.Place{req}); err != nil {
				t.Fatal(err)
			}
			if evs := drain(t, s); len(evs) != 0 {
				t.Errorf("a repeated message wrote events %v", kinds(evs))
			}
		}},
		{"AddMessage copies to a place made after the caller read the places", func(t *testing.T, s core.Store) {
			// The caller (core.Service) reads the places, then a Notifier makes a new one
			// (a staff notes thread), then the message is stored: the store, holding the
			// ticket's lock, adds the copy the caller could not name.
			tk := mkTicket(t, s, wsD, "x")
			req, err := s.AddPlace(t.Context(), core.Place{TicketID: tk.ID, Kind: core.PlaceRequesterThread, Workspace: wsD, ChannelID: "900", ThreadID: "900"})
			if err != nil {
				t.Fatal(err)
			}
			seen, err := s.Places(t.Context(), tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			notes, err := s.AddPlace(t.Context(), core.Place{TicketID: tk.ID, Kind: core.PlaceStaffNotes, Workspace: wsD, ChannelID: "901", ThreadID: "902"})
			if err != nil {
				t.Fatal(err)
			}
			drain(t, s)
			m := mkMessage(tk.ID, "late", "it still fails")
			m.PlaceID = req.ID
			stored, _, err := s.AddMessage(t.Context(), m, core.Copies(seen, req.ID, false))
			if err != nil {
				t.Fatal(err)
			}
			var copies []int64
			for _, e := range drain(t, s) {
				if e.Kind == core.EventMessageCopy && e.MessageID == stored.ID {
					copies = append(copies, e.PlaceID)
				}
			}
			if !slices.Equal(copies, []int64{notes.ID}) {
				t.Errorf("copies to places %v, want only the notes thread %d", copies, notes.ID)
			}
		}},
		{"AddMessage round-trips every field", func(t *testing.T, s core.Store) {
			tk := mkTicket(t, s, wsA, "x")
			m := core.Message{TicketID: tk.ID, ExternalID: "1180000000000000000", Author: staff,
				Content: "see attached 📎 — ok?", Source: "discord",
				Attachments: []core.Attachment{{Name: "log.txt", URL: "https://cdn.example/log.txt"}, {Name: "a b.png", URL: "https://cdn.example/a%20b.png"}}}
			stored, _, err := s.AddMessage(t.Context(), m, nil)
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.Message(t.Context(), stored.ID)
			if err != nil {
				t.Fatal(err)
			}
			m.ID, m.CreatedAt, m.UpdatedAt = stored.ID, stored.CreatedAt, stored.UpdatedAt
			sameMessage(t, stored, m)
			sameMessage(t, got, m)
		}},
		{"AddMessage without an external id stores each message", func(t *testing.T, s core.Store) {
			tk := mkTicket(t, s, wsA, "x")
			a, ca, err1 := s.AddMessage(t.Context(), mkMessage(tk.ID, "", "one"), nil)
			b, cb, err2 := s.AddMessage(t.Context(), mkMessage(tk.ID, "", "two"), nil)
			if err1 != nil || err2 != nil || !ca || !cb || a.ID == b.ID {
				t.Fatalf("AddMessage = %+v %v %v / %+v %v %v", a, ca, err1, b, cb, err2)
			}
			if a.ExternalID == "" || a.ExternalID == b.ExternalID {
				t.Errorf("external ids = %q, %q; want distinct generated ids", a.ExternalID, b.ExternalID)
			}
		}},
		{"EditMessage replaces the content and marks the message edited", func(t *testing.T, s core.Store) {
			tk := mkTicket(t, s, wsA, "x")
			m, _, err := s.AddMessage(t.Context(), mkMessage(tk.ID, "e1", "helo"), nil)
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.EditMessage(t.Context(), tk.ID, "e1", "hello", false, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != m.ID || got.Content != "hello" || !got.Edited || got.Deleted || got.UpdatedAt.Before(m.UpdatedAt) {
				t.Errorf("edited = %+v", got)
			}
			stored, _ := s.Message(t.Context(), m.ID)
			sameMessage(t, stored, got)
		}},
		{"EditMessage with deleted marks the message deleted", func(t *testing.T, s core.Store) {
			tk := mkTicket(t, s, wsA, "x")
			m, _, _ := s.AddMessage(t.Context(), mkMessage(tk.ID, "e1", "oops"), nil)
			got, err := s.EditMessage(t.Context(), tk.ID, "e1", "", true, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != m.ID || !got.Deleted {
				t.Errorf("deleted = %+v", got)
			}
			stored, _ := s.Message(t.Context(), m.ID)
			sameMessage(t, stored, got)
		}},
		{"EditMessage of an unknown message is not_found", func(t *testing.T, s core.Store) {
			tk := mkTicket(t, s, wsA, "x")
			other := mkTicket(t, s, wsA, "y")
			if _, _, err := s.AddMessage(t.Context(), mkMessage(other.ID, "e1", "hi"), nil); err != nil {
				t.Fatal(err)
			}
			_, err := s.EditMessage(t.Context(), tk.ID, "e1", "x", false, nil)
			mustCode(t, err, core.ENotFound)
			_, err = s.EditMessage(t.Context(), 424242, "e1", "x", true, nil)
			mustCode(t, err, core.ENotFound)
		}},
		{"Message of an unknown id is not_found", func(t *testing.T, s core.Store) {
			_, err := s.Message(t.Context(), 424242)
			mustCode(t, err, core.ENotFound)
		}},
		{"Messages lists one ticket's messages oldest first", func(t *testing.T, s core.Store) {
			a, b := mkTicket(t, s, wsA, "a"), mkTicket(t, s, wsA, "b")
			for _, c := range []string{"one", "two", "three"} {
				if _, _, err := s.AddMessage(t.Context(), mkMessage(a.ID, c, c), nil); err != nil {
					t.Fatal(err)
				}
				if _, _, err := s.AddMessage(t.Context(), mkMessage(b.ID, c, c+" in b"), nil); err != nil {
					t.Fatal(err)
				}
			}
			ms, err := s.Messages(t.Context(), a.ID)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range ms {
				got = append(got, m.Content)
				if m.TicketID != a.ID {
					t.Errorf("message of ticket %d listed", m.TicketID)
				}
			}
			if len(got) != 3 || got[0] != "one" || got[1] != "two" || got[2] != "three" {
				t.Errorf("contents = %v", got)
			}
			if none, err := s.Messages(t.Context(), 424242); err != nil || len(none) != 0 {
				t.Errorf("Messages(unknown) = %v, %v; want empty", none, err)
			}
		}},
	}
}
