// Package config is ticketbot's typed configuration: loaded from the environment variables of
// the contract, validated with one clear line naming the bad variable, and printable without
// ever showing a secret. It imports no project package.
package config

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/netip"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
)

// Secret is a credential: it prints as "[set]" or "[empty]" everywhere (fmt, slog, JSON).
type Secret string

// String hides the value.
func (s Secret) String() string {
	if s == "" {
		return "[empty]"
	}
	return "[set]"
}

// GoString hides the value from %#v.
func (s Secret) GoString() string { return s.String() }

// MarshalText hides the value from encoders (slog, JSON).
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Reveal returns the value, for the one place that must send it.
func (s Secret) Reveal() string { return string(s) }

// Config is every setting of ticketbot.
type Config struct {
	Addr string `env:"TICKETBOT_ADDR" envDefault:":8080"`
	// PublicURL is where people reach ticketbot: the start-up log, links and OAuth redirects.
	PublicURL   string `env:"TICKETBOT_PUBLIC_URL" envDefault:"http://localhost:8080"`
	DatabaseURL Secret `env:"TICKETBOT_DATABASE_URL" envDefault:"sqlite://ticketbot.db"`
	// RedisURL is redis://…, or redis+cluster://host1:6379,host2:6379 for a Redis Cluster.
	RedisURL Secret `env:"TICKETBOT_REDIS_URL"`
	// DBMaxOpen, DBMaxIdle and DBBatchOpen size the MySQL pools; a replica holds at most
	// DBMaxOpen + DBBatchOpen connections.
	DBMaxOpen   int `env:"TICKETBOT_DB_MAX_OPEN_CONNS" envDefault:"24"`
	DBMaxIdle   int `env:"TICKETBOT_DB_MAX_IDLE_CONNS" envDefault:"8"`
	DBBatchOpen int `env:"TICKETBOT_DB_BATCH_CONNS" envDefault:"8"`
	// RedisTimeout is each state store call's own deadline; RedisBreaker is how long the
	// state store is skipped after failures before one call probes it again (doubling up to
	// six times that while it stays away).
	RedisTimeout time.Duration `env:"TICKETBOT_REDIS_TIMEOUT" envDefault:"200ms"`
	RedisBreaker time.Duration `env:"TICKETBOT_REDIS_BREAKER" envDefault:"5s"`
	// SecureCookies marks dashboard cookies Secure (set it when serving behind TLS).
	SecureCookies bool `env:"TICKETBOT_SECURE_COOKIES" envDefault:"false"`
	// OpenLimit and OpenWindow cap how many tickets one user opens per window.
	OpenLimit  int           `env:"TICKETBOT_OPEN_LIMIT" envDefault:"5"`
	OpenWindow time.Duration `env:"TICKETBOT_OPEN_WINDOW" envDefault:"10m"`
	// CommandLimit is how many chat commands one user may send per minute.
	CommandLimit int `env:"TICKETBOT_COMMAND_LIMIT" envDefault:"30"`
	// ShutdownTimeout bounds how long SIGTERM waits for in-flight work.
	ShutdownTimeout time.Duration `env:"TICKETBOT_SHUTDOWN_TIMEOUT" envDefault:"25s"`
	// LogLevel is debug, info, warn or error (slog's names, any case).
	LogLevel string `env:"TICKETBOT_LOG_LEVEL" envDefault:"info"`
	// DBWait bounds how long start-up waits for an unreachable database, retrying.
	DBWait time.Duration `env:"TICKETBOT_DB_WAIT" envDefault:"60s"`
	// TrustedProxies are the networks whose X-Forwarded-For is believed.
	TrustedProxies Prefixes `env:"TICKETBOT_TRUSTED_PROXIES"`
	// OutboxLease is how long a process holds the outbox events it is delivering without
	// renewing them: how long a killed process's events wait for another one.
	OutboxLease time.Duration `env:"TICKETBOT_OUTBOX_LEASE" envDefault:"20s"`
	// IntakeLease is how long a process holds a stored request it is working on: how
	// long a killed process's commands wait for another one. The work on one is bounded by
	// half of it (at most 15 s).
	IntakeLease time.Duration `env:"TICKETBOT_INTAKE_LEASE" envDefault:"1m"`
	// SecretKey (base64, 32 bytes) seals stored platform tokens; SecretKeysOld are earlier
	// keys (comma-separated) that still open what they sealed, while rotating.
	SecretKey     Secret `env:"TICKETBOT_SECRET_KEY"`
	SecretKeysOld Secret `env:"TICKETBOT_SECRET_KEY_OLD"`
	// WebhookAllowPrivate lets webhook endpoints be on loopback, private and link-local
	// addresses (and plain http): for development and tests only.
	WebhookAllowPrivate bool `env:"TICKETBOT_WEBHOOK_ALLOW_PRIVATE" envDefault:"false"`
	// MemoryLimit is the Go runtime's soft memory limit (heap, stacks and the runtime's own
	// structures, not the program's code): near it the garbage collector runs more often
	// instead of letting the heap grow. 0 (or off) sets none; GOMEMLIMIT, when set, wins.
	MemoryLimit ByteSize `env:"TICKETBOT_MEMORY_LIMIT" envDefault:"48MiB"`

	Slack   Slack
	Discord Discord
}

