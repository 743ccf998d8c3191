package core_test

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/gormstore"
)

var wsD = core.Workspace{Platform: core.PlatformDiscord, ExternalID: "900000000000000001"}

// linkDiscordToSlack links wsD to wsA's channel CTRIAGE and returns a ticket of wsD opened
// after the link, with a triage place in wsA (as the Slack Notifier records it).
func linkDiscordToSlack(t *testing.T, svc *core.Service) (core.Ticket, core.Place) {
	t.Helper()
	ctx := context.Background()
	code, _, err := svc.NewLinkCode(ctx, actor(wsD, "D_ADMIN", core.RoleAdmin), "Gophers")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.LinkWith(ctx, actor(wsA, "U_ADMIN", core.RoleAdmin), code, "CTRIAGE"); err != nil {
		t.Fatal(err)
	}
	tk := mustOpen(t, svc, actor(wsD, "D_REQ", core.RoleRequester), "linked")
	p, err := svc.AddPlace(ctx, core.System(), core.Place{TicketID: tk.ID, Kind: core.PlaceTriage, Workspace: wsA, ChannelID: "CTRIAGE", ThreadID: "1.1"})
	if err != nil {
		t.Fatal(err)
	}
	return tk, p
}

func TestLinkedStaffActFromTheirWorkspaceOnly(t *testing.T) {
	eachBackend(t, func(t *testing.T, svc *core.Service, _ *gormstore.Store) {
		ctx := context.Background()
		tk, place := linkDiscordToSlack(t, svc)
		slackStaff := actor(wsA, "U_STAFF", core.RoleStaff)

		t.Run("staff of the linked workspace see and change the ticket, as staff", func(t *testing.T) {
			if _, err := svc.TicketByNumber(ctx, slackStaff, wsD, tk.Number); err != nil {
				t.Fatalf("TicketByNumber: %v", err)
			}
			got, err := svc.SetStatus(ctx, actor(wsA, "U_ADMIN", core.RoleAdmin), tk.ID, core.StatusWaiting, "")
			if err != nil || got.Status != core.StatusWaiting {
				t.Fatalf("SetStatus = %v, %v", got.Status, err)
			}
			if _, _, err := svc.AddMessage(ctx, slackStaff, tk.ID, core.MessageInput{ExternalID: "cmd-1", Content: "hi", Internal: true}); err != nil {
				t.Fatalf("a note by command: %v", err)
			}
			m, _, err := svc.AddMessage(ctx, slackStaff, tk.ID, core.MessageInput{ExternalID: "2.2", Content: "note: x", PlaceID: place.ID})
			if err != nil || !m.Internal {
				t.Fatalf("a note in the Slack thread = %+v, %v", m, err)
			}
		})
		t.Run("requesters of the linked workspace, other workspaces and admins' settings are refused", func(t *testing.T) {
			_, err := svc.TicketByNumber(ctx, actor(wsA, "U_REQ", core.RoleRequester), wsD, tk.Number)
			wantCode(t, err, core.ENotFound)
			_, err = svc.Ticket(ctx, actor(wsB, "U_B", core.RoleStaff), tk.ID)
			wantCode(t, err, core.ENotFound)
			err = svc.UpdateSettings(ctx, actor(wsA, "U_ADMIN", core.RoleAdmin), core.Settings{Workspace: wsD})
			wantCode(t, err, core.EForbidden)
		})
		t.Run("a ticket opened before the link has no place there and stays out of reach", func(t *testing.T) {
			old := mustOpen(t, svc, actor(wsD, "D_REQ", core.RoleRequester), "no card in Slack")
			_, err := svc.Ticket(ctx, slackStaff, old.ID)
			wantCode(t, err, core.ENotFound)
		})
		t.Run("after the unlink nothing is allowed from there", func(t *testing.T) {
			if _, err := svc.Unlink(ctx, actor(wsD, "D_ADMIN", core.RoleAdmin)); err != nil {
				t.Fatal(err)
			}
			_, err := svc.Ticket(ctx, slackStaff, tk.ID)
			wantCode(t, err, core.ENotFound)
			_, err = svc.SetStatus(ctx, slackStaff, tk.ID, core.StatusOpen, "")
			wantCode(t, err, core.ENotFound)
			_, _, err = svc.AddMessage(ctx, slackStaff, tk.ID, core.MessageInput{ExternalID: "3.3", Content: "late", PlaceID: place.ID})
			wantCode(t, err, core.ENotFound)
			h, err := svc.LinkHistory(ctx, actor(wsA, "U_ADMIN", core.RoleAdmin), 10)
			if err != nil || len(h) != 2 || h[0].Action != core.LinkUnlinked || h[1].Action != core.LinkLinked {
				t.Fatalf("LinkHistory = %+v, %v", h, err)
			}
		})
	})
}

