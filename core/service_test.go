package core_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/gormstore"
)

func TestOpenTicketValidation(t *testing.T) {
	eachBackend(t, func(t *testing.T, svc *core.Service, _ *gormstore.Store) {
		alice := actor(wsA, "U1", core.RoleRequester)
		tests := []struct {
			name      string
			in        core.OpenInput
			wantCode  string
			wantField string
			check     func(t *testing.T, tk core.Ticket)
		}{
			{name: "empty title is refused", in: core.OpenInput{Title: "  "}, wantCode: core.EInvalid, wantField: "title"},
			{name: "title over 120 runes is refused", in: core.OpenInput{Title: strings.Repeat("é", 121)}, wantCode: core.EInvalid, wantField: "title"},
			{name: "description over 4000 runes is refused", in: core.OpenInput{Title: "x", Description: strings.Repeat("d", 4001)}, wantCode: core.EInvalid, wantField: "description"},
			{name: "unknown priority is refused", in: core.OpenInput{Title: "x", Priority: "asap"}, wantCode: core.EInvalid, wantField: "priority"},
			{name: "title of 120 multibyte runes is accepted", in: core.OpenInput{Title: strings.Repeat("é", 120)}, check: func(t *testing.T, tk core.Ticket) {
				if len([]rune(tk.Title)) != 120 {
					t.Fatalf("title has %d runes", len([]rune(tk.Title)))
				}
			}},
			{name: "title is trimmed and priority defaults to normal", in: core.OpenInput{Title: "  VPN down \n", Description: " d "}, check: func(t *testing.T, tk core.Ticket) {
				if tk.Title != "VPN down" || tk.Description != "d" || tk.Priority != core.PriorityNormal || tk.Status != core.StatusOpen {
					t.Fatalf("ticket = %+v", tk)
				}
				if tk.Reporter.ID != "U1" || tk.Workspace != wsA {
					t.Fatalf("reporter/workspace = %+v %v", tk.Reporter, tk.Workspace)
				}
			}},
			{name: "priority is parsed case-insensitively", in: core.OpenInput{Title: "x", Priority: "URGENT"}, check: func(t *testing.T, tk core.Ticket) {
				if tk.Priority != core.PriorityUrgent {
					t.Fatalf("priority = %q", tk.Priority)
				}
			}},
			{name: "another workspace is refused", in: core.OpenInput{Title: "x", Workspace: wsB}, wantCode: core.EForbidden},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tk, err := svc.OpenTicket(context.Background(), alice, tt.in)
				if tt.wantCode != "" {
					wantCode(t, err, tt.wantCode)
					if core.ErrorField(err) != tt.wantField {
						t.Fatalf("field = %q, want %q", core.ErrorField(err), tt.wantField)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				tt.check(t, tk)
			})
		}
	})
}

func TestNumbersCountPerWorkspace(t *testing.T) {
	eachBackend(t, func(t *testing.T, svc *core.Service, _ *gormstore.Store) {
		a, b := actor(wsA, "U1", core.RoleRequester), actor(wsB, "U1", core.RoleRequester)
		got := []int64{mustOpen(t, svc, a, "1").Number, mustOpen(t, svc, b, "1").Number, mustOpen(t, svc, a, "2").Number}
		if got[0] != 1 || got[1] != 1 || got[2] != 2 {
			t.Fatalf("numbers = %v, want [1 1 2]", got)
		}
	})
}

