package coretest

import (
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

func settingsTests() []storeTest {
	return []storeTest{
		{"Settings of an unconfigured workspace is not_found", func(t *testing.T, s core.Store) {
			_, err := s.Settings(t.Context(), wsA)
			mustCode(t, err, core.ENotFound)
		}},
		{"SaveSettings creates and then replaces a workspace's settings", func(t *testing.T, s core.Store) {
			ctx := t.Context()
			before := time.Now()
			if err := s.SaveSettings(ctx, core.Settings{Workspace: wsD, SupportChannel: "111", StaffGroup: "222", Replies: core.RepliesNotes, RequestChannels: []core.RequestChannel{{Channel: "C7", Auto: true}}}, staff); err != nil {
				t.Fatal(err)
			}
			got, err := s.Settings(ctx, wsD)
			if err != nil {
				t.Fatal(err)
			}
			if got.Workspace != wsD || got.SupportChannel != "111" || got.StaffGroup != "222" || got.ReplyMode() != core.RepliesNotes || len(got.RequestChannels) != 1 || !got.RequestChannels[0].Auto {
				t.Errorf("settings = %+v", got)
			}
			checkTime(t, "UpdatedAt", got.UpdatedAt, before, time.Now())
			if err := s.SaveSettings(ctx, core.Settings{Workspace: wsD, SupportChannel: "333"}, staff); err != nil {
				t.Fatal(err)
			}
			got, _ = s.Settings(ctx, wsD)
			if got.SupportChannel != "333" || got.StaffGroup != "" || len(got.RequestChannels) != 0 {
				t.Errorf("replaced settings = %+v", got)
			}
			_, err = s.Settings(ctx, wsA)
			mustCode(t, err, core.ENotFound)
		}},
		{"SaveSettings keeps the workflow settings", func(t *testing.T, s core.Store) {
			ctx := t.Context()
			in := core.Settings{Workspace: wsA, TriageChannel: "C1", Name: "Acme", ReminderAfter: 90 * time.Minute,
				CloseWaitingAfter: 48 * time.Hour, CloseResolvedAfter: time.Second, CSATOff: true}
			if err := s.SaveSettings(ctx, in, staff); err != nil {
				t.Fatal(err)
			}
			got, err := s.Settings(ctx, wsA)
			if err != nil {
				t.Fatal(err)
			}
			if got.Name != "Acme" || got.ReminderAfter != 90*time.Minute || got.CloseWaitingAfter != 48*time.Hour ||
				got.CloseResolvedAfter != time.Second || got.CSAT() {
				t.Errorf("settings = %+v", got)
			}
			all, err := s.AllSettings(ctx)
			if err != nil || len(all) != 1 || all[0].Name != "Acme" {
				t.Errorf("AllSettings = %+v, %v", all, err)
			}
			in.CSATOff, in.ReminderAfter = false, 0
			if err := s.SaveSettings(ctx, in, staff); err != nil {
				t.Fatal(err)
			}
			got, _ = s.Settings(ctx, wsA)
			if !got.CSAT() || got.Delays().ReminderAfter != core.DefaultReminderAfter {
				t.Errorf("settings back to defaults = %+v", got)
			}
		}},
		{"SaveSettings writes a settings.changed event", func(t *testing.T, s core.Store) {
			if err := s.SaveSettings(t.Context(), core.Settings{Workspace: wsA, TriageChannel: "C1"}, staff); err != nil {
				t.Fatal(err)
			}
			if err := s.SaveSettings(t.Context(), core.Settings{Workspace: wsA, TriageChannel: "C2"}, alice); err != nil {
				t.Fatal(err)
			}
			evs := drain(t, s)
			if len(evs) != 2 {
				t.Fatalf("events = %v, want two settings.changed", kinds(evs))
			}
			for i, by := range []core.UserRef{staff, alice} {
				e := evs[i]
				if e.Kind != core.EventSettingsChange || e.Workspace != wsA || e.TicketID != 0 || e.Actor != by {
					t.Errorf("event %d = %+v", i, e)
				}
			}
		}},
	}
}
