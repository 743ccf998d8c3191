package core_test

import (
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

func TestOfflineLine(t *testing.T) {
	berlin := core.HoursSpec{TZ: "Europe/Berlin", Weekly: map[string][]string{
		"mon": {"09:00-17:00"}, "tue": {"09:00-17:00"}, "wed": {"09:00-17:00"}, "thu": {"09:00-17:00"}, "fri": {"09:00-17:00"}},
		Holidays: []string{"2026-12-25"}}
	ny := core.HoursSpec{TZ: "America/New_York", Weekly: map[string][]string{"sun": {"10:00-12:00"}}}
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		name string
		spec core.HoursSpec
		at   time.Time
		want string
	}{
		{"open: nothing to say", berlin, utc("2026-03-02T10:00:00Z"), ""},
		{"friday evening: back monday", berlin, utc("2026-03-06T18:00:00Z"), "Our team is offline; we're back Monday 09:00 (Europe/Berlin)."},
		{"early morning: back today", berlin, utc("2026-03-03T05:00:00Z"), "Our team is offline; we're back Tuesday 09:00 (Europe/Berlin)."},
		// Berlin moves to summer time on Sunday 29 March 2026: Monday 09:00 is then 07:00 UTC.
		{"across the spring DST change", berlin, utc("2026-03-27T17:00:00Z"), "Our team is offline; we're back Monday 09:00 (Europe/Berlin)."},
		{"just before opening after DST: still offline", berlin, utc("2026-03-30T06:59:00Z"), "Our team is offline; we're back Monday 09:00 (Europe/Berlin)."},
		{"at opening after DST (07:00 UTC): open", berlin, utc("2026-03-30T07:00:00Z"), ""},
		// Back to winter time on Sunday 25 October 2026: Monday 09:00 is 08:00 UTC again.
		{"at 07:30 UTC after the autumn change: offline", berlin, utc("2026-10-26T07:30:00Z"), "Our team is offline; we're back Monday 09:00 (Europe/Berlin)."},
		{"christmas holiday", berlin, utc("2026-12-25T10:00:00Z"), "Our team is offline; we're back Monday 09:00 (Europe/Berlin)."},
		{"a week away: with the date", ny, utc("2026-11-01T17:00:00Z"), "Our team is offline; we're back Sunday 8 November 10:00 (America/New_York)."},
		{"always open without hours", core.HoursSpec{}, utc("2026-12-25T03:00:00Z"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := core.NewHours(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			if got := core.OfflineLine(h, tc.at); got != tc.want {
				t.Errorf("OfflineLine(%s) = %q, want %q", tc.at, got, tc.want)
			}
		})
	}
}
