package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
)

// TestReplySaved: `/ticket reply N !name` (text) and the saved option send the saved reply as
// a public message; an unknown name lists the known ones.
func TestReplySaved(t *testing.T) {
	f := newFixture(t, bot.Limits{})
	ctx := context.Background()
	admin := core.Actor{User: core.UserRef{ID: "A1"}, Role: core.RoleAdmin, Workspace: ws}
	if _, err := f.svc.CreateSavedReply(ctx, admin, core.SavedReply{Workspace: ws, Name: "vpn", Content: "Restart the VPN client."}); err != nil {
		t.Fatal(err)
	}
	open := f.bot.Dispatch(ctx, req("U1", core.RoleRequester, bot.Command{Name: "open", Args: bot.Args{"title": "VPN down"}}))
	if open.Error != nil {
		t.Fatal(open.Text)
	}
	for _, args := range []bot.Args{{"number": int64(1), "text": "!vpn"}, {"number": int64(1), "saved": "vpn"}} {
		r := req("S1", core.RoleStaff, bot.Command{Name: "reply", Args: args})
		r.RequestID = "r-" + args.Str("saved")
		got := f.bot.Dispatch(ctx, r)
		if got.Error != nil || !strings.Contains(got.Text, "Saved reply !vpn sent") {
			t.Fatalf("reply %v = %+v", args, got)
		}
	}
	tk, _ := f.svc.TicketByNumber(ctx, core.System(), ws, 1)
	ms, err := f.svc.Messages(ctx, core.System(), tk.ID)
	if err != nil || len(ms) != 2 || ms[0].Content != "Restart the VPN client." || ms[0].Internal {
		t.Fatalf("messages = %+v, %v", ms, err)
	}
	got := f.bot.Dispatch(ctx, req("S1", core.RoleStaff, bot.Command{Name: "reply", Args: bot.Args{"number": int64(1), "text": "!nope"}}))
	if got.Error == nil || !strings.Contains(got.Text, "!vpn") {
		t.Errorf("unknown saved reply = %+v", got)
	}
	got = f.bot.Dispatch(ctx, req("S1", core.RoleStaff, bot.Command{Name: "reply", Args: bot.Args{"number": int64(1)}}))
	if got.Error == nil || got.Error.Field != "text" {
		t.Errorf("reply without text = %+v", got)
	}
}

// TestRequesterCardWorkflow: a resolved ticket asks the requester to confirm; a closed one
// that was asked for a rating offers 1–5 until rated; the staff card shows the rating.
func TestRequesterCardWorkflow(t *testing.T) {
	labels := func(c bot.Card) string {
		var out []string
		for _, b := range c.Buttons {
			out = append(out, b.Label)
		}
		return strings.Join(out, "|")
	}
	asked := core.Ticket{ID: 7, Number: 3}
	if got := labels(bot.RequesterCard(core.Ticket{ID: 7, Status: core.StatusResolved})); got != "Yes, close it|No, I still need help" {
		t.Errorf("resolved: %s", got)
	}
	now := asked.CreatedAt
	asked.Status, asked.CSATAskedAt = core.StatusClosed, &now
	if got := labels(bot.RequesterCard(asked)); got != "Reopen|1|2|3|4|5" {
		t.Errorf("closed, asked: %s", got)
	}
	id, score, ok := bot.ParseRateAction(bot.RequesterCard(asked).Buttons[4].ID)
	if !ok || id != 7 || score != 4 {
		t.Errorf("rate button decodes to %d %d %v", id, score, ok)
	}
	asked.Rating = 4
	if got := labels(bot.RequesterCard(asked)); got != "Reopen" {
		t.Errorf("closed, rated: %s", got)
	}
	found := false
	for _, f := range bot.TicketCard(asked).Fields {
		found = found || (f.Name == "Rating" && strings.HasPrefix(f.Value, "4/5"))
	}
	if !found {
		t.Error("the staff card does not show the rating")
	}
}
