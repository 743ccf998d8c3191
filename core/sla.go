package core

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// SLATarget is a priority's service level: the support time (see Hours) until the first
// public staff message, and until the ticket is resolved. A zero duration has no target.
type SLATarget struct {
	FirstResponse time.Duration
	Resolution    time.Duration
}

// SLAPolicy is a workspace's targets per priority; a priority without an entry has none.
type SLAPolicy map[Priority]SLATarget

type slaTargetJSON struct {
	FirstResponse string `json:"first_response,omitempty"`
	Resolution    string `json:"resolution,omitempty"`
}

// MarshalJSON writes {"urgent":{"first_response":"1h0m0s","resolution":"8h0m0s"},…}.
func (p SLAPolicy) MarshalJSON() ([]byte, error) {
	out := map[string]slaTargetJSON{}
	for prio, t := range p {
		var j slaTargetJSON
		if t.FirstResponse > 0 {
			j.FirstResponse = t.FirstResponse.String()
		}
		if t.Resolution > 0 {
			j.Resolution = t.Resolution.String()
		}
		out[string(prio)] = j
	}
	return json.Marshal(out)
}

// ParseSLAPolicy reads the JSON shape of MarshalJSON. Errors: invalid, with Field "sla" or
// "sla.<priority>".
func ParseSLAPolicy(data []byte) (SLAPolicy, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, &Error{Code: EInvalid, Field: "sla", Message: `sla must be {"urgent":{"first_response":"1h","resolution":"8h"},…}`, Err: err}
	}
	p := SLAPolicy{}
	for name, v := range raw {
		prio, err := ParsePriority(name)
		if err != nil || string(prio) != name {
			return nil, &Error{Code: EInvalid, Field: "sla", Message: fmt.Sprintf("unknown priority %q (use low, normal, high or urgent)", name)}
		}
		dec := json.NewDecoder(strings.NewReader(string(v)))
		dec.DisallowUnknownFields()
		var j slaTargetJSON
		if err := dec.Decode(&j); err != nil {
			return nil, &Error{Code: EInvalid, Field: "sla." + name, Message: "sla." + name + ` must be {"first_response":"1h","resolution":"8h"}`}
		}
		var t SLATarget
		for _, f := range []struct {
			name string
			v    string
			dst  *time.Duration
		}{{"first_response", j.FirstResponse, &t.FirstResponse}, {"resolution", j.Resolution, &t.Resolution}} {
			if f.v == "" {
				continue
			}
			d, err := time.ParseDuration(f.v)
			if err != nil || d < time.Minute || d > 366*24*time.Hour {
				return nil, &Error{Code: EInvalid, Field: "sla." + name,
					Message: fmt.Sprintf("sla.%s.%s must be a duration between 1m and 8784h such as \"4h\", not %q", name, f.name, f.v)}
			}
			*f.dst = d
		}
		if t != (SLATarget{}) {
			p[prio] = t
		}
	}
	return p, nil
}

// SLAClock is a ticket's SLA bookkeeping, kept by the store with the ticket. The clocks run
// while the ticket is open or in progress; waiting (on the requester), resolved and closed
// pause them, and Paused sums the support time they were paused for.
type SLAClock struct {
	// FirstResponseAt is when the first public staff message was written.
	FirstResponseAt *time.Time
	// ResolvedAt is when the ticket last became resolved or closed (nil once reopened).
	ResolvedAt *time.Time
	// Paused is the support time spent paused so far; PausedSince is when the current pause
	// began (nil while the clocks run).
	Paused      time.Duration
	PausedSince *time.Time
	// FirstDue and ResolveDue are the due times under the ticket's priority when they were
	// last computed (nil: no target). They stay after a target is met, for reports.
	FirstDue, ResolveDue *time.Time
	// FirstAlertAt and ResolveAlertAt are when the scheduler next looks at the clock for an
	// alert (75 % of the target, then the due time); nil: nothing more to say.
	FirstAlertAt, ResolveAlertAt *time.Time
	// ResponseTime and ResolutionTime are how long the first response and the resolution
	// took in running support time (see Elapsed), set with FirstResponseAt and ResolvedAt and
	// meaningful only while those are set; reports take their medians from them.
	ResponseTime, ResolutionTime time.Duration
}

// NoDue is the NextDue of a ticket without an unmet target: after every real due time.
var NoDue = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// NextDue is the earliest due time of a target not met yet (NoDue when there is none); lists
// sort by it.
func (c SLAClock) NextDue() time.Time {
	next := NoDue
	if c.FirstResponseAt == nil && c.FirstDue != nil && c.FirstDue.Before(next) {
		next = *c.FirstDue
	}
	if c.ResolvedAt == nil && c.ResolveDue != nil && c.ResolveDue.Before(next) {
		next = *c.ResolveDue
	}
	return next.UTC()
}

// SLAClockRuns reports whether the SLA clocks run in status s.
func SLAClockRuns(s Status) bool { return s == StatusOpen || s == StatusInProgress }

// SLAWarnFraction is how much of a target has passed when the first alert goes out.
const SLAWarnFraction = 0.75

func timePtr(t time.Time) *time.Time { return &t }

// SLAStart sets up the clocks of a ticket opened at created with priority prio.
func SLAStart(h Hours, p SLAPolicy, prio Priority, status Status, created time.Time) SLAClock {
	var c SLAClock
	if !SLAClockRuns(status) {
		c.PausedSince = timePtr(created)
	}
	c.Schedule(h, p[prio], created)
	return c
}

