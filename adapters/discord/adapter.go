package discord

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
)

// DefaultAPIURL is the base of Discord's REST API.
const DefaultAPIURL = "https://discord.com/api/v10/"

// Config builds an Adapter.
type Config struct {
	Bot     *bot.Bot
	Service *core.Service
	// BotToken is the bot's token (without the "Bot " prefix); AppID the application id, for
	// command registration and the invite URL; PublicKey (hex) enables POST /discord/interactions.
	BotToken, AppID, PublicKey string
	// APIURL is the base of the REST API (DISCORD_API_URL) [DefaultAPIURL].
	APIURL string
	// GatewayURL is the gateway's websocket URL; empty asks GET /gateway/bot.
	GatewayURL string
	// Gateway holds a gateway connection (DISCORD_GATEWAY); without it only HTTP interactions
	// arrive and thread messages are not seen.
	Gateway bool
	// ShardID and ShardCount select this replica's gateway shard [0, 1].
	ShardID, ShardCount int
	// HTTPClient makes the REST calls [a client with a 15 s timeout].
	HTTPClient *http.Client
	Clock      core.Clock
	Log        *slog.Logger
	// MaxBody caps an HTTP interaction's body [1 MiB].
	MaxBody int64
	// Names keeps the names of servers and people: the adapter tells it the members that
	// come with interactions and messages and answers its look-ups [none].
	Names *core.Names
	// Intake, when set, stores every open before its work (intake.go); New registers the
	// adapter as its Discord handler [none: opens are done by the interaction alone].
	Intake *core.Intake
}

// Adapter connects Discord guilds to the helpdesk. It is safe for concurrent use.
type Adapter struct {
	cfg    Config
	bot    *bot.Bot
	svc    *core.Service
	api    restAPI
	gw     gatewayConn
	rt     *rebaseTransport
	pub    ed25519.PublicKey
	clock  core.Clock
	log    *slog.Logger
	work   bot.Tracker
	guilds guildSet
	drops  dropCounter

	cmdsMu sync.Mutex // guards cmdsOK
	cmdsOK bool       // the commands are registered
}

var _ core.Notifier = (*Adapter)(nil)

