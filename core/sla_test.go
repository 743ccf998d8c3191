package core_test

import (
	"errors"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// slaStep is one thing that happens to a ticket in an SLA scenario.
type slaStep struct {
	at       string // "2006-01-02 15:04" in the scenario's zone
	status   core.Status
	priority core.Priority
	respond  bool
}

func TestSLAArithmetic(t *testing.T) {
	berlin := mustHours(t, officeBerlin)
	night := mustHours(t, `{"tz":"UTC","weekly":{"fri":["22:00-06:00"],"sat":["22:00-06:00"]}}`)
	nyOffice := mustHours(t, `{"tz":"America/New_York","weekly":{"fri":["09:00-17:00"],"mon":["09:00-17:00"]}}`)
	policy := core.SLAPolicy{
		core.PriorityUrgent: {FirstResponse: time.Hour, Resolution: 4 * time.Hour},
		core.PriorityNormal: {FirstResponse: 8 * time.Hour, Resolution: 24 * time.Hour},
		core.PriorityLow:    {Resolution: 40 * time.Hour},
	}
	for _, tc := range []struct {
		name        string
		hours       core.Hours
		tz          string
		opened      string
		priority    core.Priority
		steps       []slaStep
		now         string
		firstDue    string // "" for none
		resolveDue  string
		firstBreach bool
		resBreach   bool
		paused      bool
	}{
		{name: "within the day", hours: berlin, tz: "Europe/Berlin", opened: "2026-12-01 10:00", priority: core.PriorityUrgent,
			now: "2026-12-01 10:30", firstDue: "2026-12-01 11:00", resolveDue: "2026-12-01 14:00"},
		{name: "opened friday afternoon: due monday", hours: berlin, tz: "Europe/Berlin", opened: "2026-12-04 16:30", priority: core.PriorityUrgent,
			now: "2026-12-05 12:00", firstDue: "2026-12-07 09:30", resolveDue: "2026-12-07 12:30"},
		{name: "opened on saturday counts from monday", hours: berlin, tz: "Europe/Berlin", opened: "2026-12-05 11:00", priority: core.PriorityNormal,
			now: "2026-12-07 08:00", firstDue: "2026-12-07 17:00", resolveDue: "2026-12-09 17:00"},
		{name: "holiday and weekend skipped", hours: berlin, tz: "Europe/Berlin", opened: "2026-12-24 16:00", priority: core.PriorityUrgent,
			now: "2026-12-26 12:00", firstDue: "2026-12-24 17:00", resolveDue: "2026-12-28 12:00", firstBreach: true},
		{name: "overnight hours", hours: night, tz: "UTC", opened: "2026-12-04 23:00", priority: core.PriorityUrgent,
			now: "2026-12-05 00:30", firstDue: "2026-12-05 00:00", resolveDue: "2026-12-05 03:00", firstBreach: true},
		{name: "overnight range ending mid-target carries to the next night", hours: night, tz: "UTC", opened: "2026-12-05 04:00", priority: core.PriorityUrgent,
			now: "2026-12-05 04:10", firstDue: "2026-12-05 05:00", resolveDue: "2026-12-06 00:00"},
		{name: "new york fall back weekend", hours: nyOffice, tz: "America/New_York", opened: "2026-10-30 16:30", priority: core.PriorityUrgent,
			now: "2026-10-31 12:00", firstDue: "2026-11-02 09:30", resolveDue: "2026-11-02 12:30"},
		{name: "first response met in time", hours: berlin, tz: "Europe/Berlin", opened: "2026-12-01 10:00", priority: core.PriorityUrgent,
			steps: []slaStep{{at: "2026-12-01 10:40", respond: true}},
			now:   "2026-12-01 12:00", firstDue: "2026-12-01 11:00", resolveDue: "2026-12-01 14:00"},
		{name: "first response late", hours: berlin, tz: "Europe/Berlin", opened: "2026-12-01 10:00", priority: core.PriorityUrgent,
			steps: []slaStep{{at: "2026-12-01 11:10", respond: true}},
			now:   "2026-12-01 12:00", firstDue: "2026-12-01 11:00", resolveDue: "2026-12-01 14:00", firstBreach: true},
		{name: "waiting pauses both clocks", hours: berlin, tz: "Europe/Berlin", opened: "2026-12-01 10:00", priority: core.PriorityUrgent,
			steps: []slaStep{{at: "2026-12-01 10:30", status: core.StatusWaiting}, {at: "2026-12-01 13:30", status: core.StatusOpen}},
			now:   "2026-12-01 14:00", firstDue: "2026-12-01 14:00", resolveDue: "2026-12-01 17:00"},
		{name: "paused across the night counts support time only", hours: berlin, tz: "Europe/Berlin", opened: "2026-12-01 15:00", priority: core.PriorityUrgent,
			steps: []slaStep{{at: "2026-12-01 16:00", status: core.StatusWaiting}, {at: "2026-12-02 10:00", status: core.StatusInProgress}},
			now:   "2026-12-02 10:00", firstDue: "2026-12-02 10:00", resolveDue: "2026-12-02 13:00"},
		{name: "while waiting the clock shows paused and not breached", hours: berlin, tz: "Europe/Berlin", opened: "2026-12-01 10:00", priority: core.PriorityUrgent,
			steps: []slaStep{{at: "2026-12-01 10:30", status: core.StatusWaiting}},
			now:   "2026-12-03 10:00", firstDue: "2026-12-01 11:00", resolveDue: "2026-12-01 14:00", paused: true},
		{name: "resolved in time", hours: berlin, tz: "Europe/Berlin", opened: "2026-12-01 10:00", priority: core.PriorityUrgent,
			steps: []slaStep{{at: "2026-12-01 10:10", respond: true}, {at: "2026-12-01 13:00", status: core.StatusResolved}},
			now:   "2026-12-02 10:00", firstDue: "2026-12-01 11:00", resolveDue: "2026-12-01 14:00"},
		{name: "reopened: resolved time is paused and the clock runs again", hours: berlin, tz: "Europe/Berlin", opened: "2026-12-01 10:00", priority: core.PriorityUrgent,
			steps: []slaStep{{at: "2026-12-01 10:10", respond: true}, {at: "2026-12-01 13:00", status: core.StatusResolved}, {at: "2026-12-02 09:00", status: core.StatusOpen}},
			now:   "2026-12-02 09:30", firstDue: "2026-12-01 15:00", resolveDue: "2026-12-02 10:00"},
		{name: "priority raised: due times recomputed from creation", hours: berlin, tz: "Europe/Berlin", opened: "2026-12-01 10:00", priority: core.PriorityNormal,
			steps: []slaStep{{at: "2026-12-01 12:00", priority: core.PriorityUrgent}},
			now:   "2026-12-01 12:00", firstDue: "2026-12-01 11:00", resolveDue: "2026-12-01 14:00", firstBreach: true},
		{name: "priority lowered to one without a first-response target", hours: berlin, tz: "Europe/Berlin", opened: "2026-12-01 10:00", priority: core.PriorityUrgent,
			steps: []slaStep{{at: "2026-12-01 10:30", priority: core.PriorityLow}},
			now:   "2026-12-01 12:00", firstDue: "", resolveDue: "2026-12-08 11:00"},
		{name: "no policy for the priority", hours: berlin, tz: "Europe/Berlin", opened: "2026-12-01 10:00", priority: core.PriorityHigh,
			now: "2026-12-09 10:00"},
		{name: "always-open calendar", hours: core.Hours{}, tz: "UTC", opened: "2026-12-05 22:00", priority: core.PriorityUrgent,
			now: "2026-12-05 22:30", firstDue: "2026-12-05 23:00", resolveDue: "2026-12-06 02:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at := func(s string) time.Time { return wall(t, tc.tz, s) }
			status, prio := core.StatusOpen, tc.priority
			created := at(tc.opened)
			c := core.SLAStart(tc.hours, policy, prio, status, created)
			for _, s := range tc.steps {
				now := at(s.at)
				switch {
				case s.respond:
					c.RespondedAt(now)
				case s.status != "":
					c.Transition(tc.hours, status, s.status, now)
					status = s.status
				case s.priority != "":
					prio = s.priority
				}
				c.Schedule(tc.hours, policy[prio], created)
			}
			now := at(tc.now)
			fr, res := c.FirstResponse(now), c.Resolution(now)
			check := func(what string, got *time.Time, want string) {
				t.Helper()
				switch {
				case want == "" && got != nil:
					t.Errorf("%s due %v, want none", what, got.In(tc.hours.Location()))
				case want != "" && (got == nil || !got.Equal(at(want))):
					t.Errorf("%s due %v, want %s", what, got, want)
				}
			}
			check("first response", fr.Due, tc.firstDue)
			check("resolution", res.Due, tc.resolveDue)
			if fr.Breached != tc.firstBreach || res.Breached != tc.resBreach {
				t.Errorf("breached first %v resolution %v, want %v %v", fr.Breached, res.Breached, tc.firstBreach, tc.resBreach)
			}
			if res.Paused != tc.paused {
				t.Errorf("paused %v, want %v", res.Paused, tc.paused)
			}
		})
	}
}

