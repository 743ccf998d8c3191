package discord_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/adapters/discord/discordtest"
)

// TestTranscriptChannel: with a transcript channel set up, closing a ticket posts its HTML
// transcript there as a file, once, with the internal notes (the channel is staff-only).
func TestTranscriptChannel(t *testing.T) {
	for _, be := range backends() {
		t.Run(be.name, func(t *testing.T) {
			s := newStack(t, stackOptions{backend: be})
			s.setup()
			transcripts := discordtest.ID()
			s.api.AddChannel(discordtest.Channel{ID: transcripts, GuildID: s.guild, Name: "transcripts",
				Overwrites: []discordtest.Overwrite{{ID: s.guild, Type: 0, Deny: 1 << 10}}})
			r := s.command(s.admin, "ticket-admin", "setup", discordtest.Opt{Name: "transcript_channel", Type: 7, Value: transcripts})
			if !strings.Contains(r.Data.Content, "transcript of each closed ticket") {
				t.Fatalf("setup: %q", r.Data.Content)
			}
			s.open(s.reporter, 1, "VPN <b>down</b> @everyone")
			s.command(s.staff, "ticket", "note", num(1), str("text", "internal: gateway swap"))
			if r := s.command(s.staff, "ticket", "close", num(1), str("reason", "fixed")); r.Type != 4 {
				t.Fatalf("close: %+v", r)
			}
			deadline := time.Now().Add(wait)
			var msgs []discordtest.Message
			for {
				if msgs = s.api.MessagesIn(transcripts); len(msgs) > 0 || time.Now().After(deadline) {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			if len(msgs) != 1 || len(msgs[0].Files) != 1 {
				t.Fatalf("transcript channel has %+v, want one message with one file", msgs)
			}
			f := msgs[0].Files[0]
			html := string(f.Data)
			if f.Name != "ticket-discord-"+s.guild+"-1.html" || !strings.HasPrefix(f.ContentType, "text/html") {
				t.Errorf("file %s (%s)", f.Name, f.ContentType)
			}
			for _, want := range []string{"<!DOCTYPE html>", "VPN &lt;b&gt;down&lt;/b&gt; @everyone", "internal: gateway swap", "closed"} {
				if !strings.Contains(html, want) {
					t.Errorf("transcript lacks %q", want)
				}
			}
			if !strings.Contains(msgs[0].Content, "Transcript of ticket #1") || strings.Contains(msgs[0].Content, "@everyone") {
				t.Errorf("message = %q", msgs[0].Content)
			}
			s.settle()
			if n := len(s.api.MessagesIn(transcripts)); n != 1 {
				t.Errorf("%d transcripts posted, want 1", n)
			}
		})
	}
}