func TestWorkspacesNeverSeeEachOther(t *testing.T) {
	eachBackend(t, func(t *testing.T, svc *core.Service, _ *gormstore.Store) {
		ctx := context.Background()
		tk := mustOpen(t, svc, actor(wsA, "U1", core.RoleRequester), "secret of A")
		strangerAdmin := actor(wsB, "U9", core.RoleAdmin)
		if _, err := svc.Ticket(ctx, strangerAdmin, tk.ID); !core.IsCode(err, core.ENotFound) {
			t.Fatalf("by id: %v", err)
		}
		if _, err := svc.TicketByNumber(ctx, strangerAdmin, wsB, tk.Number); !core.IsCode(err, core.ENotFound) {
			t.Fatalf("by number: %v", err)
		}
		if _, err := svc.TicketByNumber(ctx, strangerAdmin, wsA, tk.Number); !core.IsCode(err, core.ENotFound) {
			t.Fatalf("by number in the other workspace: %v", err)
		}
		if _, err := svc.Close(ctx, strangerAdmin, tk.ID, ""); !core.IsCode(err, core.ENotFound) {
			t.Fatalf("close: %v", err)
		}
		if _, _, err := svc.AddMessage(ctx, strangerAdmin, tk.ID, core.MessageInput{ExternalID: "m", Content: "hi"}); !core.IsCode(err, core.ENotFound) {
			t.Fatalf("message: %v", err)
		}
		list, err := svc.ListTickets(ctx, strangerAdmin, core.ListFilter{})
		if err != nil || len(list) != 0 {
			t.Fatalf("list = %v, %v", list, err)
		}
		if _, err := svc.ListTickets(ctx, strangerAdmin, core.ListFilter{Workspace: wsA}); !core.IsCode(err, core.EForbidden) {
			t.Fatalf("list of A from B: %v", err)
		}
		// An unbound (dashboard) staff actor sees both workspaces.
		all, err := svc.ListTickets(ctx, core.Actor{User: core.UserRef{ID: "web:x"}, Role: core.RoleStaff}, core.ListFilter{})
		if err != nil || len(all) != 1 {
			t.Fatalf("dashboard list = %v, %v", all, err)
		}
	})
}

