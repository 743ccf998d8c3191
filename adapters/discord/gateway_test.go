package discord_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/adapters/discord"
	"github.com/ticketbot/ticketbot/adapters/discord/discordtest"
	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
)

// TestGateway drives the adapter over the fake gateway: interactions answered by callback,
// thread messages stored once, bots ignored, edits and deletions, reconnection.
func TestGateway(t *testing.T) {
	for _, be := range backends() {
		t.Run(be.name, func(t *testing.T) {
			s := newStack(t, stackOptions{backend: be, gateway: true})
			testGateway(t, s)
		})
	}
}

func testGateway(t *testing.T, s *stack) {
	ctx := context.Background()
	s.gw.WaitConnected(t, wait)

	t.Run("identifies with the message content intent", func(t *testing.T) {
		ids := s.gw.Identifies()
		if len(ids) != 1 {
			t.Fatalf("identifies = %d", len(ids))
		}
		want := 1<<0 | 1<<9 | 1<<12 | 1<<15
		if ids[0].Intents != want || ids[0].Token != "Bot "+botToken || ids[0].Shard != nil {
			t.Fatalf("identify = %+v, want intents %d", ids[0], want)
		}
		if len(s.api.Find("GET", "gateway/bot")) != 1 {
			t.Fatalf("the gateway URL was not asked for:\n%s", s.api.Dump())
		}
	})

	s.setup()
	var tk tkt
	t.Run("interactions over the gateway are answered by callback", func(t *testing.T) {
		it := discordtest.Command(s.guild, s.support, s.reporter, "ticket", "open", str("title", "Over the gateway"))
		if _, err := s.gw.Dispatch("INTERACTION_CREATE", it); err != nil {
			t.Fatal(err)
		}
		calls := s.api.WaitFor(t, wait, "POST", "interactions/"+it.ID()+"/*/callback", 1)
		var r reply
		if err := calls[0].Decode(&r); err != nil || r.Type != 4 || r.Data.Flags != 64 || !strings.Contains(r.Data.Content, "Ticket #1 opened") {
			t.Fatalf("callback = %s (%v)", calls[0].Body, err)
		}
		tk = s.waitCard(1)
		// A redelivered interaction (a resumed session replays events) is not answered twice.
		if _, err := s.gw.Dispatch("INTERACTION_CREATE", it); err != nil {
			t.Fatal(err)
		}
		s.adapter.WaitIdle()
		if n := len(s.api.Find("POST", "interactions/"+it.ID()+"/*/callback")); n != 1 {
			t.Fatalf("callbacks = %d, want 1", n)
		}
	})

	thread := func() string { return tk.Thread.ThreadID }
	messages := func() []core.Message {
		ms, err := s.store.Messages(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		return ms
	}
	waitMessages := func(what string, cond func([]core.Message) bool) []core.Message {
		t.Helper()
		deadline := time.Now().Add(wait)
		for {
			ms := messages()
			if cond(ms) {
				return ms
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: messages = %+v", what, ms)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	msgID := discordtest.ID()
	t.Run("a message in the ticket thread is stored once", func(t *testing.T) {
		ev := discordtest.MessageEvent(msgID, s.guild, thread(), s.reporter, "it still fails", false,
			discordtest.Attachment{Name: "error.png", URL: "https://cdn.example/error.png"})
		for range 2 {
			if _, err := s.gw.Dispatch("MESSAGE_CREATE", ev); err != nil {
				t.Fatal(err)
			}
		}
		ms := waitMessages("stored", func(ms []core.Message) bool { return len(ms) == 1 })
		m := ms[0]
		if m.ExternalID != msgID || m.Content != "it still fails" || m.Source != "discord" || m.Author.ID != s.reporter.ID ||
			len(m.Attachments) != 1 || m.Attachments[0].Name != "error.png" {
			t.Fatalf("message = %+v", m)
		}
		s.adapter.WaitIdle()
		if n := len(messages()); n != 1 {
			t.Fatalf("messages after the redelivery = %d, want 1", n)
		}
	})

	t.Run("bots and other channels are ignored, staff are stored", func(t *testing.T) {
		botUser := discordtest.User{ID: discordtest.ID(), Name: "otherbot", Bot: true}
		_, _ = s.gw.Dispatch("MESSAGE_CREATE", discordtest.MessageEvent(discordtest.ID(), s.guild, thread(), botUser, "beep", false))
		_, _ = s.gw.Dispatch("MESSAGE_CREATE", discordtest.MessageEvent(discordtest.ID(), s.guild, s.support, s.reporter, "elsewhere", false))
		staffMsg := discordtest.ID()
		_, _ = s.gw.Dispatch("MESSAGE_CREATE", discordtest.MessageEvent(staffMsg, s.guild, thread(), s.staff, "on it", false))
		ms := waitMessages("staff message stored", func(ms []core.Message) bool { return len(ms) == 2 })
		if ms[1].ExternalID != staffMsg || ms[1].Author.ID != s.staff.ID || ms[1].Internal || ms[0].Internal {
			t.Fatalf("messages = %+v", ms)
		}
	})

	t.Run("what is written in the private thread reaches the staff thread, once each", func(t *testing.T) {
		notes := s.waitTicket(1, "a staff thread", func(t tkt) bool { return t.Notes.ThreadID != "" }).Notes
		ok := s.api.WaitUntil(wait, func() bool {
			var got []string
			for _, m := range s.api.MessagesIn(notes.ThreadID) {
				got = append(got, m.Content)
			}
			all := strings.Join(got, "\n")
			return len(got) == 2 && strings.Contains(all, "it still fails") && strings.Contains(all, "on it")
		})
		if !ok {
			t.Fatalf("staff thread holds %+v\n%s", s.api.MessagesIn(notes.ThreadID), s.api.Dump())
		}
	})

	t.Run("edits and deletions update the stored message", func(t *testing.T) {
		_, _ = s.gw.Dispatch("MESSAGE_UPDATE", discordtest.MessageEvent(msgID, s.guild, thread(), s.reporter, "it still fails (edited)", true))
		waitMessages("edited", func(ms []core.Message) bool { return ms[0].Content == "it still fails (edited)" && ms[0].Edited })
		_, _ = s.gw.Dispatch("MESSAGE_DELETE", discordtest.MessageDeleteEvent(msgID, s.guild, thread()))
		waitMessages("deleted", func(ms []core.Message) bool { return ms[0].Deleted })
	})

	t.Run("the connection is resumed after it drops", func(t *testing.T) {
		s.gw.DropConnections(4000)
		if !s.gw.WaitUntil(wait, func() bool { _, resumes, _ := s.gw.Counts(); return resumes >= 1 && s.gw.Connected() == 1 }) {
			r, res, _ := s.gw.Counts()
			t.Fatalf("not resumed: readies %d, resumes %d", r, res)
		}
		id := discordtest.ID()
		_, _ = s.gw.Dispatch("MESSAGE_CREATE", discordtest.MessageEvent(id, s.guild, thread(), s.reporter, "after the reconnect", false))
		waitMessages("stored after reconnect", func(ms []core.Message) bool { return len(ms) == 3 && ms[2].ExternalID == id })
	})

	t.Run("every message the bot sends sets allowed_mentions with an empty parse list", func(t *testing.T) {
		checkAllowedMentions(t, s, 3)
	})
}

func TestGatewayDisallowedIntentsAreLogged(t *testing.T) {
	s := newStack(t, stackOptions{backend: backends()[0], gateway: true, beforeStart: func(_ *discordtest.API, gw *discordtest.Gateway) {
		gw.RefuseNextIdentify(4014, "Disallowed intent(s).")
	}})
	s.waitLog("close_code=4014", "enable the Message Content intent")
	s.gw.WaitConnected(t, wait) // the next attempt (after the admin fixed the portal) connects
}

func TestGatewayShards(t *testing.T) {
	s := newStack(t, stackOptions{backend: backends()[0], gateway: true, gatewayURL: true, shardID: 1, shardCount: 2})
	s.gw.WaitConnected(t, wait)
	if n := len(s.api.Find("GET", "gateway/bot")); n != 0 {
		t.Fatalf("asked GET /gateway/bot %d times although the gateway URL is configured", n)
	}
	ids := s.gw.Identifies()
	if len(ids) == 0 || ids[0].Shard == nil || *ids[0].Shard != [2]int{1, 2} {
		t.Fatalf("identify = %+v, want shard [1, 2]", ids)
	}
}

func TestNewRejectsBadConfiguration(t *testing.T) {
	s := newStack(t, stackOptions{backend: backends()[0]})
	for _, tc := range []struct {
		name string
		mod  func(c *discord.Config)
		want string
	}{
		{"no token", func(c *discord.Config) { c.BotToken = "" }, "DISCORD_BOT_TOKEN"},
		{"bad public key", func(c *discord.Config) { c.PublicKey = "xyz" }, "DISCORD_PUBLIC_KEY"},
		{"short public key", func(c *discord.Config) { c.PublicKey = "abcd" }, "DISCORD_PUBLIC_KEY"},
		{"bad API URL", func(c *discord.Config) { c.APIURL = "ftp://x" }, "DISCORD_API_URL"},
		{"shard out of range", func(c *discord.Config) { c.ShardID, c.ShardCount = 2, 2 }, "DISCORD_SHARD_ID"},
		{"bad gateway URL", func(c *discord.Config) { c.GatewayURL = "http://x" }, "gateway URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := discord.Config{Bot: s.bot, Service: s.svc, BotToken: botToken, PublicKey: s.signer.PublicKey, APIURL: s.api.URL()}
			tc.mod(&c)
			_, err := discord.New(context.Background(), c)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New = %v, want an error naming %s", err, tc.want)
			}
		})
	}
}

func TestRegisteredCommandsGolden(t *testing.T) {
	s := newStack(t, stackOptions{backend: backends()[0]})
	var v any
	if err := json.Unmarshal(s.api.Commands(), &v); err != nil {
		t.Fatal(err)
	}
	golden(t, "commands.json", v)
	if !strings.Contains(s.logs.String(), discord.InviteURL(discordtest.AppID)) {
		t.Fatalf("the invite URL was not logged")
	}
}

func TestSlowWorkIsDeferredAndFollowedUp(t *testing.T) {
	s := newStack(t, stackOptions{backend: backends()[0]})
	panelChannel := discordtest.ID()
	s.api.Slow("POST", "channels/"+panelChannel+"/messages", 2500*time.Millisecond, 1)
	it := discordtest.Command(s.guild, s.support, s.admin, "ticket-admin", "panel", discordtest.Opt{Name: "channel", Type: 7, Value: panelChannel})
	start := time.Now()
	r := s.interact(it)
	if took := time.Since(start); took > 2800*time.Millisecond {
		t.Fatalf("the first response took %v; Discord wants it within 3 s", took)
	}
	if r.Type != 5 || r.Data.Flags != 64 {
		t.Fatalf("first response = %d %+v, want a deferred ephemeral response (5)", r.Type, r.Data)
	}
	calls := s.api.WaitFor(t, wait, "PATCH", "webhooks/"+discordtest.AppID+"/tok-"+it.ID()+"/messages/@original", 1)
	if !strings.Contains(string(calls[0].Body), "Posted the panel") {
		t.Fatalf("follow-up = %s", calls[0].Body)
	}
	checkAllowedMentions(t, s, 2)
}

func TestSignatureWindowFollowsTheInjectedClock(t *testing.T) {
	clock := coretest.NewFakeClock(time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC))
	s := newStack(t, stackOptions{backend: backends()[0], clock: clock})
	body := discordtest.Ping().JSON()
	for _, tc := range []struct {
		name string
		at   time.Time
		want int
	}{
		{"signed at the clock's now", clock.Now(), 200},
		{"signed 4 minutes before", clock.Now().Add(-4 * time.Minute), 200},
		{"signed 6 minutes before", clock.Now().Add(-6 * time.Minute), 401},
		{"signed at the wall clock's now", time.Now(), 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if status, b := s.post(body, s.signer.Headers(body, tc.at)); status != tc.want {
				t.Fatalf("status = %d (%s), want %d", status, b, tc.want)
			}
		})
	}
}
