package core_test

import (
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

func TestPercentileRank(t *testing.T) {
	for _, tc := range []struct {
		n         int64
		pct       int
		want      int64
		behaviour string
	}{
		{0, 50, 0, "no values have no rank"},
		{1, 50, 1, "one value is its own median"},
		{1, 90, 1, "one value is its own p90"},
		{2, 50, 1, "the median of two is the lower"},
		{3, 50, 2, "the median of three is the middle"},
		{4, 50, 2, "the median of four is the second"},
		{3, 90, 3, "p90 of three is the top"},
		{10, 90, 9, "p90 of ten is the ninth, exactly"},
		{11, 90, 10, "p90 of eleven rounds up"},
		{1_000_000, 90, 900_000, "a million: exact in integers"},
		{999_999, 50, 500_000, "odd million: the middle"},
	} {
		t.Run(tc.behaviour, func(t *testing.T) {
			if got := core.PercentileRank(tc.n, tc.pct); got != tc.want {
				t.Errorf("PercentileRank(%d, %d) = %d, want %d", tc.n, tc.pct, got, tc.want)
			}
		})
	}
}

func TestTimeStatsOf(t *testing.T) {
	m := time.Minute
	for _, tc := range []struct {
		name string
		in   []time.Duration
		want core.TimeStats
	}{
		{"empty", nil, core.TimeStats{}},
		{"one", []time.Duration{5 * m}, core.TimeStats{Count: 1, Median: 5 * m, P90: 5 * m}},
		{"unsorted input", []time.Duration{30 * m, 10 * m, 20 * m}, core.TimeStats{Count: 3, Median: 20 * m, P90: 30 * m}},
		{"ten with an outlier", []time.Duration{1 * m, 2 * m, 3 * m, 4 * m, 5 * m, 6 * m, 7 * m, 8 * m, 9 * m, 600 * m},
			core.TimeStats{Count: 10, Median: 5 * m, P90: 9 * m}},
		{"ties", []time.Duration{m, m, m, 2 * m}, core.TimeStats{Count: 4, Median: m, P90: 2 * m}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := core.TimeStatsOf(tc.in); got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestSLAElapsed holds the reports' response and resolution times to support hours less
// the time paused, the reckoning the due times use.
func TestSLAElapsed(t *testing.T) {
	office := mustHours(t, `{"tz":"Europe/Berlin","weekly":{"mon":["09:00-17:00"],"tue":["09:00-17:00"],"wed":["09:00-17:00"],"thu":["09:00-17:00"],"fri":["09:00-17:00"]},"holidays":["2026-12-25"]}`)
	loc, _ := time.LoadLocation("Europe/Berlin")
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	type step struct {
		at string
		to core.Status
	}
	for _, tc := range []struct {
		name   string
		hours  core.Hours
		opened string
		steps  []step
		until  string
		want   time.Duration
	}{
		{"within the day", office, "2026-12-01 10:00", nil, "2026-12-01 12:30", 150 * time.Minute},
		{"overnight counts only open hours", office, "2026-12-01 16:00", nil, "2026-12-02 10:00", 2 * time.Hour},
		{"weekend skipped", office, "2026-12-04 16:00", nil, "2026-12-07 10:00", 2 * time.Hour},
		{"holiday skipped", office, "2026-12-24 16:00", nil, "2026-12-28 09:30", 90 * time.Minute},
		{"opened on saturday starts monday", office, "2026-12-05 11:00", nil, "2026-12-07 09:45", 45 * time.Minute},
		{"always open without hours", core.Hours{}, "2026-12-05 11:00", nil, "2026-12-06 11:00", 24 * time.Hour},
		{"waiting is not counted", office, "2026-12-01 10:00",
			[]step{{"2026-12-01 11:00", core.StatusWaiting}, {"2026-12-02 11:00", core.StatusOpen}}, "2026-12-02 12:00", 2 * time.Hour},
		{"a pause still going on counts up to the end", office, "2026-12-01 10:00",
			[]step{{"2026-12-01 11:00", core.StatusWaiting}}, "2026-12-01 15:00", time.Hour},
		{"resolved straight from waiting", office, "2026-12-01 10:00",
			[]step{{"2026-12-01 11:00", core.StatusWaiting}, {"2026-12-01 14:00", core.StatusResolved}}, "2026-12-01 14:00", time.Hour},
		{"reopened and resolved again counts both runs", office, "2026-12-01 09:00",
			[]step{{"2026-12-01 10:00", core.StatusResolved}, {"2026-12-01 13:00", core.StatusOpen}, {"2026-12-01 14:00", core.StatusResolved}},
			"2026-12-01 14:00", 2 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			created := at(tc.opened)
			c := core.SLAStart(tc.hours, nil, core.PriorityNormal, core.StatusOpen, created)
			from := core.StatusOpen
			for _, s := range tc.steps {
				c.Transition(tc.hours, from, s.to, at(s.at))
				from = s.to
			}
			if got := c.Elapsed(tc.hours, created, at(tc.until)); got != tc.want {
				t.Errorf("Elapsed = %v, want %v", got, tc.want)
			}
		})
	}
}
