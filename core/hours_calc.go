package core

import "time"

// hoursHorizonDays bounds every walk over the calendar: a calendar that opens nowhere in
// about six years (every open weekday a holiday) is treated as never open.
const hoursHorizonDays = 6 * 366

// each calls fn with the calendar's open intervals from t on, in order, each clipped to start
// no earlier than t or the previous interval's end (so they never overlap), until fn returns
// false or the horizon is reached.
func (h Hours) each(t time.Time, fn func(start, end time.Time) bool) {
	loc := h.Location()
	y, m, d := t.In(loc).Date()
	covered := t
	allDay := []hoursRange{{0, 24 * 60}}
	// Start the day before: an overnight range begun yesterday may still be open at t.
	for i := -1; i < hoursHorizonDays; i++ {
		noon := time.Date(y, m, d+i, 12, 0, 0, 0, loc)
		cy, cm, cd := noon.Date()
		if h.holidays[civilDate{cy, cm, cd}] {
			continue
		}
		ranges := allDay
		if h.ranged {
			ranges = h.weekly[noon.Weekday()]
		}
		for _, r := range ranges {
			s := time.Date(cy, cm, cd, 0, r.start, 0, 0, loc)
			e := time.Date(cy, cm, cd, 0, r.end, 0, 0, loc)
			if !e.After(covered) {
				continue
			}
			if s.Before(covered) {
				s = covered
			}
			if !fn(s, e) {
				return
			}
			covered = e
		}
	}
}

// OpenAt reports whether staff are working at t.
func (h Hours) OpenAt(t time.Time) bool {
	if h.IsZero() {
		return true
	}
	open := false
	h.each(t, func(s, _ time.Time) bool {
		open = s.Equal(t)
		return false
	})
	return open
}

// NextOpen returns when staff are next working at or after t: t itself when OpenAt(t). It
// returns the zero time for a calendar that never opens (see hoursHorizonDays).
func (h Hours) NextOpen(t time.Time) time.Time {
	if h.IsZero() {
		return t
	}
	var next time.Time
	h.each(t, func(s, _ time.Time) bool {
		next = s
		return false
	})
	return next
}

// Add returns the earliest instant u at or after t such that Between(t, u) == d: t plus d of
// support time. Add(t, 0) is t; a due time that falls outside hours lands on the end of the
// last open interval it needs, so Add(Friday 16:00, 1h) with hours 09:00-17:00 is Monday 10:00.
// It returns the zero time for a calendar that never opens.
func (h Hours) Add(t time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return t
	}
	if h.IsZero() {
		return t.Add(d)
	}
	var due time.Time
	left := d
	h.each(t, func(s, e time.Time) bool {
		if n := e.Sub(s); n < left {
			left -= n
			return true
		}
		due = s.Add(left)
		return false
	})
	return due
}

// Between returns the support time from a to b (0 when b is not after a).
func (h Hours) Between(a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	if h.IsZero() {
		return b.Sub(a)
	}
	var total time.Duration
	h.each(a, func(s, e time.Time) bool {
		if !s.Before(b) {
			return false
		}
		if e.After(b) {
			e = b
		}
		total += e.Sub(s)
		return true
	})
	return total
}
