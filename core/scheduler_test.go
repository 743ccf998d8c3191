package core_test

import (
	"context"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
	"github.com/ticketbot/ticketbot/core/gormstore"
	"github.com/ticketbot/ticketbot/core/memstate"
)

// TestTimerRules is the state machine of the timers as a table: what is due when.
func TestTimerRules(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	d := core.Settings{}.Delays()
	at := func(s core.Status, reminded bool) core.Ticket {
		return core.Ticket{Status: s, Reminded: reminded, StatusChangedAt: t0}
	}
	for _, tc := range []struct {
		name      string
		t         core.Ticket
		after     time.Duration
		remind    bool
		close     bool
		closeNote string
	}{
		{"waiting, just now", at(core.StatusWaiting, false), time.Minute, false, false, ""},
		{"waiting, a second before the reminder", at(core.StatusWaiting, false), 72*time.Hour - time.Second, false, false, ""},
		{"waiting, at the reminder", at(core.StatusWaiting, false), 72 * time.Hour, true, false, ""},
		{"waiting, reminded already", at(core.StatusWaiting, true), 80 * time.Hour, false, false, ""},
		{"waiting, at the close", at(core.StatusWaiting, true), 7 * 24 * time.Hour, false, true, core.CloseNoReply},
		{"waiting, never reminded, past the close", at(core.StatusWaiting, false), 8 * 24 * time.Hour, false, true, core.CloseNoReply},
		{"resolved, a day later", at(core.StatusResolved, false), 24 * time.Hour, false, false, ""},
		{"resolved, a week later", at(core.StatusResolved, false), 7 * 24 * time.Hour, false, true, core.CloseResolvedNote},
		{"open, a month later", at(core.StatusOpen, false), 30 * 24 * time.Hour, false, false, ""},
		{"in progress, a month later", at(core.StatusInProgress, false), 30 * 24 * time.Hour, false, false, ""},
		{"closed, a month later", at(core.StatusClosed, false), 30 * 24 * time.Hour, false, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := t0.Add(tc.after)
			if got := core.ReminderDue(tc.t, now, d); got != tc.remind {
				t.Errorf("ReminderDue = %v, want %v", got, tc.remind)
			}
			got, note := core.CloseDue(tc.t, now, d)
			if got != tc.close || (got && note != tc.closeNote) {
				t.Errorf("CloseDue = %v %q, want %v %q", got, note, tc.close, tc.closeNote)
			}
		})
	}
}

// timerRig is a service and scheduler on one store, all on one fake clock.
type timerRig struct {
	svc   *core.Service
	st    *gormstore.Store
	clock *coretest.FakeClock
	sched *core.Scheduler
}

