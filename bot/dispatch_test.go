package bot_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/memstate"
)

var ws = core.Workspace{Platform: core.PlatformSlack, ExternalID: "T1"}

type fixture struct {
	bot *bot.Bot
	svc *core.Service
	log *bytes.Buffer
}

func newFixture(t *testing.T, limits bot.Limits, extra ...bot.Subcommand) fixture {
	t.Helper()
	st := openSQLite(t)
	m := memstate.New(nil)
	t.Cleanup(func() { m.Close() })
	svc := core.NewService(core.ServiceConfig{Store: st, State: m, Limiter: m})
	dedupe, throttle := core.NewDedupe(m, nil), core.NewThrottle(m, nil)
	reg, err := bot.DefaultRegistry()
	if err != nil {
		t.Fatal(err)
	}
	if len(extra) > 0 {
		if reg, err = bot.NewRegistry(append(reg.All(), extra...)...); err != nil {
			t.Fatal(err)
		}
	}
	var logs bytes.Buffer
	b, err := bot.New(bot.Config{Service: svc, State: m, Dedupe: dedupe, Throttle: throttle, Registry: reg, Limits: limits, Log: slog.New(slog.NewTextHandler(&logs, nil)), Timeout: 200 * time.Millisecond,
		Drafts: core.NewDrafts(core.DraftsConfig{Store: st, TTL: bot.DraftTTL})})
	if err != nil {
		t.Fatal(err)
	}
	return fixture{bot: b, svc: svc, log: &logs}
}

func req(user string, role core.Role, c bot.Command) bot.Request {
	return bot.Request{
		Workspace: ws, User: core.UserRef{ID: user, Name: user}, Channel: "C1", Command: c,
		Role: func(context.Context) (core.Role, error) { return role, nil },
	}
}