// Slack configures the Slack adapter.
type Slack struct {
	BotToken      Secret `env:"SLACK_BOT_TOKEN"`
	SigningSecret Secret `env:"SLACK_SIGNING_SECRET"`
	AppToken      Secret `env:"SLACK_APP_TOKEN"`
	APIURL        string `env:"SLACK_API_URL" envDefault:"https://slack.com/api/"`
	// ClientID and ClientSecret are the app's OAuth credentials: installs in many workspaces,
	// and Sign in with Slack (OpenID Connect) on the web.
	ClientID     string `env:"SLACK_CLIENT_ID"`
	ClientSecret Secret `env:"SLACK_CLIENT_SECRET"`
}

// Enabled reports whether the Slack adapter should start: one workspace's bot token, or
// installs through OAuth.
func (s Slack) Enabled() bool { return s.BotToken != "" || s.Installs() }

// Installs reports whether workspaces can install the app through /slack/install.
func (s Slack) Installs() bool { return s.ClientID != "" && s.ClientSecret != "" }

// SignIn reports whether Sign in with Slack is on.
func (s Slack) SignIn() bool { return s.Installs() }

// SocketMode reports whether Slack is reached over Socket Mode.
func (s Slack) SocketMode() bool { return s.AppToken != "" }

// Discord configures the Discord adapter.
type Discord struct {
	BotToken   Secret `env:"DISCORD_BOT_TOKEN"`
	AppID      string `env:"DISCORD_APP_ID"`
	PublicKey  string `env:"DISCORD_PUBLIC_KEY"`
	APIURL     string `env:"DISCORD_API_URL" envDefault:"https://discord.com/api/v10/"`
	Gateway    bool   `env:"DISCORD_GATEWAY" envDefault:"true"`
	ShardID    int    `env:"DISCORD_SHARD_ID" envDefault:"0"`
	ShardCount int    `env:"DISCORD_SHARD_COUNT" envDefault:"1"`
	// ClientSecret (with AppID as the client id) enables Sign in with Discord on the web.
	ClientSecret Secret `env:"DISCORD_CLIENT_SECRET"`
}

// SignIn reports whether Sign in with Discord is on.
func (d Discord) SignIn() bool { return d.AppID != "" && d.ClientSecret != "" }

// Enabled reports whether the Discord adapter should start.
func (d Discord) Enabled() bool { return d.BotToken != "" }

// Load reads the environment (lookup is os.LookupEnv in main, a map in tests) and validates.
func Load(environ map[string]string) (Config, error) {
	var c Config
	if err := env.ParseWithOptions(&c, env.Options{Environment: environ}); err != nil {
		return Config{}, oneLine(err)
	}
	return c, c.Validate()
}

// oneLine turns caarlos0/env's aggregate error into its first line, which names the variable.
func oneLine(err error) error {
	var agg env.AggregateError
	if errors.As(err, &agg) && len(agg.Errors) > 0 {
		err = agg.Errors[0]
	}
	var pe env.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("config: %s is not a valid %s: %s", envKey(reflect.TypeFor[Config](), pe.Name), typeName(pe.Type), innermost(pe.Err))
	}
	msg := strings.TrimPrefix(err.Error(), "env: ")
	return errors.New("config: " + strings.SplitN(msg, "\n", 2)[0])
}