func newTimerRig(t *testing.T, url string, owner string) timerRig {
	st := openStore(t, url)
	clock := coretest.NewFakeClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	st.SetClock(clock)
	m := memstate.New(clock)
	t.Cleanup(func() { m.Close() })
	svc := core.NewService(core.ServiceConfig{Store: st, State: m, Limiter: m, Clock: clock})
	sched, err := core.NewScheduler(core.SchedulerConfig{Service: svc, Owner: owner, Interval: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	return timerRig{svc, st, clock, sched}
}

func (r timerRig) tick(t *testing.T) core.TimerCounts {
	t.Helper()
	n, err := r.sched.Tick(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (r timerRig) ticket(t *testing.T, id int64) core.Ticket {
	t.Helper()
	tk, err := r.svc.Ticket(context.Background(), core.System(), id)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func changesOf(t *testing.T, r timerRig, id int64, field string) []core.Change {
	t.Helper()
	hist, err := r.svc.History(context.Background(), core.System(), id)
	if err != nil {
		t.Fatal(err)
	}
	var out []core.Change
	for _, c := range hist {
		if c.Field == field {
			out = append(out, c)
		}
	}
	return out
}

// TestSchedulerRemindsAndCloses moves the fake clock through a waiting ticket's life: one
// reminder, then the close with "no reply"; a resolved ticket closes after its delay; a
// ticket without any message closes too; a requester's reply cancels the timers.
func TestSchedulerRemindsAndCloses(t *testing.T) {
	for name, url := range backends() {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			r := newTimerRig(t, url(t), "replica-1")
			staff := actor(wsA, "S1", core.RoleStaff)
			reporter := actor(wsA, "U1", core.RoleRequester)
			waiting := mustOpen(t, r.svc, reporter, "waits on me")
			resolved := mustOpen(t, r.svc, reporter, "fixed")
			replied := mustOpen(t, r.svc, reporter, "I will answer")
			for id, s := range map[int64]core.Status{waiting.ID: core.StatusWaiting, resolved.ID: core.StatusResolved, replied.ID: core.StatusWaiting} {
				if _, err := r.svc.SetStatus(ctx, staff, id, s, ""); err != nil {
					t.Fatal(err)
				}
			}
			if n := r.tick(t); !n.Held || n.Reminded+n.ClosedWaiting+n.ClosedResolved != 0 {
				t.Fatalf("first round = %+v, want the lease and nothing due", n)
			}
			r.clock.Advance(72*time.Hour - time.Second)
			if n := r.tick(t); n.Reminded != 0 {
				t.Fatalf("reminded a second early: %+v", n)
			}
			// The requester answers one of the waiting tickets: it is open again, no timers.
			if _, _, err := r.svc.AddMessage(ctx, reporter, replied.ID, core.MessageInput{ExternalID: "m1", Content: "here you go", Source: "web"}); err != nil {
				t.Fatal(err)
			}
			if got := r.ticket(t, replied.ID); got.Status != core.StatusOpen {
				t.Fatalf("after the requester's reply: %s, want open", got.Status)
			}
			r.clock.Advance(time.Second)
			if n := r.tick(t); n.Reminded != 1 {
				t.Fatalf("at 72h: %+v, want one reminder", n)
			}
			if n := r.tick(t); n.Reminded != 0 {
				t.Fatalf("a second round reminded again: %+v", n)
			}
			if got := changesOf(t, r, waiting.ID, "reminder"); len(got) != 1 || got[0].Actor.ID != core.System().User.ID {
				t.Fatalf("reminder changes = %+v", got)
			}
			r.clock.Advance(4*24*time.Hour - time.Second)
			if n := r.tick(t); n.ClosedWaiting+n.ClosedResolved != 0 {
				t.Fatalf("closed early: %+v", n)
			}
			r.clock.Advance(time.Second)
			n := r.tick(t)
			if n.ClosedWaiting != 1 || n.ClosedResolved != 1 {
				t.Fatalf("at 7 days: %+v, want one waiting and one resolved ticket closed", n)
			}
			w := r.ticket(t, waiting.ID)
			if w.Status != core.StatusClosed || w.StatusNote != core.CloseNoReply {
				t.Errorf("waiting ticket = %s %q", w.Status, w.StatusNote)
			}
			if res := r.ticket(t, resolved.ID); res.Status != core.StatusClosed {
				t.Errorf("resolved ticket = %s", res.Status)
			}
			if got := r.ticket(t, replied.ID); got.Status != core.StatusOpen {
				t.Errorf("the ticket its requester answered = %s, want still open", got.Status)
			}
			if got := changesOf(t, r, waiting.ID, "csat"); len(got) != 1 {
				t.Errorf("closing did not ask for a rating once: %+v", got)
			}
		})
	}
}

// TestSchedulerLeaseAndRestart: two replicas share the database; only the lease holder acts,
// the other takes over once the lease expires, and a fresh scheduler (a restart) finds due
// tickets from the stored status times.
func TestSchedulerLeaseAndRestart(t *testing.T) {
	r := newTimerRig(t, "sqlite://"+t.TempDir()+"/t.db", "replica-1")
	other, err := core.NewScheduler(core.SchedulerConfig{Service: r.svc, Owner: "replica-2", Interval: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tk := mustOpen(t, r.svc, actor(wsA, "U1", core.RoleRequester), "quiet")
	if _, err := r.svc.SetStatus(ctx, actor(wsA, "S1", core.RoleStaff), tk.ID, core.StatusWaiting, ""); err != nil {
		t.Fatal(err)
	}
	if n := r.tick(t); !n.Held {
		t.Fatal("replica-1 did not get the lease")
	}
	r.clock.Advance(72 * time.Hour)
	// replica-1 "died" 72 hours ago: its lease (3 minutes) has expired.
	n, err := other.Tick(ctx)
	if err != nil || !n.Held || n.Reminded != 1 {
		t.Fatalf("replica-2 after replica-1's lease expired: %+v, %v", n, err)
	}
	if n := r.tick(t); n.Held {
		t.Fatalf("replica-1 acted while replica-2 holds the lease: %+v", n)
	}
	restarted, _ := core.NewScheduler(core.SchedulerConfig{Service: r.svc, Owner: "replica-2", Interval: time.Minute})
	r.clock.Advance(4 * 24 * time.Hour)
	if n, err := restarted.Tick(ctx); err != nil || n.ClosedWaiting != 1 {
		t.Fatalf("after a restart: %+v, %v", n, err)
	}
}
