package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
	"github.com/ticketbot/ticketbot/core/memstate"
)

// helpdeskFixture is a bot whose service reads clock, with a category "VPN Access" (one
// required question) and Berlin office hours in ws.
func helpdeskFixture(t *testing.T, clock core.Clock) (*bot.Bot, *core.Service, core.Category) {
	t.Helper()
	st := openSQLite(t)
	m := memstate.New(nil)
	t.Cleanup(func() { m.Close() })
	svc := core.NewService(core.ServiceConfig{Store: st, State: m, Limiter: m, Clock: clock})
	b, err := bot.New(bot.Config{Service: svc, State: m, Dedupe: core.NewDedupe(m, nil), Throttle: core.NewThrottle(m, nil)})
	if err != nil {
		t.Fatal(err)
	}
	admin := core.Actor{User: core.UserRef{ID: "A1"}, Role: core.RoleAdmin, Workspace: ws}
	name := "VPN Access"
	qs := []core.Question{{Label: "Which device?", Required: true}}
	c, err := svc.CreateCategory(t.Context(), admin, ws, core.CategoryInput{Name: &name, Questions: &qs})
	if err != nil {
		t.Fatal(err)
	}
	h, err := core.NewHours(core.HoursSpec{TZ: "Europe/Berlin", Weekly: map[string][]string{"mon": {"09:00-17:00"}, "fri": {"09:00-17:00"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.UpdateSettings(t.Context(), admin, core.Settings{Workspace: ws, TriageChannel: "C1", Hours: h}); err != nil {
		t.Fatal(err)
	}
	return b, svc, c
}

func TestOpenOutsideHoursSaysWhenStaffAreBack(t *testing.T) {
	for _, tc := range []struct {
		name string
		at   time.Time
		want string
	}{
		{"saturday", time.Date(2026, 3, 7, 11, 0, 0, 0, time.UTC), "Our team is offline; we're back Monday 09:00 (Europe/Berlin)."},
		{"friday during hours", time.Date(2026, 3, 6, 10, 0, 0, 0, time.UTC), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, _, _ := helpdeskFixture(t, coretest.NewFakeClock(tc.at))
			r := b.Dispatch(context.Background(), req("U1", core.RoleRequester, bot.Command{Name: "open", Args: bot.Args{"title": "VPN down"}}))
			if r.Error != nil || !strings.Contains(r.Text, "Ticket #1 opened") {
				t.Fatalf("reply = %+v", r)
			}
			if got := strings.Contains(r.Text, "offline"); got != (tc.want != "") || (tc.want != "" && !strings.HasSuffix(r.Text, "\n"+tc.want)) {
				t.Errorf("reply %q, want the line %q", r.Text, tc.want)
			}
		})
	}
}

func TestOpenAndListByCategory(t *testing.T) {
	b, svc, c := helpdeskFixture(t, core.SystemClock{})
	ctx := context.Background()
	t.Run("a category with questions asks for them in a form", func(t *testing.T) {
		r := b.Dispatch(ctx, req("U1", core.RoleRequester, bot.Command{Name: "open", Args: bot.Args{"category": "vpn"}}))
		if !r.Modal || r.Category == nil || r.Category.ID != c.ID {
			t.Fatalf("reply = %+v, want the category's form", r)
		}
	})
	t.Run("an empty open offers the categories", func(t *testing.T) {
		r := b.Dispatch(ctx, req("U1", core.RoleRequester, bot.Command{Name: "open"}))
		if !r.Modal || len(r.Categories) != 1 {
			t.Fatalf("reply = %+v", r)
		}
	})
	t.Run("a form without a title is named after the category and first answer", func(t *testing.T) {
		r := b.Dispatch(ctx, req("U1", core.RoleRequester, bot.Command{Name: "open", Args: bot.Args{}.WithCategory(c.ID, map[string]string{"q1": "ThinkPad"})}))
		if r.Error != nil || r.Card == nil || r.Card.Title != "VPN Access: ThinkPad" {
			t.Fatalf("reply = %+v", r)
		}
		var answered bool
		for _, f := range r.Card.Fields {
			answered = answered || (f.Answer && f.Name == "Which device?" && f.Value == "ThinkPad")
		}
		if !answered {
			t.Errorf("card fields = %+v", r.Card.Fields)
		}
	})
	t.Run("list filters by category, one word matching the start of its name", func(t *testing.T) {
		if _, err := svc.OpenTicket(ctx, core.Actor{User: core.UserRef{ID: "U1"}, Role: core.RoleRequester, Workspace: ws}, core.OpenInput{Title: "Printer"}); err != nil {
			t.Fatal(err)
		}
		r := b.Dispatch(ctx, req("S1", core.RoleStaff, bot.Command{Name: "list", Args: bot.Args{"category": "vpn"}}))
		if len(r.Tickets) != 1 || r.Tickets[0].Category != "VPN Access" || !strings.Contains(r.Text, `in "VPN Access"`) {
			t.Fatalf("list = %+v", r)
		}
		r = b.Dispatch(ctx, req("S1", core.RoleStaff, bot.Command{Name: "list", Args: bot.Args{"category": "mail"}}))
		if r.Error == nil || !strings.Contains(r.Text, "there are: VPN Access") {
			t.Fatalf("unknown category = %+v", r)
		}
	})
	t.Run("the text grammar reads list category NAME", func(t *testing.T) {
		cmd, err := b.Registry().Parse("list all category vpn", nil)
		if err != nil || cmd.Args.Str("category") != "vpn" {
			t.Fatalf("parse = %+v, %v", cmd, err)
		}
	})
}
