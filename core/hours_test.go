package core_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

func mustHours(t *testing.T, js string) core.Hours {
	t.Helper()
	h, err := core.ParseHours([]byte(js))
	if err != nil {
		t.Fatalf("ParseHours(%s): %v", js, err)
	}
	return h
}

// wall reads "2006-01-02 15:04" in the named zone.
func wall(t *testing.T, tz, s string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation(tz)
	if err != nil {
		t.Fatal(err)
	}
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

const officeBerlin = `{"tz":"Europe/Berlin","weekly":{"mon":["09:00-17:00"],"tue":["09:00-17:00"],
	"wed":["09:00-17:00"],"thu":["09:00-17:00"],"fri":["09:00-12:00","13:00-17:00"]},"holidays":["2026-12-25"]}`

func TestHoursOpenAt(t *testing.T) {
	berlin := mustHours(t, officeBerlin)
	night := mustHours(t, `{"tz":"UTC","weekly":{"fri":["22:00-06:00"]},"holidays":["2026-12-05"]}`)
	nightHoliday := mustHours(t, `{"tz":"UTC","weekly":{"fri":["22:00-06:00"]},"holidays":["2026-12-04"]}`)
	for _, tc := range []struct {
		name string
		h    core.Hours
		at   time.Time
		want bool
	}{
		{"weekday inside", berlin, wall(t, "Europe/Berlin", "2026-12-01 10:00"), true},
		{"opening minute is open", berlin, wall(t, "Europe/Berlin", "2026-12-01 09:00"), true},
		{"closing minute is closed", berlin, wall(t, "Europe/Berlin", "2026-12-01 17:00"), false},
		{"lunch gap on friday", berlin, wall(t, "Europe/Berlin", "2026-12-04 12:30"), false},
		{"saturday", berlin, wall(t, "Europe/Berlin", "2026-12-05 10:00"), false},
		{"holiday", berlin, wall(t, "Europe/Berlin", "2026-12-25 10:00"), false},
		{"read in the calendar's zone", berlin, wall(t, "America/New_York", "2026-12-01 04:00"), true},
		{"overnight after midnight", night, wall(t, "UTC", "2026-12-05 03:00"), true},
		{"overnight end", night, wall(t, "UTC", "2026-12-05 06:00"), false},
		{"overnight tail into a holiday still runs", night, wall(t, "UTC", "2026-12-05 05:59"), true},
		{"overnight started on a holiday is closed", nightHoliday, wall(t, "UTC", "2026-12-04 23:00"), false},
		{"zero calendar", core.Hours{}, wall(t, "UTC", "2026-12-05 03:00"), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.h.OpenAt(tc.at); got != tc.want {
				t.Fatalf("OpenAt(%v) = %v, want %v", tc.at, got, tc.want)
			}
		})
	}
}

func TestHoursNextOpen(t *testing.T) {
	berlin := mustHours(t, officeBerlin)
	for _, tc := range []struct {
		name   string
		h      core.Hours
		at     time.Time
		wantAt time.Time
	}{
		{"open now", berlin, wall(t, "Europe/Berlin", "2026-12-01 10:00"), wall(t, "Europe/Berlin", "2026-12-01 10:00")},
		{"evening", berlin, wall(t, "Europe/Berlin", "2026-12-01 18:00"), wall(t, "Europe/Berlin", "2026-12-02 09:00")},
		{"after lunch", berlin, wall(t, "Europe/Berlin", "2026-12-04 12:10"), wall(t, "Europe/Berlin", "2026-12-04 13:00")},
		{"weekend", berlin, wall(t, "Europe/Berlin", "2026-12-04 18:00"), wall(t, "Europe/Berlin", "2026-12-07 09:00")},
		{"holiday then weekend", berlin, wall(t, "Europe/Berlin", "2026-12-24 18:00"), wall(t, "Europe/Berlin", "2026-12-28 09:00")},
		{"spring forward day", mustHours(t, `{"tz":"Europe/Berlin","weekly":{"sun":["09:00-17:00"]}}`),
			wall(t, "UTC", "2026-03-29 05:00"), wall(t, "UTC", "2026-03-29 07:00")},
		{"fall back day", mustHours(t, `{"tz":"Europe/Berlin","weekly":{"sun":["09:00-17:00"]}}`),
			wall(t, "UTC", "2026-10-25 05:00"), wall(t, "UTC", "2026-10-25 08:00")},
		{"zero calendar", core.Hours{}, wall(t, "UTC", "2026-12-05 03:00"), wall(t, "UTC", "2026-12-05 03:00")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.h.NextOpen(tc.at); !got.Equal(tc.wantAt) {
				t.Fatalf("NextOpen(%v) = %v, want %v", tc.at, got, tc.wantAt)
			}
		})
	}
}

