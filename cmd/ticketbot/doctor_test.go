package main

import (
	"context"
	"database/sql"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/go-sql-driver/mysql"

	"github.com/ticketbot/ticketbot/adapters/discord/discordtest"
	"github.com/ticketbot/ticketbot/adapters/slack/slacktest"
	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
	"github.com/ticketbot/ticketbot/core/gormstore"
)

// Discord permission bits the doctor fixtures use.
const (
	permView      = 1 << 10
	permSend      = 1 << 11
	permBotNeeds  = 1<<10 | 1<<11 | 1<<14 | 1<<16 | 1<<34 | 1<<35 | 1<<36 | 1<<38
	guildID       = "1100000000000000001"
	botRoleID     = "1100000000000000002"
	supportChanID = "1100000000000000003"
	staffChanID   = "1100000000000000004"
)

// doctorWorld is a healthy configuration: a migrated database with a Slack and a Discord
// helpdesk, Redis, fake Slack and Discord, and a public URL that answers.
type doctorWorld struct {
	env     map[string]string
	slack   *slacktest.Server
	discord *discordtest.API
	redis   *miniredis.Miniredis
	store   *gormstore.Store
}

func newDoctorWorld(t *testing.T) *doctorWorld {
	t.Helper()
	w := &doctorWorld{env: map[string]string{
		"TICKETBOT_DATABASE_URL": "sqlite://" + filepath.Join(t.TempDir(), "tb.db"),
	}}
	if _, _, err := run(t, w.env, "", "migrate"); err != nil {
		t.Fatal(err)
	}
	st, err := gormstore.Open(context.Background(), w.env["TICKETBOT_DATABASE_URL"], nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	w.store = st

	w.slack = slacktest.Start(t, slacktest.Options{Strict: true})
	w.slack.AddChannel(slacktest.Channel{ID: "CTRIAGE", Name: "triage", Private: true, Members: []string{slacktest.BotUserID}})
	w.slack.AddChannel(slacktest.Channel{ID: "CPUBLIC", Name: "general", Members: []string{slacktest.BotUserID}})
	w.slack.AddChannel(slacktest.Channel{ID: "CNOBOT", Name: "secret", Private: true})
	w.setSlackTriage(t, "CTRIAGE")

	w.discord = discordtest.StartAPI(t, "discord-bot-token")
	w.discord.AddGuild(discordtest.Guild{ID: guildID, Name: "Guild", OwnerID: "1", Roles: []discordtest.Role{
		{ID: botRoleID, Name: "ticketbot", Permissions: permBotNeeds, Position: 1},
	}})
	w.discord.AddMember(guildID, discordtest.Member{User: discordtest.User{ID: discordtest.BotUserID, Name: "ticketbot"}, Roles: []string{botRoleID}})
	w.discord.AddChannel(discordtest.Channel{ID: supportChanID, GuildID: guildID, Name: "support"})
	w.discord.AddChannel(discordtest.Channel{ID: staffChanID, GuildID: guildID, Name: "staff",
		Overwrites: []discordtest.Overwrite{{ID: guildID, Type: 0, Deny: permView}, {ID: botRoleID, Type: 0, Allow: permView}}})
	save(t, st, core.Settings{Workspace: core.Workspace{Platform: core.PlatformDiscord, ExternalID: guildID},
		SupportChannel: supportChanID, TriageChannel: staffChanID})

	w.redis = miniredis.RunT(t)
	public := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(rw, r)
		}
	}))
	t.Cleanup(public.Close)

	for k, v := range map[string]string{
		"TICKETBOT_REDIS_URL":  "redis://" + w.redis.Addr() + "/0",
		"TICKETBOT_PUBLIC_URL": public.URL,
		"SLACK_BOT_TOKEN":      w.slack.BotToken(),
		"SLACK_APP_TOKEN":      w.slack.AppToken(),
		"SLACK_API_URL":        w.slack.APIURL(),
		"DISCORD_BOT_TOKEN":    "discord-bot-token",
		"DISCORD_APP_ID":       discordtest.AppID,
		"DISCORD_API_URL":      w.discord.URL(),
		"DISCORD_GATEWAY":      "false",
	} {
		w.env[k] = v
	}
	return w
}

