package slack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
)

// Defaults of Config's optional fields.
const (
	defaultAPIURL  = "https://slack.com/api/"
	defaultMaxBody = 1 << 20
	// apiTimeout bounds one call to the Slack Web API made with the default HTTP client.
	apiTimeout = 10 * time.Second
	// backgroundTimeout bounds work started after an acknowledgement (replies through
	// response_url, the DM draft prompt, Socket Mode envelopes).
	backgroundTimeout = 15 * time.Second
	// handlerTimeout bounds the work done before an acknowledgement; Slack waits 3 s.
	handlerTimeout = 2800 * time.Millisecond
)

// Config are the Adapter's dependencies and settings.
type Config struct {
	Bot     *bot.Bot
	Service *core.Service
	// BotToken is the xoxb- token; SigningSecret verifies HTTP requests; AppToken (xapp-), when
	// set, makes the adapter reach Slack over Socket Mode instead of HTTP.
	BotToken, SigningSecret, AppToken string
	// APIURL is the base of the Slack Web API [https://slack.com/api/].
	APIURL string
	// HTTPClient makes the Web API calls [a client with a 10 s timeout].
	HTTPClient *http.Client
	// Clock tells the time for the signature window [core.SystemClock].
	Clock core.Clock
	// Log receives the adapter's log lines [discarded]. Tokens and secrets never reach it.
	Log *slog.Logger
	// MaxBody caps an inbound request body [1 MiB].
	MaxBody int64
	// Installs keeps the tokens of workspaces that installed the app through OAuth; with
	// ClientID, ClientSecret and PublicURL it turns on /slack/install (teams.go, install.go).
	// BotToken may then be empty.
	Installs                          *core.Installs
	ClientID, ClientSecret, PublicURL string
	// Names keeps the names of workspaces and people: the adapter tells it the names that
	// come with requests and answers its look-ups (team.info, users.info) [none].
	Names *core.Names
	// Intake, when set, stores each /ticket TEXT before it is acknowledged and does it then
	// or, while a backlog waits, later (intake.go); New registers the adapter as its Slack
	// handler. Without it a command is done before the acknowledgement, or in the
	// background once that is due (queued.go) [none].
	Intake *core.Intake
}

// Adapter connects one Slack workspace's app to the bot: inbound HTTP routes or a Socket Mode
// connection, and the core.Notifier that posts ticket cards.
type Adapter struct {
	bot      *bot.Bot
	svc      *core.Service
	api      slackAPI
	client   *slackgo.Client // for Socket Mode, which needs the SDK client itself
	secret   string
	appToken string
	clock    core.Clock
	log      *slog.Logger
	maxBody  int64
	self     identity
	bg       bot.Tracker
	cache    *core.Cache
	flights  flightGroup
	clear    clearPauses // pause look-ups that found none, for a moment (pause.go)
	teams    *teams
	installs *core.Installs
	oauth    *oauthApp
	names    *core.Names
	intake   *core.Intake
}

// identity is who the app is in its workspace (auth.test).
type identity struct {
	UserID, BotID, TeamID string
}