func TestHoursAddAndBetween(t *testing.T) {
	berlin := mustHours(t, officeBerlin)
	utcNight := mustHours(t, `{"tz":"UTC","weekly":{"fri":["22:00-06:00"]}}`)
	overlap := mustHours(t, `{"tz":"UTC","weekly":{"mon":["20:00-02:00"],"tue":["01:00-03:00"]}}`)
	berlinNight := mustHours(t, `{"tz":"Europe/Berlin","weekly":{"sat":["22:00-06:00"]}}`)
	nyNight := mustHours(t, `{"tz":"America/New_York","weekly":{"sat":["23:00-05:00"]}}`)
	allDays := mustHours(t, `{"tz":"UTC","holidays":["2026-12-25"]}`)
	for _, tc := range []struct {
		name     string
		h        core.Hours
		from, to time.Time
		support  time.Duration
	}{
		{"within a day", berlin, wall(t, "Europe/Berlin", "2026-12-01 10:00"), wall(t, "Europe/Berlin", "2026-12-01 11:30"), 90 * time.Minute},
		{"ends exactly at closing", berlin, wall(t, "Europe/Berlin", "2026-12-01 16:00"), wall(t, "Europe/Berlin", "2026-12-01 17:00"), time.Hour},
		{"overnight to next morning", berlin, wall(t, "Europe/Berlin", "2026-12-01 16:00"), wall(t, "Europe/Berlin", "2026-12-02 10:00"), 2 * time.Hour},
		{"skips lunch", berlin, wall(t, "Europe/Berlin", "2026-12-04 11:00"), wall(t, "Europe/Berlin", "2026-12-04 14:00"), 2 * time.Hour},
		{"over the weekend", berlin, wall(t, "Europe/Berlin", "2026-12-04 16:00"), wall(t, "Europe/Berlin", "2026-12-07 10:00"), 2 * time.Hour},
		{"from a saturday", berlin, wall(t, "Europe/Berlin", "2026-12-05 10:00"), wall(t, "Europe/Berlin", "2026-12-07 10:00"), time.Hour},
		{"over a holiday and weekend", berlin, wall(t, "Europe/Berlin", "2026-12-24 16:00"), wall(t, "Europe/Berlin", "2026-12-28 10:00"), 2 * time.Hour},
		{"a full week", berlin, wall(t, "Europe/Berlin", "2026-11-30 00:00"), wall(t, "Europe/Berlin", "2026-12-04 17:00"), 39 * time.Hour},
		{"overnight range", utcNight, wall(t, "UTC", "2026-12-04 23:00"), wall(t, "UTC", "2026-12-05 02:00"), 3 * time.Hour},
		{"overnight range whole", utcNight, wall(t, "UTC", "2026-12-04 22:00"), wall(t, "UTC", "2026-12-05 06:00"), 8 * time.Hour},
		{"overnight into next week", utcNight, wall(t, "UTC", "2026-12-05 05:00"), wall(t, "UTC", "2026-12-11 23:00"), 2 * time.Hour},
		{"overlapping ranges count once", overlap, wall(t, "UTC", "2026-11-30 20:00"), wall(t, "UTC", "2026-12-01 03:00"), 7 * time.Hour},
		{"berlin spring forward night is 7h", berlinNight, wall(t, "Europe/Berlin", "2026-03-28 22:00"), wall(t, "Europe/Berlin", "2026-03-29 06:00"), 7 * time.Hour},
		{"berlin spring forward partial", berlinNight, wall(t, "Europe/Berlin", "2026-03-28 22:00"), wall(t, "Europe/Berlin", "2026-03-29 04:00"), 5 * time.Hour},
		{"berlin fall back night is 9h", berlinNight, wall(t, "Europe/Berlin", "2026-10-24 22:00"), wall(t, "Europe/Berlin", "2026-10-25 06:00"), 9 * time.Hour},
		{"new york spring forward night is 5h", nyNight, wall(t, "America/New_York", "2026-03-07 23:00"), wall(t, "America/New_York", "2026-03-08 05:00"), 5 * time.Hour},
		{"new york fall back night is 7h", nyNight, wall(t, "America/New_York", "2026-10-31 23:00"), wall(t, "America/New_York", "2026-11-01 05:00"), 7 * time.Hour},
		{"berlin day hours across spring forward", mustHours(t, `{"tz":"Europe/Berlin","weekly":{"sat":["09:00-17:00"],"sun":["09:00-17:00"]}}`),
			wall(t, "Europe/Berlin", "2026-03-28 16:00"), wall(t, "Europe/Berlin", "2026-03-29 10:00"), 2 * time.Hour},
		{"no weekly hours: all day but holidays", allDays, wall(t, "UTC", "2026-12-24 12:00"), wall(t, "UTC", "2026-12-26 12:00"), 24 * time.Hour},
		{"zero calendar", core.Hours{}, wall(t, "UTC", "2026-12-05 03:00"), wall(t, "UTC", "2026-12-07 03:00"), 48 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.h.Between(tc.from, tc.to); got != tc.support {
				t.Errorf("Between(%v, %v) = %v, want %v", tc.from, tc.to, got, tc.support)
			}
			if got := tc.h.Add(tc.from, tc.support); !got.Equal(tc.to) {
				t.Errorf("Add(%v, %v) = %v, want %v", tc.from, tc.support, got, tc.to)
			}
			if got := tc.h.Between(tc.to, tc.from); got != 0 {
				t.Errorf("Between backwards = %v, want 0", got)
			}
		})
	}
}