// typeName says in words what a field wants.
func typeName(t reflect.Type) string {
	switch t {
	case reflect.TypeFor[time.Duration]():
		return "duration (such as 25s, 5m or 1h)"
	case reflect.TypeFor[Prefixes]():
		return "list of CIDRs (such as 10.0.0.0/8,192.168.1.1)"
	case reflect.TypeFor[ByteSize]():
		return "size (such as 48MiB, 1GiB, or off)"
	}
	switch t.Kind() {
	case reflect.Bool:
		return "boolean (true or false)"
	case reflect.Int, reflect.Int64:
		return "whole number"
	}
	return t.String()
}

// innermost is the deepest error of a chain (the parser's own words), never nil.
func innermost(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

// envKey finds the env tag of the field called name in t or its nested structs.
func envKey(t reflect.Type, name string) string {
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Name == name && f.Tag.Get("env") != "" {
			return f.Tag.Get("env")
		}
		if f.Type.Kind() == reflect.Struct {
			if k := envKey(f.Type, name); k != name {
				return k
			}
		}
	}
	return name
}

// Validate checks every value and returns one line naming the first bad variable.
func (c Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("config: TICKETBOT_ADDR %q is not a host:port listen address", c.Addr)
	}
	if err := checkPublicURL(c.PublicURL); err != nil {
		return fmt.Errorf("config: TICKETBOT_PUBLIC_URL: %w", err)
	}
	if err := checkDatabaseURL(string(c.DatabaseURL)); err != nil {
		return fmt.Errorf("config: TICKETBOT_DATABASE_URL: %w", err)
	}
	if c.RedisURL != "" {
		if err := checkRedisURL(string(c.RedisURL)); err != nil {
			return errors.New("config: TICKETBOT_REDIS_URL " + err.Error())
		}
	}
	switch {
	case c.DBMaxOpen < 1:
		return errors.New("config: TICKETBOT_DB_MAX_OPEN_CONNS must be at least 1")
	case c.DBMaxIdle < 0 || c.DBMaxIdle > c.DBMaxOpen:
		return errors.New("config: TICKETBOT_DB_MAX_IDLE_CONNS must be between 0 and TICKETBOT_DB_MAX_OPEN_CONNS")
	case c.DBBatchOpen < 1:
		return errors.New("config: TICKETBOT_DB_BATCH_CONNS must be at least 1")
	case c.OutboxLease < time.Second:
		return errors.New("config: TICKETBOT_OUTBOX_LEASE must be at least 1s")
	case c.IntakeLease < 2*time.Second:
		return errors.New("config: TICKETBOT_INTAKE_LEASE must be at least 2s")
	case c.RedisTimeout <= 0 || c.RedisBreaker <= 0:
		return errors.New("config: TICKETBOT_REDIS_TIMEOUT and TICKETBOT_REDIS_BREAKER must be positive")
	}
	if c.OpenLimit < 1 || c.OpenWindow <= 0 {
		return errors.New("config: TICKETBOT_OPEN_LIMIT and TICKETBOT_OPEN_WINDOW must be positive")
	}
	if c.CommandLimit < 1 {
		return errors.New("config: TICKETBOT_COMMAND_LIMIT must be positive")
	}
	if c.ShutdownTimeout <= 0 {
		return fmt.Errorf("config: TICKETBOT_SHUTDOWN_TIMEOUT must be a positive duration such as 25s, not %s", c.ShutdownTimeout)
	}
	if c.DBWait < 0 {
		return fmt.Errorf("config: TICKETBOT_DB_WAIT must not be negative (0 does not wait), not %s", c.DBWait)
	}
	if _, err := c.SlogLevel(); err != nil {
		return fmt.Errorf("config: TICKETBOT_LOG_LEVEL %q is not a log level (use debug, info, warn or error)", c.LogLevel)
	}
	if err := c.Slack.validate(); err != nil {
		return err
	}
	if _, err := c.SecretKeys(); err != nil {
		return err
	}
	if c.Slack.Installs() && c.SecretKey == "" {
		return errors.New("config: TICKETBOT_SECRET_KEY is required with SLACK_CLIENT_ID: it seals the bot tokens of the workspaces that install the app (make one with: openssl rand -base64 32)")
	}
	return c.Discord.validate()
}

func checkDatabaseURL(raw string) error {
	scheme, rest, ok := strings.Cut(raw, "://")
	switch {
	case !ok:
		return errors.New("must look like mysql://user:pass@host:3306/dbname or sqlite://path/to/file.db")
	case scheme == "sqlite":
		if rest == "" {
			return errors.New("sqlite:// needs a file path or :memory:")
		}
	case scheme == "mysql":
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" || strings.Trim(u.Path, "/") == "" {
			return errors.New("must look like mysql://user:pass@host:3306/dbname")
		}
	default:
		return fmt.Errorf("unknown scheme %q (use mysql or sqlite)", scheme)
	}
	return nil
}