func TestPermissions(t *testing.T) {
	eachBackend(t, func(t *testing.T, svc *core.Service, _ *gormstore.Store) {
		ctx := context.Background()
		reporter := actor(wsA, "U1", core.RoleRequester)
		stranger := actor(wsA, "U2", core.RoleRequester)
		staff := actor(wsA, "S1", core.RoleStaff)
		admin := actor(wsA, "A1", core.RoleAdmin)
		tests := []struct {
			name string
			do   func(tk core.Ticket) error
			want string
		}{
			{"stranger cannot see the ticket", func(tk core.Ticket) error { _, err := svc.Ticket(ctx, stranger, tk.ID); return err }, core.ENotFound},
			{"stranger cannot close the ticket", func(tk core.Ticket) error { _, err := svc.Close(ctx, stranger, tk.ID, ""); return err }, core.ENotFound},
			{"reporter can see the ticket", func(tk core.Ticket) error { _, err := svc.Ticket(ctx, reporter, tk.ID); return err }, ""},
			{"reporter can close their ticket", func(tk core.Ticket) error { _, err := svc.Close(ctx, reporter, tk.ID, "fixed"); return err }, ""},
			{"reporter can reopen their closed ticket", func(tk core.Ticket) error {
				if _, err := svc.Close(ctx, reporter, tk.ID, ""); err != nil {
					return err
				}
				_, err := svc.Reopen(ctx, reporter, tk.ID, "")
				return err
			}, ""},
			{"reporter cannot set in progress", func(tk core.Ticket) error {
				_, err := svc.SetStatus(ctx, reporter, tk.ID, core.StatusInProgress, "")
				return err
			}, core.EForbidden},
			{"reporter cannot claim", func(tk core.Ticket) error { _, err := svc.Claim(ctx, reporter, tk.ID); return err }, core.EForbidden},
			{"reporter cannot change priority", func(tk core.Ticket) error {
				_, err := svc.SetPriority(ctx, reporter, tk.ID, core.PriorityHigh)
				return err
			}, core.EForbidden},
			{"staff can claim", func(tk core.Ticket) error { _, err := svc.Claim(ctx, staff, tk.ID); return err }, ""},
			{"staff can assign someone", func(tk core.Ticket) error {
				_, err := svc.Assign(ctx, staff, tk.ID, core.UserRef{ID: "S2"})
				return err
			}, ""},
			{"staff can set any status", func(tk core.Ticket) error {
				_, err := svc.SetStatus(ctx, staff, tk.ID, core.StatusWaiting, "asked for logs")
				return err
			}, ""},
			{"staff cannot change settings", func(core.Ticket) error {
				return svc.UpdateSettings(ctx, staff, core.Settings{Workspace: wsA, TriageChannel: "C1"})
			}, core.EForbidden},
			{"admin can change settings", func(core.Ticket) error {
				return svc.UpdateSettings(ctx, admin, core.Settings{Workspace: wsA, TriageChannel: "C1"})
			}, ""},
			{"admin cannot change another workspace's settings", func(core.Ticket) error {
				return svc.UpdateSettings(ctx, admin, core.Settings{Workspace: wsB, TriageChannel: "C1"})
			}, core.EForbidden},
			{"anyone who can write in one of the ticket's places is part of the conversation", func(tk core.Ticket) error {
				p := addPlace(t, svc, tk, core.PlaceRequestThread, wsA)
				_, _, err := svc.AddMessage(ctx, stranger, tk.ID, core.MessageInput{ExternalID: "t1", Content: "same here", Source: "slack", PlaceID: p.ID})
				return err
			}, ""},
			{"a place message from another workspace is refused", func(tk core.Ticket) error {
				p := addPlace(t, svc, tk, core.PlaceRequestThread, wsA)
				_, _, err := svc.AddMessage(ctx, actor(wsB, "U2", core.RoleAdmin), tk.ID, core.MessageInput{ExternalID: "t2", Content: "hi", PlaceID: p.ID})
				return err
			}, core.ENotFound},
			{"a message naming a place of another ticket is refused", func(tk core.Ticket) error {
				other := mustOpen(t, svc, reporter, "other")
				p := addPlace(t, svc, other, core.PlaceRequestThread, wsA)
				_, _, err := svc.AddMessage(ctx, stranger, tk.ID, core.MessageInput{ExternalID: "t3", Content: "hi", PlaceID: p.ID})
				return err
			}, core.ENotFound},
			{"a requester cannot write an internal note", func(tk core.Ticket) error {
				_, _, err := svc.AddMessage(ctx, reporter, tk.ID, core.MessageInput{ExternalID: "n", Content: "hi", Internal: true})
				return err
			}, core.EForbidden},
			{"stranger cannot write to the ticket from outside its thread", func(tk core.Ticket) error {
				_, _, err := svc.AddMessage(ctx, stranger, tk.ID, core.MessageInput{ExternalID: "x", Content: "hi", Deliver: true})
				return err
			}, core.ENotFound},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tk := mustOpen(t, svc, reporter, tt.name)
				wantCode(t, tt.do(tk), tt.want)
			})
		}
	})
}

func TestStatusTransitions(t *testing.T) {
	eachBackend(t, func(t *testing.T, svc *core.Service, _ *gormstore.Store) {
		ctx := context.Background()
		staff := actor(wsA, "S1", core.RoleStaff)
		tests := []struct {
			path []core.Status
			want string // code of the last step
		}{
			{[]core.Status{core.StatusInProgress}, ""},
			{[]core.Status{core.StatusWaiting, core.StatusInProgress, core.StatusResolved}, ""},
			{[]core.Status{core.StatusOpen}, core.EConflict},
			{[]core.Status{core.StatusClosed, core.StatusClosed}, core.EConflict},
			{[]core.Status{core.StatusClosed, core.StatusInProgress}, core.EConflict},
			{[]core.Status{core.StatusResolved, core.StatusWaiting}, core.EConflict},
			{[]core.Status{core.StatusResolved, core.StatusClosed}, ""},
			{[]core.Status{core.StatusResolved, core.StatusOpen}, ""},
			{[]core.Status{core.StatusClosed, core.StatusOpen}, ""},
			{[]core.Status{core.StatusWaiting, core.StatusClosed}, ""},
			{[]core.Status{"bogus"}, core.EInvalid},
		}
		for _, tt := range tests {
			name := "open"
			for _, s := range tt.path {
				name += " to " + string(s)
			}
			t.Run(name, func(t *testing.T) {
				tk := mustOpen(t, svc, staff, name)
				var err error
				for _, s := range tt.path {
					tk2, e := svc.SetStatus(ctx, staff, tk.ID, s, "note "+string(s))
					err = e
					if e == nil && tk2.Status != s {
						t.Fatalf("status = %s, want %s", tk2.Status, s)
					}
				}
				wantCode(t, err, tt.want)
			})
		}
	})
}