func TestLinkingNeedsAdminsOnBothSides(t *testing.T) {
	eachBackend(t, func(t *testing.T, svc *core.Service, _ *gormstore.Store) {
		ctx := context.Background()
		_, _, err := svc.NewLinkCode(ctx, actor(wsD, "D_STAFF", core.RoleStaff), "x")
		wantCode(t, err, core.EForbidden)
		code, _, err := svc.NewLinkCode(ctx, actor(wsD, "D_ADMIN", core.RoleAdmin), "x")
		if err != nil {
			t.Fatal(err)
		}
		_, err = svc.LinkWith(ctx, actor(wsA, "U_STAFF", core.RoleStaff), code, "CTRIAGE")
		wantCode(t, err, core.EForbidden)
		_, err = svc.Unlink(ctx, actor(wsA, "U_ADMIN", core.RoleAdmin))
		wantCode(t, err, core.ENotFound)
		if _, err := svc.LinkWith(ctx, actor(wsA, "U_ADMIN", core.RoleAdmin), code, "CTRIAGE"); err != nil {
			t.Fatalf("the code refused to a non-admin must still work: %v", err)
		}
		_, err = svc.Unlink(ctx, actor(wsA, "U_STAFF", core.RoleStaff))
		wantCode(t, err, core.EForbidden)
	})
}

// A Notifier's chat call into the staffing workspace runs under WhileLinked only while the
// link lasts, and only for the workspace that staffs it.
func TestWhileLinkedRunsChatCallsOnlyWhileLinked(t *testing.T) {
	eachBackend(t, func(t *testing.T, svc *core.Service, _ *gormstore.Store) {
		ctx := context.Background()
		linkDiscordToSlack(t, svc)
		calls := 0
		call := func() error { calls++; return nil }
		if err := svc.WhileLinked(ctx, wsD, wsA, call); err != nil || calls != 1 {
			t.Fatalf("while linked: err %v, %d calls", err, calls)
		}
		if err := svc.WhileLinked(ctx, wsD, wsB, call); !errors.Is(err, core.ErrUnlinked) || calls != 1 {
			t.Fatalf("into another workspace: err %v, %d calls", err, calls)
		}
		if _, err := svc.Unlink(ctx, actor(wsD, "D_ADMIN", core.RoleAdmin)); err != nil {
			t.Fatal(err)
		}
		if err := svc.WhileLinked(ctx, wsD, wsA, call); !errors.Is(err, core.ErrUnlinked) || calls != 1 {
			t.Fatalf("after the unlink: err %v, %d calls", err, calls)
		}
	})
}

// An unlink waits for a chat call under way (so nothing reaches the unlinked side once it
// returns), but no longer than its own context: a hanging platform call neither fails the
// unlink nor keeps it past its deadline, and the link is gone either way.
func TestUnlinkWaitsForCallsUnderWayUntilItsDeadline(t *testing.T) {
	eachBackend(t, func(t *testing.T, svc *core.Service, _ *gormstore.Store) {
		ctx := context.Background()
		admin := actor(wsD, "D_ADMIN", core.RoleAdmin)
		for _, hang := range []bool{false, true} {
			linkDiscordToSlack(t, svc)
			var finished atomic.Bool // the call under way has returned
			inCall, release := make(chan struct{}), make(chan struct{})
			callDone := make(chan error, 1)
			go func() {
				callDone <- svc.WhileLinked(ctx, wsD, wsA, func() error {
					close(inCall)
					<-release
					finished.Store(true)
					return nil
				})
			}()
			<-inCall
			uctx, cancel := context.WithCancel(ctx)
			type result struct {
				err      error
				finished bool // whether the call had returned when Unlink did
			}
			unlinked := make(chan result, 1)
			go func() {
				_, err := svc.Unlink(uctx, admin)
				unlinked <- result{err, finished.Load()}
			}()
			// The delete commits first; the unlink then waits.
			for linked := true; linked; {
				_, ok, err := svc.LinkOf(ctx, wsD)
				if err != nil {
					t.Fatal(err)
				}
				linked = ok
				runtime.Gosched()
			}
			if hang {
				cancel() // the caller's deadline ends the wait; the unlink stands
				if r := <-unlinked; r.err != nil || r.finished {
					t.Fatalf("Unlink past its deadline = %+v, want nil before the call returned", r)
				}
				close(release)
			} else {
				close(release)
				if r := <-unlinked; r.err != nil || !r.finished {
					t.Fatalf("Unlink = %+v, want nil once the call under way had returned", r)
				}
			}
			cancel()
			if err := <-callDone; err != nil {
				t.Fatalf("hang=%v: the call under way: %v", hang, err)
			}
			if err := svc.WhileLinked(ctx, wsD, wsA, func() error { return nil }); !errors.Is(err, core.ErrUnlinked) {
				t.Fatalf("hang=%v: a call after the unlink: %v, want ErrUnlinked", hang, err)
			}
		}
	})
}
