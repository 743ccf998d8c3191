package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
)

// A request taken up again from the intake (its first process died after opening the ticket,
// before it could answer) is answered as opened — the user never saw the first answer — while
// a replay from the platform is told the request was opened already; neither opens a second
// ticket.
func TestAResumedOpenAnswersTheTicketItOpenedBefore(t *testing.T) {
	f := newFixture(t, bot.Limits{})
	ctx := context.Background()
	open := func(resumed bool) bot.Reply {
		r := req("U1", core.RoleRequester, bot.Command{Name: "open", Args: bot.Args{"text": "VPN down"}})
		r.RequestID, r.Resumed = "trig-1", resumed
		return f.bot.Dispatch(ctx, r)
	}
	if first := open(false); first.Error != nil || !strings.Contains(first.Text, "Ticket #1 opened") {
		t.Fatalf("first attempt = %+v", first)
	}
	tests := []struct {
		name    string
		resumed bool
		want    string
	}{
		{"resumed from the intake: answered as opened", true, "Ticket #1 opened: VPN down"},
		{"replayed by the platform: told it was opened already", false, "already opened as #1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r := open(tt.resumed); !strings.Contains(r.Text, tt.want) {
				t.Fatalf("reply = %+v, want %q", r, tt.want)
			}
		})
	}
	if _, err := f.svc.TicketByNumber(ctx, core.Actor{User: core.UserRef{ID: "U1"}, Role: core.RoleRequester, Workspace: ws}, ws, 2); !core.IsCode(err, core.ENotFound) {
		t.Fatalf("a second ticket: %v", err)
	}
}
