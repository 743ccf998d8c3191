package core_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// TestRatings: a close asks for a rating once per ticket; the reporter rates a closed ticket;
// a second rating replaces the first within 24 hours only; nobody else rates; with csat off
// nobody is asked.
func TestRatings(t *testing.T) {
	ctx := context.Background()
	r := newTimerRig(t, "sqlite://"+t.TempDir()+"/t.db", "r")
	staff := actor(wsA, "S1", core.RoleStaff)
	reporter := actor(wsA, "U1", core.RoleRequester)
	tk := mustOpen(t, r.svc, reporter, "rate me")
	_, err := r.svc.Rate(ctx, reporter, tk.ID, 4, "")
	wantCode(t, err, core.EConflict) // not closed yet
	for _, s := range []core.Status{core.StatusClosed, core.StatusOpen, core.StatusClosed} {
		if _, err := r.svc.SetStatus(ctx, staff, tk.ID, s, ""); err != nil {
			t.Fatal(err)
		}
	}
	if got := changesOf(t, r, tk.ID, "csat"); len(got) != 1 {
		t.Fatalf("closed twice, asked %d times, want once", len(got))
	}
	if got := r.ticket(t, tk.ID); got.CSATAskedAt == nil {
		t.Fatal("CSATAskedAt not set")
	}
	_, err = r.svc.Rate(ctx, staff, tk.ID, 5, "")
	wantCode(t, err, core.EForbidden)
	_, err = r.svc.Rate(ctx, reporter, tk.ID, 6, "")
	wantCode(t, err, core.EInvalid)
	if _, err := r.svc.Rate(ctx, reporter, tk.ID, 2, "slow"); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(23 * time.Hour)
	if _, err := r.svc.Rate(ctx, reporter, tk.ID, 4, "fine after all"); err != nil {
		t.Fatalf("a second rating within 24h: %v", err)
	}
	got, err := r.svc.Rating(ctx, staff, tk.ID)
	if err != nil || got.Score != 4 || got.Comment != "fine after all" {
		t.Fatalf("rating = %+v, %v", got, err)
	}
	if tk := r.ticket(t, tk.ID); tk.Rating != 4 {
		t.Errorf("ticket rating = %d", tk.Rating)
	}
	r.clock.Advance(2 * time.Hour)
	_, err = r.svc.Rate(ctx, reporter, tk.ID, 1, "")
	wantCode(t, err, core.EConflict)

	if err := r.svc.UpdateSettings(ctx, actor(wsA, "A1", core.RoleAdmin), core.Settings{Workspace: wsA, TriageChannel: "C1", CSATOff: true}); err != nil {
		t.Fatal(err)
	}
	quiet := mustOpen(t, r.svc, reporter, "no survey")
	if _, err := r.svc.Close(ctx, staff, quiet.ID, ""); err != nil {
		t.Fatal(err)
	}
	if got := changesOf(t, r, quiet.ID, "csat"); len(got) != 0 {
		t.Errorf("csat off, still asked: %+v", got)
	}
	_, err = r.svc.Rate(ctx, reporter, quiet.ID, 5, "")
	wantCode(t, err, core.EForbidden)
}

// TestRequesterReplyReopens is the reopen rule as a table: a requester's message brings a
// waiting or resolved ticket back to open; staff messages and other statuses stay.
func TestRequesterReplyReopens(t *testing.T) {
	ctx := context.Background()
	r := newTimerRig(t, "sqlite://"+t.TempDir()+"/t.db", "r")
	staff := actor(wsA, "S1", core.RoleStaff)
	reporter := actor(wsA, "U1", core.RoleRequester)
	for i, tc := range []struct {
		from     core.Status
		by       core.Actor
		internal bool
		want     core.Status
	}{
		{core.StatusWaiting, reporter, false, core.StatusOpen},
		{core.StatusResolved, reporter, false, core.StatusOpen},
		{core.StatusInProgress, reporter, false, core.StatusInProgress},
		{core.StatusClosed, reporter, false, core.StatusClosed},
		{core.StatusWaiting, staff, false, core.StatusWaiting},
		{core.StatusWaiting, staff, true, core.StatusWaiting},
	} {
		tk := mustOpen(t, r.svc, reporter, "t")
		if _, err := r.svc.SetStatus(ctx, staff, tk.ID, tc.from, ""); err != nil {
			t.Fatal(err)
		}
		_, _, err := r.svc.AddMessage(ctx, tc.by, tk.ID, core.MessageInput{ExternalID: "m", Content: "hello", Internal: tc.internal, Source: "web"})
		if err != nil && tc.from != core.StatusClosed {
			t.Fatal(err)
		}
		if got := r.ticket(t, tk.ID).Status; got != tc.want {
			t.Errorf("%d: %s ticket, message by %s (internal %v): %s, want %s", i, tc.from, tc.by.Role, tc.internal, got, tc.want)
		}
	}
}

