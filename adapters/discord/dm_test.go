package discord_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/adapters/discord/discordtest"
)

// dmComponent is user pressing customID (or choosing values) on message msgID in a DM with
// the bot: no guild, the user instead of a member.
func dmComponent(channel string, u discordtest.User, msgID, customID string, values ...string) discordtest.Interaction {
	it := discordtest.Component("", channel, u, msgID, customID, values...)
	m, _ := it["member"].(map[string]any)
	delete(it, "member")
	delete(it, "guild_id")
	it["user"] = m["user"]
	it["context"] = 1
	return it
}

// A DM to the bot offers to open a ticket with its text in the server it shares with the
// user that has a helpdesk; pressing the button opens it there, once.
func TestDirectMessageOffersATicket(t *testing.T) {
	s := newStack(t, stackOptions{backend: backends()[0], gateway: true})
	s.gw.WaitConnected(t, wait)
	s.setup()
	s.api.AddMember(s.guild, discordtest.Member{User: s.reporter})
	dm := discordtest.ID()
	if _, err := s.gw.Dispatch("MESSAGE_CREATE", discordtest.MessageEvent(discordtest.ID(), "", dm, s.reporter, "My headset is silent\nSince the update", false)); err != nil {
		t.Fatal(err)
	}
	var offer discordtest.Message
	if !s.api.WaitUntil(wait, func() bool {
		msgs := s.api.MessagesIn(dm)
		if len(msgs) > 0 {
			offer = msgs[0]
		}
		return len(msgs) > 0
	}) {
		t.Fatalf("no answer to the DM:\n%s", s.api.Dump())
	}
	var comps []struct {
		Components []struct {
			CustomID string `json:"custom_id"`
			Label    string `json:"label"`
		} `json:"components"`
	}
	if err := json.Unmarshal(offer.Components, &comps); err != nil || len(comps) != 1 || len(comps[0].Components) != 2 {
		t.Fatalf("offer = %s (%v)", offer.Components, err)
	}
	open := comps[0].Components[0]
	if !strings.Contains(offer.Content, "My headset is silent") || !strings.Contains(open.Label, "Test Guild") {
		t.Fatalf("offer %q / %+v", offer.Content, open)
	}
	r := s.interact(dmComponent(dm, s.reporter, offer.ID, open.CustomID))
	if r.Type != 7 || !strings.Contains(r.Data.Content, "Ticket #1 opened") {
		t.Fatalf("press = %+v", r)
	}
	tk := s.waitCard(1)
	if tk.Reporter.ID != s.reporter.ID || tk.Title != "My headset is silent" || tk.Description != "Since the update" {
		t.Fatalf("ticket = %+v", tk.Ticket)
	}
	if r := s.interact(dmComponent(dm, s.reporter, offer.ID, open.CustomID)); !strings.Contains(r.Data.Content, "already opened") {
		t.Errorf("second press = %+v", r.Data)
	}
	// Someone in no server with a helpdesk is told so.
	stranger := discordtest.User{ID: discordtest.ID(), Name: "Nobody"}
	other := discordtest.ID()
	if _, err := s.gw.Dispatch("MESSAGE_CREATE", discordtest.MessageEvent(discordtest.ID(), "", other, stranger, "hello?", false)); err != nil {
		t.Fatal(err)
	}
	if !s.api.WaitUntil(wait, func() bool {
		msgs := s.api.MessagesIn(other)
		return len(msgs) == 1 && strings.Contains(msgs[0].Content, "found none")
	}) {
		t.Fatalf("no answer to the stranger:\n%s", s.api.Dump())
	}
}
