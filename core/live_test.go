package core_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
	"github.com/ticketbot/ticketbot/core/memstate"
)

// downPubSub is a Redis that is away; it counts the attempts to subscribe.
type downPubSub struct{ tries atomic.Int64 }

func (*downPubSub) Publish(context.Context, string, []byte) error {
	return &core.Error{Code: core.EUnavailable, Message: "down"}
}

func (d *downPubSub) Subscribe(context.Context, string) (core.Subscription, error) {
	d.tries.Add(1)
	return nil, errors.New("down")
}

// Publishing never blocks a change: without Run the queue fills and further events are
// dropped and counted; with a PubSub that is away every event is dropped and counted.
func TestLivePublishNeverBlocks(t *testing.T) {
	down := &downPubSub{}
	logs := &coretest.LogBuffer{}
	l := core.NewLive(core.LiveConfig{PubSub: down, Log: slog.New(slog.NewTextHandler(logs, nil))})
	done := make(chan struct{})
	go func() {
		for i := range 2000 {
			l.Publish(core.LiveEvent{TicketID: int64(i)})
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Publish blocked")
	}
	if got := l.Dropped(); got != 2000-1024 {
		t.Fatalf("Dropped = %d, want the %d that did not fit the queue", got, 2000-1024)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go l.Run(ctx)
	coretest.Eventually(t, 5*time.Second, "2000 dropped publishes (every publish failed)",
		func() bool { return l.Dropped() >= 2000 })
	// Run tries again after a second, and logs the outage once.
	coretest.Eventually(t, 5*time.Second, "a second subscribe", func() bool { return down.tries.Load() >= 2 })
	if n := strings.Count(logs.String(), "cannot subscribe"); n != 1 {
		t.Errorf("the outage was logged %d times, want once:\n%s", n, logs.String())
	}
	if l.Up() {
		t.Error("Up while nothing is subscribed")
	}
	var nilLive *core.Live
	nilLive.Publish(core.LiveEvent{TicketID: 1}) // a Service without Live
}

// Every committed change of a ticket is published once, by id, after the commit; a change
// that fails publishes nothing; internal notes are marked so requesters never hear of them.
func TestServicePublishesEveryChange(t *testing.T) {
	st := openStore(t, "sqlite://"+t.TempDir()+"/t.db")
	ps := memstate.NewPubSub()
	live := core.NewLive(core.LiveConfig{PubSub: ps})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go live.Run(ctx)
	<-live.Ready()
	m := memstate.New(nil)
	defer m.Close()
	svc := core.NewService(core.ServiceConfig{Store: st, State: m, Limiter: m, Live: live})
	staffAll := core.Actor{User: core.UserRef{ID: "web:sam"}, Role: core.RoleStaff}
	all, stopAll := live.Listen(staffAll, 0)
	defer stopAll()
	reporter := actor(wsA, "U1", core.RoleRequester)
	mine, stopMine := live.Listen(reporter, 0)
	defer stopMine()
	next := func(ch <-chan core.LiveEvent, what string) core.LiveEvent {
		t.Helper()
		select {
		case ev := <-ch:
			return ev
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: nothing published", what)
		}
		return core.LiveEvent{}
	}

	tk := mustOpen(t, svc, reporter, "Printer jam")
	if ev := next(all, "open"); ev.TicketID != tk.ID || ev.Workspace != wsA || ev.Reporter != "U1" {
		t.Fatalf("open published %+v", ev)
	}
	next(mine, "open (reporter)")
	high := core.PriorityHigh
	if _, err := svc.UpdateTicket(t.Context(), staffAll, tk.ID, core.TicketUpdate{Priority: &high}); err != nil {
		t.Fatal(err)
	}
	// The same priority again changes nothing: nothing is published.
	if _, err := svc.UpdateTicket(t.Context(), staffAll, tk.ID, core.TicketUpdate{Priority: &high}); err != nil && !core.IsCode(err, core.EConflict) {
		t.Fatal(err)
	}
	if _, _, err := svc.AddMessage(t.Context(), staffAll, tk.ID, core.MessageInput{ExternalID: "n1", Content: "internal", Internal: true}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.AddMessage(t.Context(), staffAll, tk.ID, core.MessageInput{ExternalID: "r1", Content: "public"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.EditMessage(t.Context(), staffAll, tk.ID, "r1", "public, edited", false); err != nil {
		t.Fatal(err)
	}
	want := []bool{false, true, false, false} // update, note, reply, edit: internal?
	for i, internal := range want {
		if ev := next(all, "change"); ev.TicketID != tk.ID || ev.Internal != internal {
			t.Fatalf("change %d published %+v, want internal=%v", i, ev, internal)
		}
	}
	for _, what := range []string{"update", "reply", "edit"} { // never the note
		if ev := next(mine, what+" (reporter)"); ev.Internal {
			t.Fatalf("the reporter heard of an internal note: %+v", ev)
		}
	}
	select {
	case ev := <-all:
		t.Fatalf("an extra event %+v (the failed change?)", ev)
	case ev := <-mine:
		t.Fatalf("the reporter got an extra event %+v", ev)
	default:
	}
}

// Staff of a Slack workspace linked to a Discord server staff the server's tickets that
// have a place in their workspace (staffFrom): they hear of those tickets' changes, internal
// notes included; requesters there, staff of other workspaces and the server's tickets
// without a place there stay silent, and after the unlink nothing more arrives.
func TestLinkedStaffHearOfTheirLinkedTickets(t *testing.T) {
	st := openStore(t, "sqlite://"+t.TempDir()+"/t.db")
	live := core.NewLive(core.LiveConfig{PubSub: memstate.NewPubSub()})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go live.Run(ctx)
	<-live.Ready()
	m := memstate.New(nil)
	defer m.Close()
	svc := core.NewService(core.ServiceConfig{Store: st, State: m, Limiter: m, Live: live})
	tk, _ := linkDiscordToSlack(t, svc)
	unplaced := mustOpen(t, svc, actor(wsD, "D_REQ", core.RoleRequester), "no card in Slack")

	linked, stopLinked := live.Listen(actor(wsA, "U_STAFF", core.RoleStaff), 0)
	defer stopLinked()
	page, stopPage := live.Listen(actor(wsA, "U_STAFF", core.RoleStaff), tk.ID) // the ticket's page
	defer stopPage()
	silent := map[string]core.Actor{
		"a requester of the linked workspace": actor(wsA, "D_REQ", core.RoleRequester),
		"staff of another workspace":          actor(wsB, "U_B", core.RoleStaff),
	}
	quiet := map[string]<-chan core.LiveEvent{}
	for name, a := range silent {
		ch, stop := live.Listen(a, 0)
		defer stop()
		quiet[name] = ch
	}
	next := func(ch <-chan core.LiveEvent, what string) core.LiveEvent {
		t.Helper()
		select {
		case ev := <-ch:
			return ev
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: nothing arrived", what)
		}
		return core.LiveEvent{}
	}
	discordStaff := actor(wsD, "D_STAFF", core.RoleStaff)
	if _, _, err := svc.AddMessage(t.Context(), discordStaff, unplaced.ID, core.MessageInput{ExternalID: "u1", Content: "hidden"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.AddMessage(t.Context(), discordStaff, tk.ID, core.MessageInput{ExternalID: "n1", Content: "a note", Internal: true}); err != nil {
		t.Fatal(err)
	}
	for what, ch := range map[string]<-chan core.LiveEvent{"dashboard": linked, "ticket page": page} {
		if ev := next(ch, what); ev.TicketID != tk.ID || !ev.Internal || ev.StaffWorkspace != wsA {
			t.Fatalf("%s heard %+v, want the note on ticket %d staffed in %v (not ticket %d)", what, ev, tk.ID, wsA, unplaced.ID)
		}
	}
	if _, err := svc.Unlink(t.Context(), actor(wsD, "D_ADMIN", core.RoleAdmin)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.AddMessage(t.Context(), discordStaff, tk.ID, core.MessageInput{ExternalID: "r1", Content: "after the unlink"}); err != nil {
		t.Fatal(err)
	}
	// A listener of everything proves the last change was delivered before the silence is checked.
	all, stopAll := live.Listen(core.Actor{User: core.UserRef{ID: "web:sam"}, Role: core.RoleStaff}, 0)
	defer stopAll()
	if _, _, err := svc.AddMessage(t.Context(), discordStaff, tk.ID, core.MessageInput{ExternalID: "r2", Content: "marker"}); err != nil {
		t.Fatal(err)
	}
	next(all, "marker")
	for what, ch := range map[string]<-chan core.LiveEvent{"dashboard after the unlink": linked, "ticket page after the unlink": page} {
		select {
		case ev := <-ch:
			t.Errorf("%s heard %+v", what, ev)
		default:
		}
	}
	for name, ch := range quiet {
		select {
		case ev := <-ch:
			t.Errorf("%s heard %+v", name, ev)
		default:
		}
	}
}
