package discord_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/adapters/discord/discordtest"
	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
)

// TestSLAAlertReachesTheStaffThread: once a ticket's first response is overdue, the SLA
// check's alert is posted into its staff notes thread (never the requester's private thread),
// pinging the staff role while nobody is assigned and the assignee once someone is, with
// allowed_mentions naming exactly that one; a second check posts nothing more.
func TestSLAAlertReachesTheStaffThread(t *testing.T) {
	// The store dates the tickets three hours back, so their first response is overdue now,
	// by the real clock the check and the outbox read.
	s := newStack(t, stackOptions{backend: backends()[0], storeClock: coretest.NewFakeClock(time.Now().Add(-3 * time.Hour))})
	s.setup()
	first, second := s.open(s.reporter, 1, "VPN is down"), s.open(s.stranger, 2, "Printer on fire")
	ctx := t.Context()
	admin := core.Actor{User: core.UserRef{ID: s.admin.ID}, Role: core.RoleAdmin, Workspace: s.ws()}
	st, err := s.svc.Settings(ctx, s.ws())
	if err != nil {
		t.Fatal(err)
	}
	st.SLA = core.SLAPolicy{core.PriorityHigh: {FirstResponse: time.Hour}}
	if err := s.svc.UpdateSettings(ctx, admin, st); err != nil {
		t.Fatal(err)
	}
	staff := core.Actor{User: core.UserRef{ID: s.staff.ID, Name: s.staff.Name}, Role: core.RoleStaff, Workspace: s.ws()}
	// Raising the priority computes the due times under the new policy.
	for _, tk := range []tkt{first, second} {
		if _, err := s.svc.SetPriority(ctx, staff, tk.ID, core.PriorityHigh); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.svc.Assign(ctx, staff, second.ID, staff.User); err != nil {
		t.Fatal(err)
	}
	first = s.waitTicket(1, "a staff thread", func(x tkt) bool { return x.Notes.ThreadID != "" })
	second = s.waitTicket(2, "a staff thread", func(x tkt) bool { return x.Notes.ThreadID != "" })
	s.settle()
	checker := core.SLAChecker{Store: s.store}
	later := time.Now()
	if due := *s.ticket(2).SLA.FirstDue; !later.After(due) {
		t.Fatalf("the first response is due at %v, not before now %v", due, later)
	}
	n, err := checker.Check(ctx, later)
	if err != nil || n != 2 {
		t.Fatalf("Check = %d, %v; want 2 alerts", n, err)
	}
	alertIn := func(thread string) discordtest.Message {
		var got discordtest.Message
		if !s.api.WaitUntil(wait, func() bool {
			for _, m := range s.api.MessagesIn(thread) {
				if strings.Contains(m.Content, "SLA breached: first response of #") {
					got = m
					return true
				}
			}
			return false
		}) {
			t.Fatalf("no SLA alert in thread %s:\n%s", thread, s.api.Dump())
		}
		return got
	}
	for _, tc := range []struct {
		name    string
		tk      tkt
		mention string
		allowed string
	}{
		{"unassigned pings the staff role", first, "<@&" + s.staffRole + ">", `"roles":["` + s.staffRole + `"]`},
		{"assigned pings the assignee", second, "<@" + s.staff.ID + ">", `"users":["` + s.staff.ID + `"]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := alertIn(tc.tk.Notes.ThreadID)
			if !strings.HasPrefix(m.Content, tc.mention+" SLA breached: first response of #"+itoa(tc.tk.Number)) {
				t.Errorf("alert = %q, want it to start with %s", m.Content, tc.mention)
			}
			if !strings.Contains(string(m.AllowedMentions), tc.allowed) {
				t.Errorf("allowed_mentions = %s, want %s", m.AllowedMentions, tc.allowed)
			}
			for _, pm := range s.api.MessagesIn(tc.tk.Thread.ThreadID) {
				if strings.Contains(pm.Content, "SLA") {
					t.Errorf("the requester's thread got the alert: %q", pm.Content)
				}
			}
		})
	}
	if n, err := checker.Check(ctx, later.Add(time.Minute)); err != nil || n != 0 {
		t.Errorf("second Check = %d, %v; want nothing more", n, err)
	}
	s.settle()
	for _, tk := range []tkt{first, second} {
		c := 0
		for _, m := range s.api.MessagesIn(tk.Notes.ThreadID) {
			if strings.Contains(m.Content, "SLA breached") {
				c++
			}
		}
		if c != 1 {
			t.Errorf("ticket #%d's staff thread has %d alerts, want 1", tk.Number, c)
		}
	}
}