func TestHistoryRecordsEveryChange(t *testing.T) {
	eachBackend(t, func(t *testing.T, svc *core.Service, _ *gormstore.Store) {
		ctx := context.Background()
		staff := actor(wsA, "S1", core.RoleStaff)
		tk := mustOpen(t, svc, actor(wsA, "U1", core.RoleRequester), "printer")
		steps := []func() error{
			func() error { _, err := svc.Claim(ctx, staff, tk.ID); return err },
			func() error { _, err := svc.SetPriority(ctx, staff, tk.ID, core.PriorityHigh); return err },
			func() error { _, err := svc.Close(ctx, staff, tk.ID, "replaced toner"); return err },
		}
		for _, s := range steps {
			if err := s(); err != nil {
				t.Fatal(err)
			}
		}
		h, err := svc.History(ctx, staff, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := []core.Change{
			{Field: "created"},
			{Actor: staff.User, Field: "assignee", From: "", To: "S1"},
			{Actor: staff.User, Field: "priority", From: "normal", To: "high"},
			{Actor: staff.User, Field: "status", From: "open", To: "closed", Note: "replaced toner"},
			{Actor: core.System().User, Field: "csat", To: "asked"}, // the close asks for a rating
		}
		if len(h) != len(want) {
			t.Fatalf("history = %+v", h)
		}
		for i, w := range want[1:] {
			g := h[i+1]
			if g.Actor.ID != w.Actor.ID || g.Field != w.Field || g.From != w.From || g.To != w.To || g.Note != w.Note || g.At.IsZero() {
				t.Errorf("change %d = %+v, want %+v", i+1, g, w)
			}
		}
		got, _ := svc.Ticket(ctx, staff, tk.ID)
		if got.StatusNote != "replaced toner" {
			t.Errorf("close reason not kept: %q", got.StatusNote)
		}
	})
}

func TestAddMessageIsIdempotent(t *testing.T) {
	eachBackend(t, func(t *testing.T, svc *core.Service, _ *gormstore.Store) {
		ctx := context.Background()
		reporter := actor(wsA, "U1", core.RoleRequester)
		tk := mustOpen(t, svc, reporter, "wifi")
		first, created, err := svc.AddMessage(ctx, reporter, tk.ID, core.MessageInput{ExternalID: "1700000000.000100", Content: "still broken", Source: "slack"})
		if err != nil || !created {
			t.Fatalf("first add: %v created=%v", err, created)
		}
		again, created, err := svc.AddMessage(ctx, reporter, tk.ID, core.MessageInput{ExternalID: "1700000000.000100", Content: "retried delivery", Source: "slack"})
		if err != nil || created || again.ID != first.ID || again.Content != "still broken" {
			t.Fatalf("second add: %+v created=%v err=%v", again, created, err)
		}
		msgs, _ := svc.Messages(ctx, reporter, tk.ID)
		if len(msgs) != 1 {
			t.Fatalf("messages = %d, want 1", len(msgs))
		}
		if _, _, err := svc.AddMessage(ctx, reporter, tk.ID, core.MessageInput{ExternalID: "2", Content: "  "}); !core.IsCode(err, core.EInvalid) {
			t.Fatalf("empty message: %v", err)
		}
		if _, err := svc.EditMessage(ctx, actor(wsA, "U9", core.RoleStaff), tk.ID, "1700000000.000100", "not mine", false); !core.IsCode(err, core.EForbidden) {
			t.Fatalf("edit by someone else: %v, want forbidden", err)
		}
		edited, err := svc.EditMessage(ctx, reporter, tk.ID, "1700000000.000100", "fixed now", false)
		if err != nil || edited.Content != "fixed now" || !edited.Edited {
			t.Fatalf("edit: %+v %v", edited, err)
		}
	})
}

// addPlace records a place of kind for tk, as a Notifier would.
func addPlace(t *testing.T, svc *core.Service, tk core.Ticket, kind core.PlaceKind, ws core.Workspace) core.Place {
	t.Helper()
	p, err := svc.AddPlace(t.Context(), core.System(), core.Place{TicketID: tk.ID, Kind: kind, Workspace: ws,
		ChannelID: "C1", ThreadID: fmt.Sprintf("%d.%s", tk.ID, kind)})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPlaceForThread(t *testing.T) {
	eachBackend(t, func(t *testing.T, svc *core.Service, _ *gormstore.Store) {
		ctx := context.Background()
		tk := mustOpen(t, svc, actor(wsA, "U1", core.RoleRequester), "thread me")
		// A lookup before the card exists caches "not a ticket"; adding the place must clear it.
		if _, _, err := svc.PlaceForThread(ctx, wsA, "C1", "111.222"); !core.IsCode(err, core.ENotFound) {
			t.Fatalf("before the place: %v", err)
		}
		if _, err := svc.AddPlace(ctx, actor(wsA, "A1", core.RoleAdmin), core.Place{TicketID: tk.ID}); !core.IsCode(err, core.EForbidden) {
			t.Fatalf("a workspace admin recorded a place: %v", err)
		}
		p, err := svc.AddPlace(ctx, core.System(), core.Place{TicketID: tk.ID, Kind: core.PlaceTriage, Workspace: wsA, ChannelID: "C1", ThreadID: "111.222", CardID: "111.222"})
		if err != nil {
			t.Fatal(err)
		}
		for range 2 { // second time from the cache
			got, gp, err := svc.PlaceForThread(ctx, wsA, "C1", "111.222")
			if err != nil || got.ID != tk.ID || gp.ID != p.ID || gp.CardID != "111.222" {
				t.Fatalf("after the place: %+v %+v %v", got, gp, err)
			}
		}
		if _, _, err := svc.PlaceForThread(ctx, wsB, "C1", "111.222"); !core.IsCode(err, core.ENotFound) {
			t.Fatalf("other workspace: %v", err)
		}
	})
}

func TestListTickets(t *testing.T) {
	eachBackend(t, func(t *testing.T, svc *core.Service, _ *gormstore.Store) {
		ctx := context.Background()
		u1, u2 := actor(wsA, "U1", core.RoleRequester), actor(wsA, "U2", core.RoleRequester)
		staff := actor(wsA, "S1", core.RoleStaff)
		mustOpen(t, svc, u1, "VPN down")
		mustOpen(t, svc, u2, "Printer jam")
		t3 := mustOpen(t, svc, u1, "vpn slow")
		if _, err := svc.Close(ctx, u1, t3.ID, ""); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name  string
			actor core.Actor
			f     core.ListFilter
			want  []string
		}{
			{"requester sees only their own", u1, core.ListFilter{}, []string{"vpn slow", "VPN down"}},
			{"requester cannot widen to others", u1, core.ListFilter{Reporter: "U2"}, []string{"vpn slow", "VPN down"}},
			{"staff see all", staff, core.ListFilter{}, []string{"vpn slow", "Printer jam", "VPN down"}},
			{"status filter", staff, core.ListFilter{Statuses: []core.Status{core.StatusOpen}}, []string{"Printer jam", "VPN down"}},
			{"query is case-insensitive", staff, core.ListFilter{Query: "vpn"}, []string{"vpn slow", "VPN down"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := svc.ListTickets(ctx, tt.actor, tt.f)
				if err != nil {
					t.Fatal(err)
				}
				var titles []string
				for _, tk := range got {
					titles = append(titles, tk.Title)
				}
				if strings.Join(titles, "|") != strings.Join(tt.want, "|") {
					t.Fatalf("titles = %q, want %q", titles, tt.want)
				}
			})
		}
	})
}
