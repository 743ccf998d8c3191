package config_test

import (
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/config"
)

func TestLoadDefaults(t *testing.T) {
	c, err := config.Load(map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.PublicURL != "http://localhost:8080" || c.DatabaseURL.Reveal() != "sqlite://ticketbot.db" || c.RedisURL != "" {
		t.Fatalf("defaults: %+v", c)
	}
	if c.Slack.APIURL != "https://slack.com/api/" || c.Discord.APIURL != "https://discord.com/api/v10/" {
		t.Fatalf("api defaults: %q %q", c.Slack.APIURL, c.Discord.APIURL)
	}
	if !c.Discord.Gateway || c.Discord.ShardCount != 1 || c.Slack.Enabled() || c.Discord.Enabled() {
		t.Fatalf("adapter defaults: %+v", c)
	}
}

func TestLoadRejectsBadValues(t *testing.T) {
	const key = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	tests := []struct {
		name string
		env  map[string]string
		want string // the variable the error must name
	}{
		{"unknown database scheme", map[string]string{"TICKETBOT_DATABASE_URL": "postgres://x/y"}, "TICKETBOT_DATABASE_URL"},
		{"database without scheme", map[string]string{"TICKETBOT_DATABASE_URL": "ticketbot.db"}, "TICKETBOT_DATABASE_URL"},
		{"mysql without database", map[string]string{"TICKETBOT_DATABASE_URL": "mysql://root@localhost:3306"}, "TICKETBOT_DATABASE_URL"},
		{"redis with wrong scheme", map[string]string{"TICKETBOT_REDIS_URL": "http://localhost:6379"}, "TICKETBOT_REDIS_URL"},
		{"relative public url", map[string]string{"TICKETBOT_PUBLIC_URL": "helpdesk.example.com"}, "TICKETBOT_PUBLIC_URL"},
		{"public url not http", map[string]string{"TICKETBOT_PUBLIC_URL": "ftp://helpdesk.example.com"}, "TICKETBOT_PUBLIC_URL"},
		{"public url with a query", map[string]string{"TICKETBOT_PUBLIC_URL": "https://h.example/?token=x"}, "TICKETBOT_PUBLIC_URL"},
		{"no open connections", map[string]string{"TICKETBOT_DB_MAX_OPEN_CONNS": "0"}, "TICKETBOT_DB_MAX_OPEN_CONNS"},
		{"more idle than open", map[string]string{"TICKETBOT_DB_MAX_OPEN_CONNS": "4", "TICKETBOT_DB_MAX_IDLE_CONNS": "5"}, "TICKETBOT_DB_MAX_IDLE_CONNS"},
		{"no batch connections", map[string]string{"TICKETBOT_DB_BATCH_CONNS": "0"}, "TICKETBOT_DB_BATCH_CONNS"},
		{"pool size not a number", map[string]string{"TICKETBOT_DB_MAX_OPEN_CONNS": "many"}, "TICKETBOT_DB_MAX_OPEN_CONNS"},
		{"cluster without hosts", map[string]string{"TICKETBOT_REDIS_URL": "redis+cluster://"}, "TICKETBOT_REDIS_URL"},
		{"cluster with an empty host", map[string]string{"TICKETBOT_REDIS_URL": "redis+cluster://h1:6379,,h2:6379"}, "TICKETBOT_REDIS_URL"},
		{"cluster with a bad port", map[string]string{"TICKETBOT_REDIS_URL": "redis+cluster://h1:port,h2:6379"}, "TICKETBOT_REDIS_URL"},
		{"cluster with a database", map[string]string{"TICKETBOT_REDIS_URL": "redis+cluster://h1:6379/2"}, "TICKETBOT_REDIS_URL"},
		{"bad listen address", map[string]string{"TICKETBOT_ADDR": "8080"}, "TICKETBOT_ADDR"},
		{"short public key", map[string]string{"DISCORD_PUBLIC_KEY": "abcd"}, "DISCORD_PUBLIC_KEY"},
		{"non-hex public key", map[string]string{"DISCORD_PUBLIC_KEY": strings.Repeat("zz", 32)}, "DISCORD_PUBLIC_KEY"},
		{"gateway not a bool", map[string]string{"DISCORD_GATEWAY": "maybe"}, "DISCORD_GATEWAY"},
		{"shard id past count", map[string]string{"DISCORD_SHARD_ID": "2", "DISCORD_SHARD_COUNT": "2"}, "DISCORD_SHARD_ID"},
		{"shard count not a number", map[string]string{"DISCORD_SHARD_COUNT": "x"}, "DISCORD_SHARD_COUNT"},
		{"slack api url not a url", map[string]string{"SLACK_API_URL": "::"}, "SLACK_API_URL"},
		{"discord api url relative", map[string]string{"DISCORD_API_URL": "/api"}, "DISCORD_API_URL"},
		{"user token as bot token", map[string]string{"SLACK_BOT_TOKEN": "xoxp-1", "SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN"},
		{"bot token as app token", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-2"}, "SLACK_APP_TOKEN"},
		{"http mode without signing secret", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"},
		{"non-numeric app id", map[string]string{"DISCORD_APP_ID": "abc", "DISCORD_PUBLIC_KEY": key}, "DISCORD_APP_ID"},
		{"unknown log level", map[string]string{"TICKETBOT_LOG_LEVEL": "verbose"}, "TICKETBOT_LOG_LEVEL"},
		{"duration without unit", map[string]string{"TICKETBOT_SHUTDOWN_TIMEOUT": "25"}, "TICKETBOT_SHUTDOWN_TIMEOUT"},
		{"duration of junk", map[string]string{"TICKETBOT_OPEN_WINDOW": "soon"}, "TICKETBOT_OPEN_WINDOW"},
		{"negative shutdown timeout", map[string]string{"TICKETBOT_SHUTDOWN_TIMEOUT": "-5s"}, "TICKETBOT_SHUTDOWN_TIMEOUT"},
		{"zero shutdown timeout", map[string]string{"TICKETBOT_SHUTDOWN_TIMEOUT": "0s"}, "TICKETBOT_SHUTDOWN_TIMEOUT"},
		{"negative database wait", map[string]string{"TICKETBOT_DB_WAIT": "-1s"}, "TICKETBOT_DB_WAIT"},
		{"trusted proxy that is not a CIDR", map[string]string{"TICKETBOT_TRUSTED_PROXIES": "10.0.0.0/8,lb.internal"}, "TICKETBOT_TRUSTED_PROXIES"},
		{"trusted proxy with a bad mask", map[string]string{"TICKETBOT_TRUSTED_PROXIES": "10.0.0.0/33"}, "TICKETBOT_TRUSTED_PROXIES"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Load(tt.env)
			if err == nil {
				t.Fatal("want an error")
			}
			if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), "%!") {
				t.Fatalf("error %q should be one clean line naming %s", err, tt.want)
			}
		})
	}
}

func TestLogLevelDBWaitAndTrustedProxies(t *testing.T) {
	c, err := config.Load(map[string]string{"TICKETBOT_LOG_LEVEL": "DEBUG", "TICKETBOT_DB_WAIT": "5s",
		"TICKETBOT_TRUSTED_PROXIES": " 10.0.0.0/8, 192.168.1.7 ,fd00::/8"})
	if err != nil {
		t.Fatal(err)
	}
	if l, _ := c.SlogLevel(); l != slog.LevelDebug || c.DBWait != 5*time.Second {
		t.Errorf("level %v wait %v", l, c.DBWait)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.7/32"), netip.MustParsePrefix("fd00::/8")}
	if !slices.Equal(c.TrustedProxies, want) {
		t.Errorf("proxies %v, want %v", c.TrustedProxies, want)
	}
	d, _ := config.Load(map[string]string{})
	if l, _ := d.SlogLevel(); l != slog.LevelInfo || d.DBWait != time.Minute || len(d.TrustedProxies) != 0 {
		t.Errorf("defaults: level %v wait %v proxies %v", l, d.DBWait, d.TrustedProxies)
	}
}

func TestLoadAcceptsRedisClusterURLs(t *testing.T) {
	for _, u := range []string{"redis+cluster://h1:6379,h2:6379", "redis+cluster://:pw@h1,h2:7000/0", "rediss+cluster://u:pw@h1:6379?dial_timeout=2s"} {
		if _, err := config.Load(map[string]string{"TICKETBOT_REDIS_URL": u}); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	_, err := config.Load(map[string]string{"TICKETBOT_REDIS_URL": "redis+cluster://:hunter2@h1:port"})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("a bad cluster URL: %v", err)
	}
}

func TestSecretsNeverPrint(t *testing.T) {
	odd, err := config.Load(map[string]string{"TICKETBOT_DATABASE_URL": "mysql://u:1234/oddpass#x@db:3306/tb"})
	if err != nil {
		t.Fatal(err)
	}
	var ob strings.Builder
	slog.New(slog.NewTextHandler(&ob, nil)).Info("cfg", odd.Summary()...)
	if strings.Contains(ob.String(), "oddpass") || strings.Contains(ob.String(), "1234") {
		t.Errorf("an odd password printed: %s", ob.String())
	}
	c, err := config.Load(map[string]string{
		"SLACK_BOT_TOKEN":        "xoxb-supersecret",
		"SLACK_SIGNING_SECRET":   "signsecret",
		"DISCORD_BOT_TOKEN":      "discordsecret",
		"TICKETBOT_DATABASE_URL": "mysql://u:dbpassword@db:3306/tb",
		"TICKETBOT_REDIS_URL":    "redis://:redispassword@cache:6379/0",
	})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%v %+v %#v %s", c, c, c, c.Slack.BotToken)
	slog.New(slog.NewJSONHandler(&b, nil)).Info("cfg", c.Summary()...)
	slog.New(slog.NewTextHandler(&b, nil)).Info("cfg", "c", c)
	for _, s := range []string{"supersecret", "signsecret", "discordsecret", "dbpassword", "redispassword"} {
		if strings.Contains(b.String(), s) {
			t.Errorf("secret %q printed in %s", s, b.String())
		}
	}
	if c.Slack.BotToken.Reveal() != "xoxb-supersecret" {
		t.Error("Reveal must return the value")
	}
}

func TestWebhookAllowPrivate(t *testing.T) {
	d, err := config.Load(map[string]string{})
	if err != nil || d.WebhookAllowPrivate {
		t.Fatalf("default allow private = %v (%v), want false", d.WebhookAllowPrivate, err)
	}
	c, err := config.Load(map[string]string{"TICKETBOT_WEBHOOK_ALLOW_PRIVATE": "true"})
	if err != nil || !c.WebhookAllowPrivate {
		t.Fatalf("TICKETBOT_WEBHOOK_ALLOW_PRIVATE=true gives %v (%v)", c.WebhookAllowPrivate, err)
	}
	if _, err := config.Load(map[string]string{"TICKETBOT_WEBHOOK_ALLOW_PRIVATE": "maybe"}); err == nil {
		t.Fatal("a value that is no boolean is accepted")
	}
}

func TestMemoryLimit(t *testing.T) {
	d, err := config.Load(map[string]string{})
	if err != nil || d.MemoryLimit != 48<<20 {
		t.Fatalf("default memory limit = %d (%v), want 48 MiB", d.MemoryLimit, err)
	}
	for v, want := range map[string]config.ByteSize{"off": 0, "0": 0, "1048576": 1 << 20, "512KiB": 512 << 10, "64MiB": 64 << 20, "2GiB": 2 << 30, "100B": 100} {
		c, err := config.Load(map[string]string{"TICKETBOT_MEMORY_LIMIT": v})
		if err != nil || c.MemoryLimit != want {
			t.Errorf("TICKETBOT_MEMORY_LIMIT=%s gives %d (%v), want %d", v, c.MemoryLimit, err, want)
		}
	}
	for _, v := range []string{"48MB", "48 mib", "-1MiB", "lots", "1.5GiB", "99999999TiB"} {
		_, err := config.Load(map[string]string{"TICKETBOT_MEMORY_LIMIT": v})
		if err == nil || !strings.Contains(err.Error(), "TICKETBOT_MEMORY_LIMIT") || strings.Contains(err.Error(), "\n") {
			t.Errorf("TICKETBOT_MEMORY_LIMIT=%s: %v, want one line naming the variable", v, err)
		}
	}
}