func (w *doctorWorld) setSlackTriage(t *testing.T, channel string) {
	save(t, w.store, core.Settings{Workspace: core.Workspace{Platform: core.PlatformSlack, ExternalID: w.slack.Team()}, TriageChannel: channel})
}

func save(t *testing.T, st *gormstore.Store, s core.Settings) {
	t.Helper()
	if err := st.SaveSettings(context.Background(), s, core.UserRef{ID: "admin"}); err != nil {
		t.Fatal(err)
	}
}

func TestDoctorPassesAHealthyConfiguration(t *testing.T) {
	w := newDoctorWorld(t)
	out, _, err := run(t, w.env, "", "doctor")
	if err != nil {
		t.Fatalf("doctor failed on a healthy configuration: %v\n%s", err, out)
	}
	for _, want := range []string{
		"ok   database: sqlite", "ok   database migrations: all", "ok   redis: answers",
		"ok   slack T1 token:", "ok   slack T1 scopes:", "ok   slack T1 triage channel: #triage (CTRIAGE) is private and has the bot",
		"ok   slack socket mode:", "ok   discord token:", "ok   discord application id:", "ok   discord message content intent:",
		"ok   discord Guild support channel:", "ok   discord Guild staff channel:", "ok   public url:",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no line %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "FAIL") {
		t.Errorf("a check failed:\n%s", out)
	}
}

func TestDoctorNamesEachFaultAndItsFix(t *testing.T) {
	for _, tc := range []struct {
		name  string
		plant func(t *testing.T, w *doctorWorld)
		want  string // the start of the FAIL line
		fix   string // a part of its fix
	}{
		{"missing scope", func(t *testing.T, w *doctorWorld) {
			w.slack.SetScopes(slices.DeleteFunc(slices.Clone(slacktest.DefaultScopes), func(s string) bool { return s == "reactions:write" })...)
		}, "FAIL slack T1 scopes: the token lacks reactions:write", "reinstall the app"},
		{"public triage channel", func(t *testing.T, w *doctorWorld) { w.setSlackTriage(t, "CPUBLIC") },
			"FAIL slack T1 triage channel: #general (CPUBLIC) is public", "create a private channel"},
		{"bot not in the triage channel", func(t *testing.T, w *doctorWorld) { w.setSlackTriage(t, "CNOBOT") },
			"FAIL slack T1 triage channel: the bot is not a member of #secret", "/invite @ticketbot"},
		{"triage channel gone", func(t *testing.T, w *doctorWorld) { w.setSlackTriage(t, "CGONE") },
			"FAIL slack T1 triage channel: CGONE does not exist", "/ticket setup"},
		{"bad Slack token", func(t *testing.T, w *doctorWorld) { w.env["SLACK_BOT_TOKEN"] = "xoxb-wrong" },
			"FAIL slack token: SLACK_BOT_TOKEN: auth.test: invalid_auth", "Bot User OAuth Token"},
		{"bad Socket Mode token", func(t *testing.T, w *doctorWorld) { w.env["SLACK_APP_TOKEN"] = "xapp-wrong" },
			"FAIL slack socket mode: SLACK_APP_TOKEN: apps.connections.open: invalid_auth", "connections:write"},
		{"bad Discord token", func(t *testing.T, w *doctorWorld) { w.env["DISCORD_BOT_TOKEN"] = "wrong" },
			"FAIL discord token: GET /users/@me:", "Reset Token"},
		{"wrong application id", func(t *testing.T, w *doctorWorld) { w.env["DISCORD_APP_ID"] = "42" },
			"FAIL discord application id: DISCORD_APP_ID is 42", "DISCORD_APP_ID=" + discordtest.AppID},
		{"no Message Content intent", func(t *testing.T, w *doctorWorld) { w.discord.SetApplicationFlags(0) },
			"FAIL discord message content intent:", "Message Content Intent"},
		{"missing channel permission", func(t *testing.T, w *doctorWorld) {
			w.discord.AddChannel(discordtest.Channel{ID: staffChanID, GuildID: guildID, Name: "staff",
				Overwrites: []discordtest.Overwrite{{ID: guildID, Type: 0, Deny: permView}, {ID: botRoleID, Type: 0, Allow: permView, Deny: permSend}}})
		}, "FAIL discord Guild staff channel: #staff: the bot lacks Send Messages", "Edit Channel"},
		{"database down", func(t *testing.T, w *doctorWorld) {
			w.env["TICKETBOT_DATABASE_URL"] = "mysql://root@" + closedAddr(t) + "/test"
		}, "FAIL database: TICKETBOT_DATABASE_URL:", "database runs"},
		{"pending migrations", func(t *testing.T, w *doctorWorld) {
			w.env["TICKETBOT_DATABASE_URL"] = "sqlite://" + filepath.Join(t.TempDir(), "new.db")
		}, "FAIL database migrations: 0 applied", "ticketbot migrate"},
		{"Redis wrong password", func(t *testing.T, w *doctorWorld) {
			w.redis.RequireAuth("the-password")
			w.env["TICKETBOT_REDIS_URL"] = "redis://:not-the-password@" + w.redis.Addr() + "/0"
		}, "FAIL redis: Redis refuses this configuration", "the password"},
		{"Redis down", func(t *testing.T, w *doctorWorld) {
			w.env["TICKETBOT_REDIS_URL"] = "redis://" + closedAddr(t) + "/0"
		}, "FAIL redis: does not answer", "start Redis"},
		{"public URL does not answer", func(t *testing.T, w *doctorWorld) {
			w.env["TICKETBOT_PUBLIC_URL"] = "http://" + closedAddr(t)
		}, "FAIL public url:", "TICKETBOT_PUBLIC_URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newDoctorWorld(t)
			tc.plant(t, w)
			out, _, err := run(t, w.env, "", "doctor")
			if err == nil {
				t.Fatalf("doctor exited 0 with %s planted:\n%s", tc.name, out)
			}
			var line string
			for _, l := range strings.Split(out, "\n") {
				if strings.HasPrefix(l, tc.want) {
					line = l
				}
			}
			if line == "" {
				t.Fatalf("no line starting %q in\n%s", tc.want, out)
			}
			if !strings.Contains(line, "→ fix: ") || !strings.Contains(line, tc.fix) {
				t.Errorf("the line gives no fix with %q: %s", tc.fix, line)
			}
			if n := strings.Count(out, "FAIL"); n != 1 {
				t.Errorf("%d FAIL lines, want only the planted one:\n%s", n, out)
			}
		})
	}
}