// New validates c, builds the discordgo session (REST calls go to c.APIURL through
// c.HTTPClient), registers the slash commands when c.AppID is set, and logs the invite URL.
// A registration that fails (Discord unreachable) is logged and retried by Run.
// Errors: a bad configuration value, named after its environment variable.
func New(ctx context.Context, c Config) (*Adapter, error) {
	if c.Bot == nil || c.Service == nil {
		return nil, errors.New("discord.New: Bot and Service are required")
	}
	if strings.TrimSpace(c.BotToken) == "" {
		return nil, errors.New("discord.New: DISCORD_BOT_TOKEN is empty")
	}
	if c.APIURL == "" {
		c.APIURL = DefaultAPIURL
	}
	base, err := url.Parse(c.APIURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("discord.New: DISCORD_API_URL %q is not an http(s) URL", c.APIURL)
	}
	if !strings.HasSuffix(base.Path, "/") {
		base.Path += "/"
	}
	if c.GatewayURL != "" {
		g, err := url.Parse(c.GatewayURL)
		if err != nil || (g.Scheme != "ws" && g.Scheme != "wss") || g.Host == "" {
			return nil, fmt.Errorf("discord.New: gateway URL %q is not a ws(s) URL", c.GatewayURL)
		}
	}
	if c.ShardCount <= 0 {
		c.ShardCount = 1
	}
	if c.ShardID < 0 || c.ShardID >= c.ShardCount {
		return nil, fmt.Errorf("discord.New: DISCORD_SHARD_ID %d must be in [0, DISCORD_SHARD_COUNT=%d)", c.ShardID, c.ShardCount)
	}
	var pub ed25519.PublicKey
	if c.PublicKey != "" {
		k, err := hex.DecodeString(strings.TrimSpace(c.PublicKey))
		if err != nil || len(k) != ed25519.PublicKeySize {
			return nil, errors.New("discord.New: DISCORD_PUBLIC_KEY must be the application's 64-hex-digit Ed25519 public key")
		}
		pub = ed25519.PublicKey(k)
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	if c.Clock == nil {
		c.Clock = core.SystemClock{}
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.MaxBody <= 0 {
		c.MaxBody = 1 << 20
	}
	log := c.Log.With("adapter", "discord")

	sess, rt, err := newSession(c, base)
	if err != nil {
		return nil, err
	}
	a := &Adapter{
		cfg:   c,
		bot:   c.Bot,
		svc:   c.Service,
		api:   sessionAPI{s: sess},
		gw:    sess,
		rt:    rt,
		pub:   pub,
		clock: c.Clock,
		log:   log,
	}
	c.Names.SetSource(core.PlatformDiscord, a)
	if c.Intake != nil {
		if err := c.Intake.Register(a); err != nil {
			return nil, err
		}
	}
	if c.AppID != "" {
		log.Info("discord: invite the bot to a server with this URL", "url", InviteURL(c.AppID), "permissions", Permissions)
		if err := a.registerCommands(ctx); err != nil {
			log.Error("discord: could not register the slash commands; retrying in the background", "err", err)
		}
	} else {
		log.Warn("discord: DISCORD_APP_ID is not set: slash commands are not registered and no invite URL can be made")
	}
	switch {
	case pub == nil && !c.Gateway:
		log.Error("discord: DISCORD_PUBLIC_KEY is not set and DISCORD_GATEWAY=false: no slash command, button or form can reach ticketbot; " +
			"set DISCORD_PUBLIC_KEY (and the Interactions Endpoint URL in the developer portal) or turn the gateway on")
	case pub == nil:
		log.Info("discord: DISCORD_PUBLIC_KEY is not set: POST /discord/interactions is off; interactions arrive over the gateway")
	}
	if !c.Gateway {
		log.Warn("discord: DISCORD_GATEWAY=false: messages written in ticket threads are not stored")
	}
	return a, nil
}

// newSession builds the discordgo session: REST through c.HTTPClient rebased on the API URL,
// no retries on 429 (the outbox retries), our own reconnect loop, no state cache.
func newSession(c Config, base *url.URL) (*discordgo.Session, *rebaseTransport, error) {
	sess, err := discordgo.New("Bot " + strings.TrimSpace(c.BotToken))
	if err != nil {
		return nil, nil, fmt.Errorf("discord.New: %w", err)
	}
	next := c.HTTPClient.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	// discordgo builds every REST URL from its package-level Endpoint* variables
	// (https://discord.com/api/v9/…). Rather than mutate those globals, the session's client
	// goes through a RoundTripper that rewrites that prefix to DISCORD_API_URL.
	rt := &rebaseTransport{next: next, from: discordgo.EndpointAPI, to: base.String()}
	client := *c.HTTPClient
	client.Transport = rt
	sess.Client = &client
	sess.ShouldRetryOnRateLimit = false
	sess.MaxRestRetries = 1
	sess.ShouldReconnectOnError = false
	sess.ShouldReconnectVoiceOnSessionError = false
	sess.StateEnabled = false
	sess.SyncEvents = true // handlers only enqueue; see inbound_gateway.go
	// discordgo logs through the standard logger; the adapter logs what matters itself
	// (connection drops, refused connections, failed calls), so discordgo stays silent.
	sess.LogLevel = discordgo.LogError - 1
	sess.ShardID, sess.ShardCount = c.ShardID, c.ShardCount
	sess.Identify.Intents = Intents
	return sess, rt, nil
}

// Platform reports core.PlatformDiscord.
func (a *Adapter) Platform() core.Platform { return core.PlatformDiscord }

// Routes registers POST /discord/interactions when a public key is configured.
func (a *Adapter) Routes(mux *http.ServeMux) {
	if a.pub == nil {
		return
	}
	mux.HandleFunc("POST /discord/interactions", a.serveHTTP)
}

// Run holds the gateway connection (when configured) until ctx ends, retries a failed command
// registration, and returns once in-flight work (deferred follow-ups, queued thread messages)
// has finished.
func (a *Adapter) Run(ctx context.Context) error {
	defer a.work.Close()
	if a.cfg.AppID != "" {
		a.work.Go(func() { a.retryRegistration(ctx) })
	}
	if !a.cfg.Gateway {
		<-ctx.Done()
		return nil
	}
	return a.runGateway(ctx)
}

// WaitIdle returns once no work the adapter started in the background (interactions being
// answered, queued gateway events, deferred follow-ups) is left; tests use it to know that
// "nothing happened" is the final answer.
func (a *Adapter) WaitIdle() { a.work.Wait() }

// sleep waits d or until ctx ends; it reports whether ctx is still alive.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func workspace(guildID string) core.Workspace {
	return core.Workspace{Platform: core.PlatformDiscord, ExternalID: guildID}
}