// Transition records a status change from → to at now: a pause starts or ends, and the
// resolution is met (or unmet again on reopening). Call Schedule afterwards.
func (c *SLAClock) Transition(h Hours, from, to Status, now time.Time) {
	runs, ran := SLAClockRuns(to), SLAClockRuns(from)
	switch {
	case ran && !runs:
		c.PausedSince = timePtr(now)
	case !ran && runs && c.PausedSince != nil:
		c.Paused += h.Between(*c.PausedSince, now)
		c.PausedSince = nil
	}
	switch {
	case to == StatusResolved || to == StatusClosed:
		if c.ResolvedAt == nil {
			c.ResolvedAt = timePtr(now)
		}
	case from == StatusResolved || from == StatusClosed:
		c.ResolvedAt = nil
	}
}

// RespondedAt records the first public staff message at at; later ones change nothing.
func (c *SLAClock) RespondedAt(at time.Time) {
	if c.FirstResponseAt == nil {
		c.FirstResponseAt = timePtr(at)
		c.FirstAlertAt = nil
	}
}

// Schedule recomputes the due and alert times for target (the ticket's priority's) from
// the ticket's creation at created: a due time is created plus the target plus the time
// paused, in support time. A met or paused clock gets no alert time.
func (c *SLAClock) Schedule(h Hours, target SLATarget, created time.Time) {
	due := func(d time.Duration) *time.Time {
		if d <= 0 {
			return nil
		}
		return timePtr(h.Add(created, d+c.Paused))
	}
	warn := func(d time.Duration) *time.Time {
		if d <= 0 {
			return nil
		}
		return timePtr(h.Add(created, time.Duration(float64(d)*SLAWarnFraction)+c.Paused))
	}
	c.FirstDue, c.ResolveDue = due(target.FirstResponse), due(target.Resolution)
	c.FirstAlertAt, c.ResolveAlertAt = nil, nil
	if c.PausedSince != nil {
		return
	}
	if c.FirstResponseAt == nil {
		c.FirstAlertAt = warn(target.FirstResponse)
	}
	if c.ResolvedAt == nil {
		c.ResolveAlertAt = warn(target.Resolution)
	}
}

// Line is the clocks' state for people at now, e.g. "first response due in 1 h 20 m ·
// resolution breached 10 m ago"; "" without targets.
func (c SLAClock) Line(now time.Time) string {
	var parts []string
	for _, p := range []string{c.FirstResponse(now).Describe("first response", now), c.Resolution(now).Describe("resolution", now)} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " · ")
}

// SLAState is what the cards, the dashboard and the API show of one SLA clock.
type SLAState struct {
	// Due is the due time (nil: no target).
	Due *time.Time
	// MetAt is when the target was met (the first response, the resolution), if it was.
	MetAt *time.Time
	// Breached: met after Due, or not met and Due has passed (while running).
	Breached bool
	// Paused: the clock is stopped (waiting, resolved, closed) and not met.
	Paused bool
}

// FirstResponse is the first-response clock's state at now.
func (c SLAClock) FirstResponse(now time.Time) SLAState {
	return c.state(c.FirstDue, c.FirstResponseAt, now)
}

// Resolution is the resolution clock's state at now.
func (c SLAClock) Resolution(now time.Time) SLAState {
	return c.state(c.ResolveDue, c.ResolvedAt, now)
}

func (c SLAClock) state(due, met *time.Time, now time.Time) SLAState {
	s := SLAState{Due: due, MetAt: met}
	if due == nil {
		return s
	}
	switch {
	case met != nil:
		s.Breached = met.After(*due)
	case c.PausedSince != nil:
		s.Paused = true
		s.Breached = c.PausedSince.After(*due)
	default:
		s.Breached = now.After(*due)
	}
	return s
}

// Describe is the state in a few words for a card: "first response due in 1 h 20 m",
// "first response breached 10 m ago", "resolution met", "resolution paused" ("" without a target).
func (s SLAState) Describe(what string, now time.Time) string {
	switch {
	case s.Due == nil:
		return ""
	case s.MetAt != nil && s.Breached:
		return what + " met late (" + ShortDuration(s.MetAt.Sub(*s.Due)) + " after due)"
	case s.MetAt != nil:
		return what + " met"
	case s.Paused && s.Breached:
		return what + " breached, paused"
	case s.Paused:
		return what + " paused"
	case s.Breached:
		return what + " breached " + ShortDuration(now.Sub(*s.Due)) + " ago"
	default:
		return what + " due in " + ShortDuration(s.Due.Sub(now))
	}
}

// ShortDuration writes d as "2 d 3 h", "1 h 20 m" or "10 m" (at least "1 m").
func ShortDuration(d time.Duration) string {
	m := int64(d.Round(time.Minute) / time.Minute)
	if m < 1 {
		m = 1
	}
	days, hours, mins := m/(24*60), m/60%24, m%60
	switch {
	case days > 0 && hours > 0:
		return fmt.Sprintf("%d d %d h", days, hours)
	case days > 0:
		return fmt.Sprintf("%d d", days)
	case hours > 0 && mins > 0:
		return fmt.Sprintf("%d h %d m", hours, mins)
	case hours > 0:
		return fmt.Sprintf("%d h", hours)
	default:
		return fmt.Sprintf("%d m", mins)
	}
}