// closedAddr is a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.Listener.Addr().String()
	srv.Close()
	return addr
}

func TestDoctorChecksTheMySQLCharacterSet(t *testing.T) {
	dbURL := coretest.MySQLURL(t)
	env := map[string]string{"TICKETBOT_DATABASE_URL": dbURL, "TICKETBOT_PUBLIC_URL": "http://" + closedAddr(t)}
	if _, _, err := run(t, env, "", "migrate"); err != nil {
		t.Fatal(err)
	}
	out, _, _ := run(t, env, "", "doctor")
	if !strings.Contains(out, "ok   database: mysql") || !strings.Contains(out, "ok   database character set: utf8mb4") {
		t.Fatalf("a migrated MySQL database:\n%s", out)
	}
	u, _ := url.Parse(dbURL)
	cfg := mysql.NewConfig()
	cfg.User, cfg.Net, cfg.Addr, cfg.DBName = u.User.Username(), "tcp", u.Host, strings.TrimPrefix(u.Path, "/")
	cfg.Passwd, _ = u.User.Password()
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE TABLE legacy_notes (id INT PRIMARY KEY) CHARACTER SET latin1"); err != nil {
		t.Fatal(err)
	}
	out, _, err = run(t, env, "", "doctor")
	if err == nil || !strings.Contains(out, "FAIL database character set: tables not in utf8mb4: legacy_notes → fix: ALTER TABLE") {
		t.Fatalf("a latin1 table: %v\n%s", err, out)
	}
	if _, err := db.Exec("ALTER DATABASE `" + cfg.DBName + "` CHARACTER SET latin1"); err != nil {
		t.Fatal(err)
	}
	out, _, _ = run(t, env, "", "doctor")
	if !strings.Contains(out, "FAIL database character set: the database's default is latin1") {
		t.Fatalf("a latin1 database:\n%s", out)
	}
}