func TestHoursAdd(t *testing.T) {
	berlin := mustHours(t, officeBerlin)
	for _, tc := range []struct {
		name string
		h    core.Hours
		from time.Time
		d    time.Duration
		want time.Time
	}{
		{"zero duration", berlin, wall(t, "Europe/Berlin", "2026-12-05 10:00"), 0, wall(t, "Europe/Berlin", "2026-12-05 10:00")},
		{"lands on closing, not next opening", berlin, wall(t, "Europe/Berlin", "2026-12-01 16:00"), time.Hour, wall(t, "Europe/Berlin", "2026-12-01 17:00")},
		{"friday afternoon to monday", berlin, wall(t, "Europe/Berlin", "2026-12-04 16:00"), 2 * time.Hour, wall(t, "Europe/Berlin", "2026-12-07 10:00")},
		{"opened on saturday", berlin, wall(t, "Europe/Berlin", "2026-12-05 10:00"), time.Hour, wall(t, "Europe/Berlin", "2026-12-07 10:00")},
		{"christmas eve evening", berlin, wall(t, "Europe/Berlin", "2026-12-24 18:00"), 30 * time.Minute, wall(t, "Europe/Berlin", "2026-12-28 09:30")},
		{"across lunch", berlin, wall(t, "Europe/Berlin", "2026-12-04 11:30"), time.Hour, wall(t, "Europe/Berlin", "2026-12-04 13:30")},
		{"five hours over the spring gap", mustHours(t, `{"tz":"Europe/Berlin","weekly":{"sat":["22:00-06:00"]}}`),
			wall(t, "Europe/Berlin", "2026-03-28 22:00"), 5 * time.Hour, wall(t, "Europe/Berlin", "2026-03-29 04:00")},
		{"new york week of business hours over fall back", mustHours(t, `{"tz":"America/New_York","weekly":{"fri":["09:00-17:00"],"mon":["09:00-17:00"]}}`),
			wall(t, "America/New_York", "2026-10-30 16:00"), 2 * time.Hour, wall(t, "America/New_York", "2026-11-02 10:00")},
		{"zero calendar", core.Hours{}, wall(t, "UTC", "2026-12-05 03:00"), time.Hour, wall(t, "UTC", "2026-12-05 04:00")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.h.Add(tc.from, tc.d); !got.Equal(tc.want) {
				t.Fatalf("Add(%v, %v) = %v, want %v", tc.from, tc.d, got, tc.want)
			}
		})
	}
}

func TestParseHoursRefuses(t *testing.T) {
	for _, tc := range []struct{ name, js, field string }{
		{"unknown zone", `{"tz":"Mars/Olympus"}`, "hours.tz"},
		{"unknown weekday", `{"weekly":{"monday":["09:00-17:00"]}}`, "hours.weekly"},
		{"no dash", `{"weekly":{"mon":["09:00"]}}`, "hours.weekly.mon"},
		{"one-digit hour", `{"weekly":{"mon":["9:00-17:00"]}}`, "hours.weekly.mon"},
		{"hour 25", `{"weekly":{"mon":["09:00-25:00"]}}`, "hours.weekly.mon"},
		{"minute 60", `{"weekly":{"mon":["09:60-17:00"]}}`, "hours.weekly.mon"},
		{"24 as a start", `{"weekly":{"mon":["24:00-02:00"]}}`, "hours.weekly.mon"},
		{"empty range", `{"weekly":{"mon":["09:00-09:00"]}}`, "hours.weekly.mon"},
		{"bad holiday", `{"holidays":["2026-13-01"]}`, "hours.holidays"},
		{"unknown field", `{"zone":"UTC"}`, "hours"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := core.ParseHours([]byte(tc.js))
			var ce *core.Error
			if !errors.As(err, &ce) || ce.Code != core.EInvalid || ce.Field != tc.field {
				t.Fatalf("ParseHours(%s) = %v, want invalid on %s", tc.js, err, tc.field)
			}
		})
	}
	for _, ok := range []string{`{}`, `{"weekly":{"mon":["00:00-24:00"]}}`, `{"weekly":{"sun":["22:00-06:00"]}}`} {
		if _, err := core.ParseHours([]byte(ok)); err != nil {
			t.Errorf("ParseHours(%s): %v", ok, err)
		}
	}
}

func TestHoursJSONRoundTrip(t *testing.T) {
	h := mustHours(t, officeBerlin)
	data, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	var back core.Hours
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	a, b := wall(t, "UTC", "2026-12-01 00:00"), wall(t, "UTC", "2026-12-31 00:00")
	if back.Between(a, b) != h.Between(a, b) || back.Spec().TZ != "Europe/Berlin" {
		t.Fatalf("round trip changed the calendar: %s", data)
	}
	if !mustHours(t, `{}`).IsZero() || h.IsZero() {
		t.Fatal("IsZero wrong")
	}
}