// checkRedisURL accepts redis:// and rediss:// URLs with a host, and redis+cluster:// and
// rediss+cluster:// URLs with a comma-separated list of host[:port]. It never quotes the URL,
// which may hold a password.
func checkRedisURL(raw string) error {
	scheme, rest, _ := strings.Cut(raw, "://")
	switch scheme {
	case "redis", "rediss":
		if u, err := url.Parse(raw); err != nil || u.Host == "" {
			return errors.New("must look like redis://[:password@]host:6379/0")
		}
		return nil
	case "redis+cluster", "rediss+cluster":
		const form = "must look like redis+cluster://[:password@]host1:6379,host2:6379"
		rest, _, _ = strings.Cut(rest, "?")
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			rest = rest[at+1:]
		}
		hosts, db, _ := strings.Cut(rest, "/")
		if db != "" && db != "0" {
			return errors.New(form + " (a cluster has only database 0)")
		}
		for _, h := range strings.Split(hosts, ",") {
			if u, err := url.Parse("redis://" + h); err != nil || u.Hostname() == "" || u.Host != h {
				return errors.New(form)
			}
		}
		return nil
	default:
		return errors.New("must look like redis://[:password@]host:6379/0 or redis+cluster://host1:6379,host2:6379")
	}
}

// checkPublicURL accepts an absolute http(s) URL with no credentials, query or fragment.
func checkPublicURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q must be an absolute http(s) URL such as https://helpdesk.example.com", raw)
	}
	return nil
}

func checkAPIURL(name, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("config: %s %q is not an http(s) URL", name, raw)
	}
	return nil
}

func (s Slack) validate() error {
	if err := checkAPIURL("SLACK_API_URL", s.APIURL); err != nil {
		return err
	}
	if (s.ClientID == "") != (s.ClientSecret == "") {
		return errors.New("config: SLACK_CLIENT_ID and SLACK_CLIENT_SECRET go together (both from the app's Basic Information page)")
	}
	if s.Installs() && s.BotToken == "" && s.SigningSecret == "" {
		return errors.New("config: SLACK_SIGNING_SECRET is required to receive Slack requests from installed workspaces")
	}
	if s.BotToken != "" && !strings.HasPrefix(string(s.BotToken), "xoxb-") {
		return errors.New("config: SLACK_BOT_TOKEN must be a bot token starting with xoxb-")
	}
	if s.AppToken != "" && !strings.HasPrefix(string(s.AppToken), "xapp-") {
		return errors.New("config: SLACK_APP_TOKEN must be an app-level token starting with xapp-")
	}
	if s.BotToken != "" && s.AppToken == "" && s.SigningSecret == "" {
		return errors.New("config: SLACK_SIGNING_SECRET is required to receive Slack requests over HTTP (or set SLACK_APP_TOKEN for Socket Mode)")
	}
	return nil
}

func (d Discord) validate() error {
	if err := checkAPIURL("DISCORD_API_URL", d.APIURL); err != nil {
		return err
	}
	if d.PublicKey != "" {
		k, err := hex.DecodeString(d.PublicKey)
		if err != nil || len(k) != 32 {
			return errors.New("config: DISCORD_PUBLIC_KEY must be the application's 64-hex-digit Ed25519 public key")
		}
	}
	if d.AppID != "" && strings.Trim(d.AppID, "0123456789") != "" {
		return errors.New("config: DISCORD_APP_ID must be the numeric application id")
	}
	if d.ClientSecret != "" && d.AppID == "" {
		return errors.New("config: DISCORD_CLIENT_SECRET needs DISCORD_APP_ID (the OAuth2 client id) for Sign in with Discord")
	}
	if d.ShardCount < 1 {
		return errors.New("config: DISCORD_SHARD_COUNT must be at least 1")
	}
	if d.ShardID < 0 || d.ShardID >= d.ShardCount {
		return errors.New("config: DISCORD_SHARD_ID must be between 0 and DISCORD_SHARD_COUNT-1")
	}
	return nil
}