func TestSLAAlertTimes(t *testing.T) {
	berlin := mustHours(t, officeBerlin)
	policy := core.SLAPolicy{core.PriorityUrgent: {FirstResponse: 4 * time.Hour, Resolution: 8 * time.Hour}}
	created := wall(t, "Europe/Berlin", "2026-12-01 09:00")
	c := core.SLAStart(berlin, policy, core.PriorityUrgent, core.StatusOpen, created)
	if c.FirstAlertAt == nil || !c.FirstAlertAt.Equal(wall(t, "Europe/Berlin", "2026-12-01 12:00")) {
		t.Fatalf("first alert at %v, want 75 %% of 4 h = 12:00", c.FirstAlertAt)
	}
	if c.ResolveAlertAt == nil || !c.ResolveAlertAt.Equal(wall(t, "Europe/Berlin", "2026-12-01 15:00")) {
		t.Fatalf("resolution alert at %v, want 75 %% of 8 h = 15:00", c.ResolveAlertAt)
	}
	c.RespondedAt(wall(t, "Europe/Berlin", "2026-12-01 10:00"))
	if c.FirstAlertAt != nil {
		t.Fatal("a met first response still has an alert time")
	}
	c.Transition(berlin, core.StatusOpen, core.StatusWaiting, wall(t, "Europe/Berlin", "2026-12-01 11:00"))
	c.Schedule(berlin, policy[core.PriorityUrgent], created)
	if c.ResolveAlertAt != nil {
		t.Fatal("a paused clock still has an alert time")
	}
}

