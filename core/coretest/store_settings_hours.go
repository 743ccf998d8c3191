package coretest

import (
	"reflect"
	"testing"

	"github.com/ticketbot/ticketbot/core"
)

func hoursSettingsTests() []storeTest {
	return []storeTest{
		{"SaveSettings keeps support hours and the transcript channel", func(t *testing.T, s core.Store) {
			ctx := t.Context()
			spec := core.HoursSpec{TZ: "Europe/Berlin", Weekly: map[string][]string{"mon": {"09:00-17:00"}, "fri": {"09:00-12:00", "13:00-15:00"}},
				Holidays: []string{"2026-12-25"}}
			h, err := core.NewHours(spec)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.SaveSettings(ctx, core.Settings{Workspace: wsD, Hours: h, TranscriptChannel: "999"}, staff); err != nil {
				t.Fatal(err)
			}
			got, err := s.Settings(ctx, wsD)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Hours.Spec(), spec) || got.Hours.Location().String() != "Europe/Berlin" || got.TranscriptChannel != "999" {
				t.Errorf("settings = %+v, want hours %+v and transcript channel 999", got, spec)
			}
			evs := drain(t, s)
			fields := map[string]string{}
			for _, e := range evs {
				for _, c := range e.Changes {
					fields[c.Field] = c.To
				}
			}
			if len(evs) != 1 || fields["transcript_channel"] != "999" || fields["hours"] == "" {
				t.Fatalf("events = %+v, want one settings.changed with hours and transcript_channel", evs)
			}
			if err := s.SaveSettings(ctx, core.Settings{Workspace: wsD}, staff); err != nil {
				t.Fatal(err)
			}
			got, _ = s.Settings(ctx, wsD)
			if !got.Hours.IsZero() || got.TranscriptChannel != "" {
				t.Errorf("cleared settings = %+v", got)
			}
		}},
	}
}
