package discord_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/adapters/discord/discordtest"
	"github.com/ticketbot/ticketbot/core"
)

// A ticket opened in the web portal by a requester account gets its staff thread in the
// staff channel, and the requester's portal reply is posted into it.
func TestPortalTicketsMeetTheStaffThread(t *testing.T) {
	s := newStack(t, stackOptions{backend: backends()[0]})
	s.setup()
	ctx := context.Background()
	rita := core.Actor{User: core.UserRef{ID: "web:rita", Name: "rita"}, Role: core.RoleRequester, Workspace: s.ws()}
	opened, err := s.svc.OpenTicket(ctx, rita, core.OpenInput{Title: "Voice channel keeps dropping"})
	if err != nil {
		t.Fatal(err)
	}
	tk := s.waitTicket(opened.Number, "a staff thread", func(t tkt) bool { return t.Notes.ThreadID != "" })
	if _, _, err := s.svc.AddMessage(ctx, rita, opened.ID, core.MessageInput{ExternalID: "web:portal-reply-1",
		Content: "It happens every evening", Source: "web", Deliver: true}); err != nil {
		t.Fatal(err)
	}
	s.waitThread(tk.Notes.ThreadID, "the portal reply", func(th discordtest.Thread) bool {
		for _, m := range s.api.MessagesIn(th.ID) {
			if strings.Contains(m.Content, "It happens every evening") {
				return true
			}
		}
		return false
	})
}
