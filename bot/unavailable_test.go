package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/memstate"
)

// createFails is a Store whose CreateTicket and UpdateTicket fail with err.
type createFails struct {
	core.Store
	err error
}

func (s createFails) CreateTicket(context.Context, *core.Ticket) error { return s.err }
func (s createFails) UpdateTicket(context.Context, int64, func(*core.Ticket) ([]core.Change, error)) (core.Ticket, error) {
	return core.Ticket{}, s.err
}

func TestUnavailableRepliesSayWhatHappened(t *testing.T) {
	st := openSQLite(t)
	for range 3 {
		if err := st.CreateTicket(t.Context(), &core.Ticket{Workspace: ws, Title: "x", Reporter: core.UserRef{ID: "U1"}}); err != nil {
			t.Fatal(err)
		}
	}
	unknown := fmt.Errorf("gormstore.CreateTicket: %w", &core.Error{Code: core.EUnavailable,
		Dependency: core.DepDatabase, OutcomeUnknown: true, Message: "late"})
	refused := fmt.Errorf("gormstore.CreateTicket: %w", &core.Error{Code: core.EUnavailable,
		Dependency: core.DepDatabase, Message: "refused"})
	state := &core.Error{Code: core.EUnavailable, Dependency: core.DepStateStore, Message: "redis"}
	busy := fmt.Errorf("gormstore.CreateTicket: %w", &core.Error{Code: core.EUnavailable,
		Dependency: core.DepDatabase, Busy: true, Message: "busy"})
	tests := []struct {
		name string
		err  error
		cmd  bot.Command
		want []string
		not  []string
	}{
		{"an open whose commit is unknown says so and how to check", unknown,
			bot.Command{Name: "open", Args: bot.Args{"title": "VPN down"}}, []string{"could not confirm", "/ticket list", "opened"}, []string{"can't reach"}},
		{"a change whose commit is unknown points at the ticket", unknown,
			bot.Command{Name: "close", Args: bot.Args{"number": int64(3)}}, []string{"could not confirm", "/ticket show 3"}, []string{"can't reach"}},
		{"a busy database says so, not that it is out of reach", busy,
			bot.Command{Name: "open", Args: bot.Args{"title": "VPN down"}}, []string{"busy", "nothing was changed", "try again"}, []string{"can't reach", "confirm"}},
		{"a refused database is a plain failure", refused,
			bot.Command{Name: "open", Args: bot.Args{"title": "VPN down"}}, []string{"can't reach its database"}, []string{"confirm"}},
		{"the state store is named as such", state,
			bot.Command{Name: "open", Args: bot.Args{"title": "VPN down"}}, []string{"can't reach its state store"}, []string{"database"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := memstate.New(nil)
			t.Cleanup(func() { m.Close() })
			svc := core.NewService(core.ServiceConfig{Store: createFails{Store: st, err: tc.err}, State: m, Limiter: m})
			b, err := bot.New(bot.Config{Service: svc, State: m})
			if err != nil {
				t.Fatal(err)
			}
			r := b.Dispatch(t.Context(), req("U1", core.RoleStaff, tc.cmd))
			if r.Error == nil || r.Error.Code != core.EUnavailable {
				t.Fatalf("reply = %+v; want an unavailable error", r)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.Text, w) {
					t.Errorf("reply %q lacks %q", r.Text, w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(r.Text, n) {
					t.Errorf("reply %q says %q", r.Text, n)
				}
			}
		})
	}
}