func TestDispatch(t *testing.T) {
	f := newFixture(t, bot.Limits{})
	ctx := context.Background()
	open := f.bot.Dispatch(ctx, req("U1", core.RoleRequester, bot.Command{Name: "open", Args: bot.Args{"title": "VPN down"}}))
	if open.Error != nil || open.Card == nil || open.Card.Number != 1 || !strings.Contains(open.Text, "#1") {
		t.Fatalf("open reply = %+v", open)
	}
	tests := []struct {
		name     string
		req      bot.Request
		wantCode string
		wantText string
	}{
		{"empty open asks for the modal", req("U1", core.RoleRequester, bot.Command{Name: "open"}), "", ""},
		{"reporter sees their ticket", req("U1", core.RoleRequester, bot.Command{Name: "show", Args: bot.Args{"number": int64(1)}}), "", ""},
		{"a stranger is told the ticket does not exist", req("U2", core.RoleRequester, bot.Command{Name: "show", Args: bot.Args{"number": int64(1)}}), core.ENotFound, "Ticket #1 not found."},
		{"unknown numbers are not found", req("S1", core.RoleStaff, bot.Command{Name: "show", Args: bot.Args{"number": int64(99)}}), core.ENotFound, "not found"},
		{"requesters cannot claim", req("U2", core.RoleRequester, bot.Command{Name: "claim", Args: bot.Args{"number": int64(1)}}), core.EForbidden, "only staff can use /ticket claim"},
		{"a stranger cannot close", req("U2", core.RoleRequester, bot.Command{Name: "close", Args: bot.Args{"number": int64(1)}}), core.ENotFound, ""},
		{"staff cannot run setup", req("S1", core.RoleStaff, bot.Command{Name: "setup", Args: bot.Args{"triage": "C9"}}), core.EForbidden, "only admins can use /ticket setup"},
		{"admins run setup", req("A1", core.RoleAdmin, bot.Command{Name: "setup", Args: bot.Args{"triage": "C9"}}), "", "Done"},
		{"staff claim", req("S1", core.RoleStaff, bot.Command{Name: "claim", Args: bot.Args{"number": int64(1)}}), "", "You now own ticket #1."},
		{"claiming twice is a conflict", req("S1", core.RoleStaff, bot.Command{Name: "claim", Args: bot.Args{"number": int64(1)}}), core.EConflict, "already assigned"},
		{"the reporter closes", req("U1", core.RoleRequester, bot.Command{Name: "close", Args: bot.Args{"number": int64(1), "reason": "works now"}}), "", "Ticket #1 is now closed."},
		{"the reporter reopens", req("U1", core.RoleRequester, bot.Command{Name: "reopen", Args: bot.Args{"number": int64(1)}}), "", "is now open"},
		{"list shows the requester's tickets", req("U1", core.RoleRequester, bot.Command{Name: "list"}), "", "Your active tickets (1):"},
		{"list is empty for a newcomer", req("U3", core.RoleRequester, bot.Command{Name: "list"}), "", "You have no active tickets."},
		{"unknown subcommands are refused", req("U1", core.RoleRequester, bot.Command{Name: "explode"}), core.EInvalid, "Unknown command"},
		{"a role that cannot be checked says so", bot.Request{Workspace: ws, User: core.UserRef{ID: "U1"}, Command: bot.Command{Name: "claim", Args: bot.Args{"number": int64(1)}},
			Role: func(context.Context) (core.Role, error) { return "", errors.New("users.info: ratelimited") }}, core.EUnavailable, "couldn't check your role"},
		{"a command anyone may run goes on as a requester when the role cannot be checked", bot.Request{Workspace: ws, User: core.UserRef{ID: "U1"}, Command: bot.Command{Name: "list"},
			Role: func(context.Context) (core.Role, error) { return "", errors.New("users.info: ratelimited") }}, "", "Your active tickets"},
		{"the platform's words name the admins", func() bot.Request {
			r := req("S1", core.RoleStaff, bot.Command{Name: "setup", Args: bot.Args{"triage": "C9"}})
			r.Words = bot.Words{Admins: "server admins (Manage Server)", Command: func(n string, g bot.Group) string {
				if g == bot.GroupAdmin {
					return "/ticket-admin " + n
				}
				return "/ticket " + n
			}}
			return r
		}(), core.EForbidden, "only server admins (Manage Server) can use /ticket-admin setup"},
		{"staff reply", req("S1", core.RoleStaff, bot.Command{Name: "reply", Args: bot.Args{"number": int64(1), "text": "try again"}}), "", "Reply sent"},
		{"staff note", req("S1", core.RoleStaff, bot.Command{Name: "note", Args: bot.Args{"number": int64(1), "text": "VIP"}}), "", "Internal note added"},
		{"requesters cannot write notes", req("U1", core.RoleRequester, bot.Command{Name: "note", Args: bot.Args{"number": int64(1), "text": "x"}}), core.EForbidden, "only staff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.bot.Dispatch(ctx, tt.req)
			code := ""
			if r.Error != nil {
				code = r.Error.Code
			}
			if code != tt.wantCode || !strings.Contains(r.Text, tt.wantText) {
				t.Fatalf("reply = %+v (code %q), want code %q and text containing %q", r, code, tt.wantCode, tt.wantText)
			}
			if tt.wantCode != "" && !r.Ephemeral {
				t.Fatal("errors must be ephemeral")
			}
		})
	}
}

func TestDispatchRecoversPanicsAndHidesInternalErrors(t *testing.T) {
	boom := bot.Subcommand{Name: "boom", Help: "panics", Run: func(context.Context, *bot.Bot, bot.Request, core.Role) (bot.Reply, error) {
		panic("nil map in handler")
	}}
	leak := bot.Subcommand{Name: "leak", Help: "fails", Run: func(context.Context, *bot.Bot, bot.Request, core.Role) (bot.Reply, error) {
		return bot.Reply{}, errors.New("dial tcp 10.0.0.5:3306: password=hunter2")
	}}
	f := newFixture(t, bot.Limits{}, boom, leak)
	for _, name := range []string{"boom", "leak"} {
		t.Run(name, func(t *testing.T) {
			r := f.bot.Dispatch(context.Background(), req("U1", core.RoleRequester, bot.Command{Name: name}))
			m := regexp.MustCompile(`error ([0-9a-f]{8})`).FindStringSubmatch(r.Text)
			if r.Error == nil || r.Error.Code != core.EInternal || m == nil {
				t.Fatalf("reply = %+v", r)
			}
			if strings.Contains(r.Text, "hunter2") || strings.Contains(r.Text, "nil map") {
				t.Fatal("the cause reached the user")
			}
			if !strings.Contains(f.log.String(), "error_id="+m[1]) {
				t.Fatalf("error id %s not logged: %s", m[1], f.log.String())
			}
		})
	}
}

