package core

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// HoursSpec is the stored and API shape of a workspace's support hours:
//
//	{"tz":"Europe/Berlin","weekly":{"mon":["09:00-17:00"],…},"holidays":["2026-12-25"]}
//
// Weekdays are "mon" … "sun"; a day that is missing or empty is closed. A range whose end is
// not after its start runs overnight: "22:00-06:00" on "fri" is Friday 22:00 to Saturday 06:00
// (the whole range belongs to Friday). "24:00" is allowed as an end. A holiday closes the ranges
// that start on that local date; an overnight range started the evening before still ends as
// usual. Wall times are read in tz, so across a DST change a "09:00-17:00" day is still opened
// at 09:00 and closed at 17:00 local time while an overnight range is an hour shorter or longer.
// A spec without any weekly range is open around the clock (holidays still close their dates);
// the zero spec is always open.
type HoursSpec struct {
	TZ       string              `json:"tz,omitempty"`
	Weekly   map[string][]string `json:"weekly,omitempty"`
	Holidays []string            `json:"holidays,omitempty"`
}

// Hours is a validated support-hours calendar. The zero value is always open.
type Hours struct {
	spec     HoursSpec
	loc      *time.Location
	weekly   [7][]hoursRange // indexed by time.Weekday
	holidays map[civilDate]bool
	ranged   bool // some weekday has ranges; without any, every non-holiday date is open all day
}

// hoursRange is a range of minutes after local midnight; end may exceed 24 h (overnight).
type hoursRange struct{ start, end int }

type civilDate struct {
	y int
	m time.Month
	d int
}

var weekdayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// ParseHours decodes and validates the JSON shape of HoursSpec. Unknown fields are refused.
func ParseHours(data []byte) (Hours, error) {
	var spec HoursSpec
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&spec); err != nil {
		return Hours{}, &Error{Code: EInvalid, Op: "core.ParseHours", Field: "hours",
			Message: "hours must be {\"tz\":…,\"weekly\":{\"mon\":[\"09:00-17:00\"]},\"holidays\":[…]}", Err: err}
	}
	return NewHours(spec)
}

// NewHours validates spec. Errors are invalid, with Field naming the part at fault
// ("hours.tz", "hours.weekly.mon", "hours.holidays").
func NewHours(spec HoursSpec) (Hours, error) {
	const op = "core.NewHours"
	h := Hours{spec: spec, loc: time.UTC}
	if spec.TZ != "" {
		loc, err := time.LoadLocation(spec.TZ)
		if err != nil || spec.TZ == "Local" {
			return Hours{}, &Error{Code: EInvalid, Op: op, Field: "hours.tz",
				Message: fmt.Sprintf("unknown time zone %q (use an IANA name such as Europe/Berlin)", spec.TZ), Err: err}
		}
		h.loc = loc
	}
	for name, ranges := range spec.Weekly {
		wd, ok := weekdayNames[name]
		if !ok {
			return Hours{}, &Error{Code: EInvalid, Op: op, Field: "hours.weekly",
				Message: fmt.Sprintf("unknown weekday %q (use mon, tue, wed, thu, fri, sat, sun)", name)}
		}
		for _, s := range ranges {
			r, err := parseHoursRange(s)
			if err != nil {
				return Hours{}, &Error{Code: EInvalid, Op: op, Field: "hours.weekly." + name,
					Message: fmt.Sprintf("%q: %v (use HH:MM-HH:MM)", s, err)}
			}
			h.weekly[wd] = append(h.weekly[wd], r)
			h.ranged = true
		}
		sort.Slice(h.weekly[wd], func(i, j int) bool { return h.weekly[wd][i].start < h.weekly[wd][j].start })
	}
	for _, s := range spec.Holidays {
		d, err := time.Parse("2006-01-02", s)
		if err != nil {
			return Hours{}, &Error{Code: EInvalid, Op: op, Field: "hours.holidays",
				Message: fmt.Sprintf("holiday %q is not a date like 2026-12-25", s)}
		}
		if h.holidays == nil {
			h.holidays = map[civilDate]bool{}
		}
		h.holidays[civilDate{d.Year(), d.Month(), d.Day()}] = true
	}
	return h, nil
}

func parseHoursRange(s string) (hoursRange, error) {
	from, to, ok := strings.Cut(strings.TrimSpace(s), "-")
	if !ok {
		return hoursRange{}, fmt.Errorf("not a range")
	}
	start, err := parseClock(from, false)
	if err != nil {
		return hoursRange{}, err
	}
	end, err := parseClock(to, true)
	if err != nil {
		return hoursRange{}, err
	}
	if end == start {
		return hoursRange{}, fmt.Errorf("start and end are the same")
	}
	if end <= start {
		end += 24 * 60 // overnight
	}
	return hoursRange{start, end}, nil
}

func parseClock(s string, isEnd bool) (int, error) {
	s = strings.TrimSpace(s)
	hh, mm, ok := strings.Cut(s, ":")
	if !ok || len(hh) != 2 || len(mm) != 2 {
		return 0, fmt.Errorf("%q is not HH:MM", s)
	}
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if err1 != nil || err2 != nil || h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && (m != 0 || !isEnd)) {
		return 0, fmt.Errorf("%q is not a time of day", s)
	}
	return h*60 + m, nil
}

// Spec returns the calendar's stored shape.
func (h Hours) Spec() HoursSpec { return h.spec }

// IsZero reports whether the calendar is the always-open zero calendar.
func (h Hours) IsZero() bool { return !h.ranged && len(h.holidays) == 0 }

// Location is the calendar's time zone (UTC for the zero calendar).
func (h Hours) Location() *time.Location {
	if h.loc == nil {
		return time.UTC
	}
	return h.loc
}

// MarshalJSON writes the spec shape.
func (h Hours) MarshalJSON() ([]byte, error) { return json.Marshal(h.spec) }

// UnmarshalJSON reads and validates the spec shape.
func (h *Hours) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		*h = Hours{}
		return nil
	}
	v, err := ParseHours(data)
	if err != nil {
		return err
	}
	*h = v
	return nil
}