// TestSavedReplies: admins manage them, staff send them as public replies, unknown names
// list the known ones.
func TestSavedReplies(t *testing.T) {
	ctx := context.Background()
	r := newTimerRig(t, "sqlite://"+t.TempDir()+"/t.db", "r")
	admin := actor(wsA, "A1", core.RoleAdmin)
	staff := actor(wsA, "S1", core.RoleStaff)
	_, err := r.svc.CreateSavedReply(ctx, staff, core.SavedReply{Workspace: wsA, Name: "vpn", Content: "x"})
	wantCode(t, err, core.EForbidden)
	_, err = r.svc.CreateSavedReply(ctx, admin, core.SavedReply{Workspace: wsA, Name: "no spaces", Content: "x"})
	if core.ErrorField(err) != "name" {
		t.Fatalf("bad name: %v", err)
	}
	vpn, err := r.svc.CreateSavedReply(ctx, admin, core.SavedReply{Workspace: wsA, Name: "VPN", Content: "Restart the VPN client."})
	if err != nil || vpn.Name != "vpn" {
		t.Fatalf("create = %+v, %v", vpn, err)
	}
	if _, err := r.svc.CreateSavedReply(ctx, admin, core.SavedReply{Workspace: wsA, Name: "thanks", Content: "Thanks!"}); err != nil {
		t.Fatal(err)
	}
	tk := mustOpen(t, r.svc, actor(wsA, "U1", core.RoleRequester), "vpn down")
	m, _, err := r.svc.SendSavedReply(ctx, staff, tk.ID, "!vpn", core.MessageInput{ExternalID: "s1", Source: "slack", Internal: true})
	if err != nil {
		t.Fatal(err)
	}
	if m.Internal || m.Content != "Restart the VPN client." || m.Author.ID != "S1" {
		t.Errorf("sent = %+v, want a public reply by S1", m)
	}
	_, _, err = r.svc.SendSavedReply(ctx, staff, tk.ID, "nope", core.MessageInput{ExternalID: "s2", Source: "slack"})
	wantCode(t, err, core.ENotFound)
	if msg := core.ErrorMessage(err); !strings.Contains(msg, "!thanks, !vpn") {
		t.Errorf("unknown name message = %q", msg)
	}
	_, _, err = r.svc.SendSavedReply(ctx, actor(wsA, "U1", core.RoleRequester), tk.ID, "vpn", core.MessageInput{ExternalID: "s3"})
	wantCode(t, err, core.EForbidden)
	_, err = r.svc.SavedReply(ctx, actor(wsB, "S2", core.RoleStaff), wsA, vpn.ID)
	wantCode(t, err, core.EForbidden)
	name := "vpn-restart"
	if _, err := r.svc.UpdateSavedReply(ctx, admin, wsA, vpn.ID, &name, nil); err != nil {
		t.Fatal(err)
	}
	if err := r.svc.DeleteSavedReply(ctx, admin, wsA, vpn.ID); err != nil {
		t.Fatal(err)
	}
	list, _ := r.svc.SavedReplies(ctx, staff, wsA)
	if len(list) != 1 || list[0].Name != "thanks" {
		t.Errorf("list = %+v", list)
	}
}