func TestSLAStateDescribe(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	due := now.Add(80 * time.Minute)
	past := now.Add(-10 * time.Minute)
	met := now.Add(-time.Hour)
	for _, tc := range []struct {
		s    core.SLAState
		want string
	}{
		{core.SLAState{Due: &due}, "first response due in 1 h 20 m"},
		{core.SLAState{Due: &past, Breached: true}, "first response breached 10 m ago"},
		{core.SLAState{Due: &due, MetAt: &met}, "first response met"},
		{core.SLAState{Due: &due, Paused: true}, "first response paused"},
		{core.SLAState{}, ""},
	} {
		if got := tc.s.Describe("first response", now); got != tc.want {
			t.Errorf("Describe = %q, want %q", got, tc.want)
		}
	}
	if got := core.ShortDuration(50 * time.Hour); got != "2 d 2 h" {
		t.Errorf("ShortDuration(50h) = %q", got)
	}
}

func TestParseSLAPolicy(t *testing.T) {
	p, err := core.ParseSLAPolicy([]byte(`{"urgent":{"first_response":"1h","resolution":"8h"},"low":{"resolution":"72h"}}`))
	if err != nil || p[core.PriorityUrgent].FirstResponse != time.Hour || p[core.PriorityLow].Resolution != 72*time.Hour {
		t.Fatalf("ParseSLAPolicy = %+v, %v", p, err)
	}
	for _, bad := range []string{`{"URGENT":{}}`, `{"urgent":{"first_response":"soon"}}`, `{"urgent":{"first_response":"10s"}}`, `{"urgent":{"reply":"1h"}}`, `[]`} {
		_, err := core.ParseSLAPolicy([]byte(bad))
		var ce *core.Error
		if !errors.As(err, &ce) || ce.Code != core.EInvalid {
			t.Errorf("ParseSLAPolicy(%s) = %v, want invalid", bad, err)
		}
	}
}
