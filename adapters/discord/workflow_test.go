package discord_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/adapters/discord/discordtest"
	"github.com/ticketbot/ticketbot/core"
)

// TestWorkflowInDiscord: the reply command's saved option suggests the saved replies' names
// and sends one; a resolved ticket's card offers the requester Yes/No; a closed one asks for
// a rating, whose button opens a comment form that stores the rating.
func TestWorkflowInDiscord(t *testing.T) {
	be := backends()[0]
	s, first, _, _ := twoTickets(t, be)
	ctx := t.Context()
	admin := core.Actor{User: core.UserRef{ID: s.admin.ID}, Role: core.RoleAdmin, Workspace: s.ws()}
	for _, n := range []string{"vpn-restart", "thanks"} {
		if _, err := s.svc.CreateSavedReply(ctx, admin, core.SavedReply{Workspace: s.ws(), Name: n, Content: "Saved text " + n}); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("saved is autocompleted with the names and sends the reply", func(t *testing.T) {
		r := s.interact(discordtest.Autocomplete(s.guild, s.support, s.staff, "ticket", "reply",
			discordtest.Opt{Name: "number", Type: 4, Value: 1},
			discordtest.Opt{Name: "saved", Type: 3, Value: "vp", Focused: true}))
		if r.Type != 8 || len(r.Data.Choices) != 1 || r.Data.Choices[0].Value != "vpn-restart" {
			t.Fatalf("autocomplete = %+v", r.Data.Choices)
		}
		r = s.command(s.staff, "ticket", "reply", discordtest.Opt{Name: "number", Type: 4, Value: 1}, str("saved", "vpn-restart"))
		if !strings.Contains(r.Data.Content, "Saved reply !vpn-restart sent") {
			t.Fatalf("reply = %q", r.Data.Content)
		}
		r = s.command(s.staff, "ticket", "reply", discordtest.Opt{Name: "number", Type: 4, Value: 1}, str("saved", "nope"))
		if !strings.Contains(r.Data.Content, "!thanks, !vpn-restart") {
			t.Fatalf("unknown saved reply = %q", r.Data.Content)
		}
		ms := s.messagesOf(first.ID)
		if len(ms) == 0 || ms[len(ms)-1].Content != "Saved text vpn-restart" || ms[len(ms)-1].Internal {
			t.Fatalf("messages = %+v", ms)
		}
	})

	t.Run("resolved asks the requester to confirm; closing asks for a rating", func(t *testing.T) {
		staff := core.Actor{User: core.UserRef{ID: s.staff.ID}, Role: core.RoleStaff, Workspace: s.ws()}
		if _, err := s.svc.SetStatus(ctx, staff, first.ID, core.StatusResolved, ""); err != nil {
			t.Fatal(err)
		}
		s.waitCardEdit(first, "No, I still need help")
		yes := "tb:close:" + strconv.FormatInt(first.ID, 10)
		r := s.interact(discordtest.Component(s.guild, first.Thread.ThreadID, s.reporter, first.Thread.CardID, yes))
		if r.Data.Content == "" {
			t.Fatalf("Yes, close it = %+v", r)
		}
		tk := s.waitTicket(1, "closed by its requester", func(x tkt) bool { return x.Status == core.StatusClosed })
		if tk.CSATAskedAt == nil {
			t.Fatal("closing did not ask for a rating")
		}
		s.waitCardEdit(first, "tb:rate:"+strconv.FormatInt(first.ID, 10)+":5")
		r = s.interact(discordtest.Component(s.guild, first.Thread.ThreadID, s.reporter, first.Thread.CardID, "tb:rate:"+strconv.FormatInt(first.ID, 10)+":4"))
		if r.Type != 9 || !strings.HasPrefix(r.Data.CustomID, "tbd:rate:") {
			t.Fatalf("rate button = %+v", r)
		}
		r = s.interact(discordtest.ModalSubmit(s.guild, first.Thread.ThreadID, s.reporter, r.Data.CustomID, [2]string{"comment", "quick fix"}))
		if !strings.Contains(r.Data.Content, "Thanks for your rating: 4/5") {
			t.Fatalf("rating = %q", r.Data.Content)
		}
		rt, err := s.svc.Rating(ctx, core.System(), first.ID)
		if err != nil || rt.Score != 4 || rt.Comment != "quick fix" {
			t.Fatalf("stored rating = %+v, %v", rt, err)
		}
		r = s.interact(discordtest.ModalSubmit(s.guild, first.Thread.ThreadID, s.staff, "tbd:rate:"+strconv.FormatInt(first.ID, 10)+":1"))
		if !strings.Contains(r.Data.Content, "not found") { // only the reporter rates: to anyone else the ticket is not theirs
			t.Errorf("staff rating = %q", r.Data.Content)
		}
	})
}
