package discord_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/adapters/discord"
	"github.com/ticketbot/ticketbot/adapters/discord/discordtest"
)

// /ticket-admin setup without staff_role keeps the saved staff role (staff stay staff).
func TestSetupWithoutStaffRoleKeepsTheSavedOne(t *testing.T) {
	s := newStack(t, stackOptions{backend: backends()[0]})
	ctx := context.Background()
	s.setup()
	moved := discordtest.ID()
	s.api.AddChannel(discordtest.Channel{ID: moved, GuildID: s.guild, Name: "help-desk"})
	r := s.command(s.admin, "ticket-admin", "setup", discordtest.Opt{Name: "channel", Type: 7, Value: moved})
	if !strings.Contains(r.Data.Content, "#help-desk") || strings.Contains(r.Data.Content, "No staff group") {
		t.Fatalf("reply = %q", r.Data.Content)
	}
	st, err := s.svc.Settings(ctx, s.ws())
	if err != nil || st.SupportChannel != moved || st.StaffGroup != s.staffRole {
		t.Fatalf("settings = %+v, %v; want channel %s and the staff role %s kept", st, err, moved, s.staffRole)
	}
	s.open(s.reporter, 1, "Still handled by staff")
	if r := s.command(s.staff, "ticket", "claim", num(1)); !strings.Contains(r.Data.Content, "You now own ticket #1") {
		t.Fatalf("staff claim after the second setup = %q", r.Data.Content)
	}
}

// A first setup without a staff role says, in Discord's terms, who handles tickets then.
func TestSetupWithoutAnyStaffRoleSaysSo(t *testing.T) {
	s := newStack(t, stackOptions{backend: backends()[0]})
	r := s.command(s.admin, "ticket-admin", "setup", discordtest.Opt{Name: "channel", Type: 7, Value: s.support})
	if !strings.Contains(r.Data.Content, "No staff group is set yet") || !strings.Contains(r.Data.Content, "/ticket-admin setup") {
		t.Fatalf("reply = %q", r.Data.Content)
	}
}

// The refusal names Discord's permission and command, not Slack's.
func TestSetupRefusalNamesManageServer(t *testing.T) {
	s := newStack(t, stackOptions{backend: backends()[0]})
	r := s.command(s.staff, "ticket-admin", "setup",
		discordtest.Opt{Name: "channel", Type: 7, Value: s.support}, discordtest.Opt{Name: "staff_role", Type: 8, Value: s.staffRole})
	want := "You can't do that: only server admins (Manage Server) can use /ticket-admin setup."
	if strings.ReplaceAll(r.Data.Content, `\`, "") != want || r.Data.Flags != 64 {
		t.Fatalf("reply = %q, want %q", r.Data.Content, want)
	}
}

// A failed interaction callback (here a 429, whose error carries the URL) is logged without
// the interaction token.
func TestFailedCallbackNeverLogsTheToken(t *testing.T) {
	s := newStack(t, stackOptions{backend: backends()[0], gateway: true})
	s.gw.WaitConnected(t, wait)
	s.api.RateLimit("POST", "interactions/*/*/callback", time.Second, 1)
	it := discordtest.Command(s.guild, s.support, s.reporter, "ticket", "list")
	if _, err := s.gw.Dispatch("INTERACTION_CREATE", it); err != nil {
		t.Fatal(err)
	}
	s.waitLog("could not answer an interaction", "Rate limit exceeded")
	if l := s.logs.String(); strings.Contains(l, "tok-"+it.ID()) {
		t.Fatalf("the interaction token was logged:\n%s", l)
	}
}

// A failed follow-up of a deferred answer (PATCH /webhooks/{app}/{token}/messages/@original) is
// logged without the token.
func TestFailedFollowUpNeverLogsTheToken(t *testing.T) {
	s := newStack(t, stackOptions{backend: backends()[0]})
	panelChannel := discordtest.ID()
	s.api.Slow("POST", "channels/"+panelChannel+"/messages", 2500*time.Millisecond, 1)
	s.api.RateLimit("PATCH", "webhooks/*/*/messages/*", time.Second, 1)
	it := discordtest.Command(s.guild, s.support, s.admin, "ticket-admin", "panel", discordtest.Opt{Name: "channel", Type: 7, Value: panelChannel})
	if r := s.interact(it); r.Type != 5 {
		t.Fatalf("first response = %d, want deferred (5)", r.Type)
	}
	s.waitLog("could not send a deferred answer", "Rate limit exceeded")
	if l := s.logs.String(); strings.Contains(l, "tok-"+it.ID()) {
		t.Fatalf("the interaction token was logged:\n%s", l)
	}
}

// With neither the gateway nor DISCORD_PUBLIC_KEY, no interaction can arrive: said as an error.
func TestNoWayForInteractionsIsLogged(t *testing.T) {
	s := newStack(t, stackOptions{backend: backends()[0]})
	for _, tc := range []struct {
		name      string
		gateway   bool
		publicKey string
		want      bool
	}{
		{"gateway off, no public key", false, "", true},
		{"gateway on, no public key", true, "", false},
		{"gateway off, public key", false, s.signer.PublicKey, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logs := &logBuffer{}
			_, err := discord.New(context.Background(), discord.Config{
				Bot: s.bot, Service: s.svc, BotToken: botToken, PublicKey: tc.publicKey, APIURL: s.api.URL(),
				HTTPClient: s.api.Client(), Gateway: tc.gateway, Log: slog.New(slog.NewTextHandler(logs, nil)),
			})
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Contains(logs.String(), "level=ERROR") && strings.Contains(logs.String(), "no slash command, button or form can reach ticketbot")
			if got != tc.want {
				t.Fatalf("error logged = %v, want %v:\n%s", got, tc.want, logs)
			}
		})
	}
}
