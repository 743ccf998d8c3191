package discord_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/adapters/discord"
	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares v, as indented JSON, with testdata/name (rewriting it with -update).
func golden(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from the golden file (run go test -update if the change is intended):\n%s", path, got)
	}
}

func fixedTicket() core.Ticket {
	at := time.Date(2025, 3, 1, 9, 30, 0, 0, time.UTC)
	return core.Ticket{
		ID: 42, Workspace: core.Workspace{Platform: core.PlatformDiscord, ExternalID: "1100000000000000001"},
		Number: 7, Title: "VPN *is* down @everyone", Description: "Since 9:00.\n# not a heading\n<@&123> please",
		Status: core.StatusOpen, Priority: core.PriorityHigh,
		Reporter:  core.UserRef{ID: "1100000000000000002", Name: "Rita"},
		CreatedAt: at, UpdatedAt: at,
	}
}

func TestRenderGolden(t *testing.T) {
	open := fixedTicket()
	claimed := open
	claimed.Status, claimed.Assignee = core.StatusInProgress, core.UserRef{ID: "1100000000000000005", Name: "Sam"}
	closed := claimed
	closed.Status = core.StatusClosed
	card := bot.TicketCard(open)
	for _, tc := range []struct {
		name string
		v    any
	}{
		{"card_open.json", discord.CardMessage(open)},
		{"card_edit_claimed.json", discord.CardEdit(claimed, discord.FixedThread)},
		{"card_edit_closed.json", discord.CardEdit(closed, discord.FixedThread)},
		{"notice.json", discord.NoticeMessage(open)},
		{"modal.json", discord.ModalResponse()},
		{"reply_show.json", discord.ReplyResponse(bot.Reply{Ephemeral: true, Card: &card})},
		{"reply_list.json", discord.ReplyResponse(bot.Reply{Ephemeral: true, Text: "2 tickets:", Tickets: []core.Ticket{open, closed}})},
	} {
		t.Run(strings.TrimSuffix(tc.name, ".json"), func(t *testing.T) { golden(t, tc.name, tc.v) })
	}
}

func TestEscapeText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain text", "plain text"},
		{"@everyone and @here", "@\u200beveryone and @\u200bhere"},
		{"<@123> <@&456> <@!789>", "<@\u200b123> <@\u200b&456> <@\u200b!789>"},
		{"**bold** _it_ ~~s~~ `code` ||spoiler|| > not a quote", `\*\*bold\*\* \_it\_ \~\~s\~\~ ` + "\\`code\\`" + ` \|\|spoiler\|\| > not a quote`},
		{"[link](https://evil)", `\[link\](https://evil)`},
		{"# heading\n- item\n> quote\nnot-a-list #tag", "\\# heading\n\\- item\n\\> quote\nnot-a-list #tag"},
		{`back\slash`, `back\\slash`},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := discord.EscapeText(tc.in); got != tc.want {
				t.Fatalf("EscapeText(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestPermissionsAndInviteURL(t *testing.T) {
	// View Channel, Send Messages, Embed Links, Read Message History, Manage Threads,
	// Create Public Threads, Create Private Threads, Send Messages in Threads.
	const want = 1<<10 | 1<<11 | 1<<14 | 1<<16 | 1<<34 | 1<<35 | 1<<36 | 1<<38
	if discord.Permissions != want || want != 395137076224 {
		t.Fatalf("Permissions = %d, want %d", discord.Permissions, want)
	}
	if got := discord.InviteURL("123"); got != "https://discord.com/oauth2/authorize?client_id=123&scope=bot+applications.commands&permissions=395137076224" {
		t.Fatalf("InviteURL = %s", got)
	}
	if discord.Intents != 1<<0|1<<9|1<<12|1<<15 { // guilds, guild messages, direct messages, message content
		t.Fatalf("Intents = %d", discord.Intents)
	}
}