// New builds the Adapter and asks Slack who it is (auth.test), so it can ignore its own
// messages. Errors: invalid (missing dependencies or credentials), unavailable (Slack refused
// the token or could not be reached).
func New(ctx context.Context, c Config) (*Adapter, error) {
	switch {
	case c.Bot == nil || c.Service == nil:
		return nil, core.Errorf(core.EInvalid, "slack.New: a Bot and a Service are required")
	case strings.TrimSpace(c.BotToken) == "" && c.Installs == nil:
		return nil, core.Errorf(core.EInvalid, "slack.New: SLACK_BOT_TOKEN is required")
	case c.SigningSecret == "" && c.AppToken == "":
		return nil, core.Errorf(core.EInvalid, "slack.New: SLACK_SIGNING_SECRET is required unless SLACK_APP_TOKEN (Socket Mode) is set")
	}
	if c.APIURL == "" {
		c.APIURL = defaultAPIURL
	}
	if !strings.HasSuffix(c.APIURL, "/") {
		c.APIURL += "/"
	}
	if c.HTTPClient == nil {
		// Keep enough idle connections to Slack for a burst of replies and cards (the default
		// transport keeps two per host).
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 32
		c.HTTPClient = &http.Client{Timeout: apiTimeout, Transport: tr}
	}
	if c.Clock == nil {
		c.Clock = core.SystemClock{}
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.MaxBody <= 0 {
		c.MaxBody = defaultMaxBody
	}
	// base are the options of every team's client (teams.go); opts add the app token.
	base := []slackgo.Option{slackgo.OptionAPIURL(c.APIURL), slackgo.OptionHTTPClient(c.HTTPClient)}
	opts := slices.Clone(base)
	if c.AppToken != "" {
		opts = append(opts, slackgo.OptionAppLevelToken(c.AppToken))
	}
	client := slackgo.New(c.BotToken, opts...)
	oauth, err := newOAuthApp(c)
	if err != nil {
		return nil, err
	}
	a := &Adapter{
		bot:      c.Bot,
		svc:      c.Service,
		installs: c.Installs,
		oauth:    oauth,
		client:   client,
		secret:   c.SigningSecret,
		appToken: c.AppToken,
		clock:    c.Clock,
		log:      c.Log.With("adapter", "slack"),
		maxBody:  c.MaxBody,
		cache:    c.Bot.Cache("slack"),
		names:    c.Names,
	}
	c.Names.SetSource(core.PlatformSlack, a)
	if c.Intake != nil {
		if err := c.Intake.Register(a); err != nil {
			return nil, err
		}
		a.intake = c.Intake
	}
	newAPI := func(token string) slackAPI { return newSDKAPI(token, c.APIURL, c.HTTPClient, base) }
	if c.BotToken == "" {
		a.teams = newTeams(c.Installs, "", nil, c.Clock, newAPI)
		a.api = routedAPI{t: a.teams}
		a.log.Info("slack adapter ready for workspaces that install the app", "install", PathInstall, "socket_mode", c.AppToken != "")
		return a, nil
	}
	actx, cancel := context.WithTimeout(ctx, apiTimeout)
	defer cancel()
	id, err := sdkAPI{c: client}.whoAmI(actx)
	if err != nil {
		return nil, &core.Error{Code: core.EUnavailable, Op: "slack.New",
			Message: "auth.test failed; check SLACK_BOT_TOKEN and SLACK_API_URL", Err: err}
	}
	a.self = id
	own := sdkAPI{c: client, lean: &leanPost{hc: c.HTTPClient, endpoint: c.APIURL + "chat.postMessage", token: c.BotToken}}
	a.teams = newTeams(c.Installs, id.TeamID, own, c.Clock, newAPI)
	a.api = routedAPI{t: a.teams}
	a.log.Info("slack adapter ready", "team", id.TeamID, "bot_user", id.UserID, "socket_mode", c.AppToken != "")
	return a, nil
}

// Platform is core.PlatformSlack.
func (a *Adapter) Platform() core.Platform { return core.PlatformSlack }

// Run holds the Socket Mode connection when an app token is set (reconnecting by itself), or
// just waits for ctx otherwise. Either way it returns only after the work it started in the
// background (replies sent after an acknowledgement) has finished. Errors: a Socket Mode
// connection Slack refuses for good (a bad app token).
func (a *Adapter) Run(ctx context.Context) error {
	var err error
	if a.appToken != "" {
		err = a.runSocket(ctx)
	} else {
		<-ctx.Done()
	}
	a.bg.Wait()
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

// WaitIdle returns once no work the adapter started after an acknowledgement (replies,
// reactions, Socket Mode envelopes) is left; tests use it to know that "nothing happened" is
// the final answer.
func (a *Adapter) WaitIdle() { a.bg.Wait() }

// workspace is the core workspace of a Slack team.
func workspace(team string) core.Workspace {
	return core.Workspace{Platform: core.PlatformSlack, ExternalID: team}
}

// validTeam reports whether team can name a workspace, exactly as given (ParseWorkspace
// trims spaces, so "T1\n" would otherwise become a workspace that reads back as T1).
func validTeam(team string) bool {
	ws, err := core.ParseWorkspace("slack:" + team)
	return err == nil && ws.ExternalID == team
}

// background runs f after the current request was answered, with a context that outlives the
// request but not the bounded timeout.
func (a *Adapter) background(ctx context.Context, what string, f func(ctx context.Context) error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), backgroundTimeout)
	a.bg.Go(func() {
		defer cancel()
		if err := f(ctx); err != nil {
			a.log.Warn("slack: "+what+" failed", "err", bot.Redact(err))
		}
	})
}

// newErrorID is a short random id that ties a logged failure to what the user was told.
func newErrorID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// panicText is what a user is told when handling their request panicked.
func panicText(errorID string) string {
	return "Something went wrong on our side (error " + errorID + "). The team can look it up in the logs."
}