func TestDispatchRateLimits(t *testing.T) {
	f := newFixture(t, bot.Limits{
		Open:    core.Limit{Rate: 2, Period: time.Hour, Burst: 2},
		Command: core.Limit{Rate: 100, Period: time.Minute, Burst: 100},
	})
	ctx := context.Background()
	for i := range 2 {
		if r := f.bot.Dispatch(ctx, req("U1", core.RoleRequester, bot.Command{Name: "open", Args: bot.Args{"title": "t"}})); r.Error != nil {
			t.Fatalf("open %d: %+v", i, r)
		}
	}
	r := f.bot.Dispatch(ctx, req("U1", core.RoleRequester, bot.Command{Name: "open", Args: bot.Args{"title": "t"}}))
	if r.Error == nil || r.Error.Code != core.ERateLimited || !regexp.MustCompile(`try again in \d+ s`).MatchString(r.Text) {
		t.Fatalf("third open = %+v", r)
	}
	if r := f.bot.Dispatch(ctx, req("U2", core.RoleRequester, bot.Command{Name: "open", Args: bot.Args{"title": "t"}})); r.Error != nil {
		t.Fatalf("another user is limited too: %+v", r)
	}

	g := newFixture(t, bot.Limits{Open: core.Limit{Rate: 5, Period: time.Minute, Burst: 5}, Command: core.Limit{Rate: 1, Period: time.Hour, Burst: 1}})
	g.bot.Dispatch(ctx, req("U1", core.RoleRequester, bot.Command{Name: "help"}))
	if r := g.bot.Dispatch(ctx, req("U1", core.RoleRequester, bot.Command{Name: "help"})); r.Error == nil || r.Error.Code != core.ERateLimited {
		t.Fatalf("command rate not applied: %+v", r)
	}
}

func TestARefusedDraftCanBeOpenedAgain(t *testing.T) {
	f := newFixture(t, bot.Limits{
		Open:    core.Limit{Rate: 1, Period: time.Hour, Burst: 1},
		Command: core.Limit{Rate: 100, Period: time.Minute, Burst: 100},
	})
	ctx := context.Background()
	f.bot.Dispatch(ctx, req("U1", core.RoleRequester, bot.Command{Name: "open", Args: bot.Args{"title": "uses the allowance"}}))
	id, err := f.bot.SaveDraft(ctx, ws, "U1", "printer on fire")
	if err != nil {
		t.Fatal(err)
	}
	r := f.bot.OpenDraft(ctx, req("U1", core.RoleRequester, bot.Command{}), id)
	if r.Error == nil || r.Error.Code != core.ERateLimited {
		t.Fatalf("want a rate limit, got %+v", r)
	}
	// The draft survives the refusal: another user's allowance is unaffected and the
	// same user's draft is still there to open later.
	if again := f.bot.OpenDraft(ctx, req("U1", core.RoleRequester, bot.Command{}), id); again.Error == nil || again.Error.Code != core.ERateLimited {
		t.Fatalf("the draft was used up by a refused open: %+v", again)
	}
}

func TestDraftsExpireAndOpenOnce(t *testing.T) {
	f := newFixture(t, bot.Limits{})
	ctx := context.Background()
	id, err := f.bot.SaveDraft(ctx, ws, "U1", "printer on fire\nthird floor")
	if err != nil {
		t.Fatal(err)
	}
	r := f.bot.OpenDraft(ctx, req("U1", core.RoleRequester, bot.Command{}), id)
	if r.Error != nil || r.Card == nil || r.Card.Title != "printer on fire" {
		t.Fatalf("open draft: %+v", r)
	}
	if again := f.bot.OpenDraft(ctx, req("U1", core.RoleRequester, bot.Command{}), id); again.Error == nil || !strings.Contains(again.Text, "already opened") {
		t.Fatalf("a draft opened twice: %+v", again)
	}
	if other := f.bot.OpenDraft(ctx, req("U2", core.RoleRequester, bot.Command{}), "deadbeef"); other.Error == nil || other.Error.Code != core.ENotFound || !strings.Contains(other.Text, "expired") {
		t.Fatalf("unknown draft: %+v", other)
	}
}