// SecretKeys decodes TICKETBOT_SECRET_KEY and then TICKETBOT_SECRET_KEY_OLD's keys (none
// when unset). Errors: a key that is not base64 of 32 bytes, naming its variable.
func (c Config) SecretKeys() ([][]byte, error) {
	if c.SecretKey == "" {
		if c.SecretKeysOld != "" {
			return nil, errors.New("config: TICKETBOT_SECRET_KEY_OLD is set without TICKETBOT_SECRET_KEY")
		}
		return nil, nil
	}
	var out [][]byte
	for i, raw := range append([]string{string(c.SecretKey)}, strings.Split(string(c.SecretKeysOld), ",")...) {
		raw = strings.TrimSpace(raw)
		if raw == "" && i > 0 {
			continue
		}
		name := "TICKETBOT_SECRET_KEY"
		if i > 0 {
			name += "_OLD"
		}
		k, err := base64.StdEncoding.DecodeString(raw)
		if err != nil {
			k, err = base64.RawStdEncoding.DecodeString(raw)
		}
		if err != nil || len(k) != 32 {
			return nil, fmt.Errorf("config: %s must be 32 random bytes in base64 (make one with: openssl rand -base64 32)", name)
		}
		out = append(out, k)
	}
	return out, nil
}

// SlogLevel is LogLevel as a slog.Level. Errors: an unknown level.
func (c Config) SlogLevel() (slog.Level, error) {
	var l slog.Level
	err := l.UnmarshalText([]byte(c.LogLevel))
	return l, err
}

// Prefixes is a comma-separated list of networks in CIDR notation; a bare address is a
// network of one.
type Prefixes []netip.Prefix

// UnmarshalText implements encoding.TextUnmarshaler.
func (p *Prefixes) UnmarshalText(b []byte) error {
	var out Prefixes
	for _, part := range strings.Split(string(b), ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			a, err := netip.ParseAddr(part)
			if err != nil {
				return fmt.Errorf("%q is not an address or CIDR", part)
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		pf, err := netip.ParsePrefix(part)
		if err != nil {
			return fmt.Errorf("%q is not a CIDR such as 10.0.0.0/8", part)
		}
		out = append(out, pf.Masked())
	}
	*p = out
	return nil
}

// ByteSize is a number of bytes written as GOMEMLIMIT writes it: a whole number with an
// optional unit B, KiB, MiB, GiB or TiB ("48MiB"); "off" is 0.
type ByteSize int64

// UnmarshalText implements encoding.TextUnmarshaler.
func (b *ByteSize) UnmarshalText(text []byte) error {
	s := strings.TrimSpace(string(text))
	if s == "off" {
		*b = 0
		return nil
	}
	digits := strings.TrimRight(s, "BKMGTi")
	unit := int64(1)
	switch s[len(digits):] {
	case "", "B":
	case "KiB":
		unit = 1 << 10
	case "MiB":
		unit = 1 << 20
	case "GiB":
		unit = 1 << 30
	case "TiB":
		unit = 1 << 40
	default:
		return fmt.Errorf("%q has an unknown unit (use B, KiB, MiB, GiB or TiB)", s)
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64/unit {
		return fmt.Errorf("%q is not a whole number of bytes with a unit such as 48MiB", s)
	}
	*b = ByteSize(n * unit)
	return nil
}

// Summary lists which parts are configured, without secrets, for the start-up log line.
func (c Config) Summary() []any {
	return []any{
		"addr", c.Addr, "url", c.PublicURL, "log_level", c.LogLevel, "trusted_proxies", len(c.TrustedProxies),
		"database", redactURL(string(c.DatabaseURL)),
		"redis", redactURL(string(c.RedisURL)),
		"slack", c.Slack.Enabled(), "slack_socket_mode", c.Slack.SocketMode(), "slack_installs", c.Slack.Installs(), "webhook_allow_private", c.WebhookAllowPrivate,
		"discord", c.Discord.Enabled(), "discord_gateway", c.Discord.Gateway,
		"slack_sign_in", c.Slack.SignIn(), "discord_sign_in", c.Discord.SignIn(),
	}
}

// redactURL drops the password from a URL. It works on the text, not on url.Parse, so a
// password with characters a URL parser misreads ("/", "#") is still cut out.
func redactURL(raw string) string {
	if raw == "" {
		return ""
	}
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return "[unparsable]"
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return raw
	}
	user, _, _ := strings.Cut(rest[:at], ":")
	return scheme + "://" + user + "@" + rest[at+1:]
}
