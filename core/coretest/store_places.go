package coretest

import (
	"testing"

	"github.com/ticketbot/ticketbot/core"
)

func placeTests() []storeTest {
	return []storeTest{
		{"AddPlace records a place once and PlaceByThread finds it by workspace, channel and thread", func(t *testing.T, s core.Store) {
			tk := mkTicket(t, s, wsA, "threaded")
			mkTicket(t, s, wsA, "other")
			in := core.Place{TicketID: tk.ID, Kind: core.PlaceTriage, Workspace: wsA, ChannelID: "C1", ThreadID: "111.222", CardID: "111.222"}
			p, err := s.AddPlace(t.Context(), in)
			if err != nil || p.ID == 0 {
				t.Fatalf("AddPlace = %+v, %v", p, err)
			}
			again, err := s.AddPlace(t.Context(), in)
			if err != nil || again.ID != p.ID {
				t.Fatalf("AddPlace again = %+v, %v; want the same place %d", again, err, p.ID)
			}
			got, err := s.PlaceByThread(t.Context(), wsA, "C1", "111.222")
			if err != nil || got.ID != p.ID || got.TicketID != tk.ID || got.Kind != core.PlaceTriage || got.CardID != "111.222" {
				t.Fatalf("PlaceByThread = %+v, %v", got, err)
			}
			for _, c := range []struct {
				ws              core.Workspace
				channel, thread string
			}{{wsB, "C1", "111.222"}, {wsA, "C2", "111.222"}, {wsA, "C1", "111.223"}, {wsA, "", ""}} {
				_, err := s.PlaceByThread(t.Context(), c.ws, c.channel, c.thread)
				mustCode(t, err, core.ENotFound)
			}
			ps, err := s.Places(t.Context(), tk.ID)
			if err != nil || len(ps) != 1 || ps[0] != got {
				t.Fatalf("Places = %+v, %v", ps, err)
			}
		}},
		{"AddPlace without a thread is one per ticket, kind and workspace; UpdatePlace gives it its thread", func(t *testing.T, s core.Store) {
			tk := mkTicket(t, s, wsD, "x")
			in := core.Place{TicketID: tk.ID, Kind: core.PlaceRequesterDM, Workspace: wsD, ChannelID: "D1"}
			a, err := s.AddPlace(t.Context(), in)
			if err != nil {
				t.Fatal(err)
			}
			b, err := s.AddPlace(t.Context(), in)
			if err != nil || b.ID != a.ID {
				t.Fatalf("second AddPlace = %+v, %v; want %d", b, err, a.ID)
			}
			a.ThreadID, a.CardID = "5.6", "5.6"
			if err := s.UpdatePlace(t.Context(), a); err != nil {
				t.Fatal(err)
			}
			got, err := s.Place(t.Context(), a.ID)
			if err != nil || got.ThreadID != "5.6" || got.CardID != "5.6" {
				t.Fatalf("Place = %+v, %v", got, err)
			}
			mustCode(t, s.UpdatePlace(t.Context(), core.Place{ID: 424242}), core.ENotFound)
			_, err = s.AddPlace(t.Context(), core.Place{TicketID: 424242, Kind: core.PlaceTriage, Workspace: wsA, ChannelID: "C"})
			mustCode(t, err, core.ENotFound)
			_, err = s.AddPlace(t.Context(), core.Place{TicketID: 424242, Kind: core.PlaceTriage, Workspace: wsA, ChannelID: "C", ThreadID: "9.9"})
			mustCode(t, err, core.ENotFound)
		}},
		{"RecordCopy keeps one copy per message and place; CopyOf and MessageByCopy find it", func(t *testing.T, s core.Store) {
			tk := mkTicket(t, s, wsA, "x")
			p, err := s.AddPlace(t.Context(), core.Place{TicketID: tk.ID, Kind: core.PlaceRequesterDM, Workspace: wsA, ChannelID: "D1", ThreadID: "1.1"})
			if err != nil {
				t.Fatal(err)
			}
			m, _, err := s.AddMessage(t.Context(), mkMessage(tk.ID, "e1", "hi"), nil)
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.CopyOf(t.Context(), m.ID, p.ID)
			mustCode(t, err, core.ENotFound)
			for _, ext := range []string{"2.1", "2.2"} {
				if err := s.RecordCopy(t.Context(), m.ID, p.ID, ext); err != nil {
					t.Fatal(err)
				}
			}
			if got, err := s.CopyOf(t.Context(), m.ID, p.ID); err != nil || got != "2.2" {
				t.Fatalf("CopyOf = %q, %v; want the last recorded", got, err)
			}
			if got, err := s.MessageByCopy(t.Context(), p.ID, "2.2"); err != nil || got.ID != m.ID {
				t.Fatalf("MessageByCopy = %+v, %v", got, err)
			}
			_, err = s.MessageByCopy(t.Context(), p.ID, "2.1")
			mustCode(t, err, core.ENotFound)
		}},
		{"EditMessage writes a message.copy per place so copies follow", func(t *testing.T, s core.Store) {
			tk := mkTicket(t, s, wsA, "x")
			p, err := s.AddPlace(t.Context(), core.Place{TicketID: tk.ID, Kind: core.PlaceRequesterDM, Workspace: wsA, ChannelID: "D1", ThreadID: "1.1"})
			if err != nil {
				t.Fatal(err)
			}
			m, _, err := s.AddMessage(t.Context(), mkMessage(tk.ID, "e1", "helo"), nil)
			if err != nil {
				t.Fatal(err)
			}
			drain(t, s)
			if _, err := s.EditMessage(t.Context(), tk.ID, "e1", "hello", false, []core.Place{p}); err != nil {
				t.Fatal(err)
			}
			evs := drain(t, s)
			if len(evs) != 1 || evs[0].Kind != core.EventMessageCopy || evs[0].MessageID != m.ID || evs[0].PlaceID != p.ID {
				t.Fatalf("events = %+v", evs)
			}
			got, err := s.MessageByExternalID(t.Context(), tk.ID, "e1")
			if err != nil || got.Content != "hello" || !got.Edited {
				t.Fatalf("MessageByExternalID = %+v, %v", got, err)
			}
		}},
		{"Internal and PlaceID round-trip on messages", func(t *testing.T, s core.Store) {
			tk := mkTicket(t, s, wsA, "x")
			in := mkMessage(tk.ID, "n1", "note: check the logs")
			in.Internal, in.PlaceID = true, 77
			m, _, err := s.AddMessage(t.Context(), in, nil)
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.Message(t.Context(), m.ID)
			if err != nil || !got.Internal || got.PlaceID != 77 {
				t.Fatalf("Message = %+v, %v", got, err)
			}
		}},
	}
}
