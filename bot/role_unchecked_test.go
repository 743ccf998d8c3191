package bot_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
)

// When the role cannot be checked, a command anyone may run goes on as a requester's, but a
// refusal that only a requester would get (someone else's ticket "not found") says the role
// could not be checked instead of claiming the ticket does not exist.
func TestUncheckedRoleIsNotReportedAsNotFound(t *testing.T) {
	f := newFixture(t, bot.Limits{})
	ctx := t.Context()
	if r := f.bot.Dispatch(ctx, req("U1", core.RoleRequester, bot.Command{Name: "open", Args: bot.Args{"title": "VPN down"}})); r.Error != nil {
		t.Fatal(r.Text)
	}
	unchecked := req("USTAFF", core.RoleStaff, bot.Command{Name: "show", Args: bot.Args{"number": int64(1)}})
	unchecked.Role = func(context.Context) (core.Role, error) {
		return "", &core.Error{Code: core.EUnavailable, Err: errors.New("users.info failed")}
	}
	r := f.bot.Dispatch(ctx, unchecked)
	if !strings.Contains(r.Text, "couldn't check your role") || strings.Contains(r.Text, "not found") {
		t.Fatalf("show by someone whose role could not be checked = %q", r.Text)
	}
	unchecked.Command = bot.Command{Name: "open", Args: bot.Args{"title": "still works"}}
	if r := f.bot.Dispatch(ctx, unchecked); r.Error != nil || !strings.Contains(r.Text, "#2") {
		t.Fatalf("open by someone whose role could not be checked = %q", r.Text)
	}
}
