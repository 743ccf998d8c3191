package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/ticketbot/ticketbot/adapters/discord"
	"github.com/ticketbot/ticketbot/adapters/slack"
	"github.com/ticketbot/ticketbot/adapters/web"
	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/config"
	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/gormstore"
)

// deps are what adapters are built from.
type deps struct {
	svc        *core.Service
	bot        *bot.Bot
	store      *gormstore.Store
	state      core.StateStore
	throttle   *core.Throttle
	dispatcher *core.Dispatcher
	intake     *core.Intake
	metrics    *metrics
	// names keeps the names of workspaces and people; the web adapter runs its background
	// work (learnt names kept, missing ones fetched from the chat adapters).
	names *core.Names
	live  *core.Live
}

// buildAdapters builds the web adapter and every chat adapter whose credentials are set,
// registering their notifiers with the outbox dispatcher; it logs which are off and why.
func buildAdapters(ctx context.Context, cfg config.Config, log *slog.Logger, d deps) ([]adapter, error) {
	accounts, err := newAccounts(d.store, log)
	if err != nil {
		return nil, err
	}
	var (
		out          []adapter
		slackRoles   web.PlatformRoles
		discordRoles web.PlatformRoles
	)
	if cfg.Slack.Enabled() {
		sc := slack.Config{
			Bot: d.bot, Service: d.svc,
			BotToken: cfg.Slack.BotToken.Reveal(), SigningSecret: cfg.Slack.SigningSecret.Reveal(),
			AppToken: cfg.Slack.AppToken.Reveal(), APIURL: cfg.Slack.APIURL, Log: log, Names: d.names,
			Intake: d.intake,
		}
		if cfg.Slack.Installs() {
			if sc.Installs, err = newInstalls(cfg, d.store, d.state); err != nil {
				return nil, err
			}
			sc.ClientID, sc.ClientSecret, sc.PublicURL = cfg.Slack.ClientID, cfg.Slack.ClientSecret.Reveal(), cfg.PublicURL
		}
		a, err := slack.New(ctx, sc)
		if err != nil {
			return nil, fmt.Errorf("slack: %w", err)
		}
		if err := d.dispatcher.Register(a); err != nil {
			return nil, err
		}
		out = append(out, a)
		slackRoles = a
	} else {
		log.Info("slack adapter off: SLACK_BOT_TOKEN is not set (set it with SLACK_SIGNING_SECRET, or SLACK_APP_TOKEN for Socket Mode; or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET for installs through /slack/install; docs/slack.md)")
	}
	if cfg.Discord.Enabled() {
		a, err := discord.New(ctx, discord.Config{
			Bot: d.bot, Service: d.svc,
			BotToken: cfg.Discord.BotToken.Reveal(), AppID: cfg.Discord.AppID, PublicKey: cfg.Discord.PublicKey,
			APIURL: cfg.Discord.APIURL, Gateway: cfg.Discord.Gateway,
			ShardID: cfg.Discord.ShardID, ShardCount: cfg.Discord.ShardCount, Log: log, Names: d.names,
			Intake: d.intake,
		})
		if err != nil {
			return nil, fmt.Errorf("discord: %w", err)
		}
		if err := d.dispatcher.Register(a); err != nil {
			return nil, err
		}
		d.metrics.watchDiscord(a)
		out = append(out, a)
		discordRoles = a
	} else {
		log.Info("discord adapter off: DISCORD_BOT_TOKEN is not set (set it with DISCORD_APP_ID; docs/discord.md)")
		if cfg.Discord.PublicKey != "" {
			log.Warn("DISCORD_PUBLIC_KEY is set but DISCORD_BOT_TOKEN is not: /discord/interactions stays off, since tickets need the bot to post their threads")
		}
	}
	hooks, err := newWebhooks(cfg, d.store, d.dispatcher, log)
	if err != nil {
		return nil, err
	}
	w, err := web.New(web.Config{
		Webhooks: hooks,
		Service:  d.svc, Accounts: accounts, Throttle: d.throttle, Log: log, SecureCookies: cfg.SecureCookies,
		TrustedProxies: cfg.TrustedProxies, PublicURL: cfg.PublicURL, Names: d.names,
		Slack:   slackSignIn(cfg.Slack, slackRoles),
		Discord: discordSignIn(cfg.Discord, discordRoles),
		Live:    d.live,
		Views:   core.NewViews(core.ViewsConfig{Store: d.store}),
	})
	if err != nil {
		return nil, err
	}
	return append([]adapter{webAdapter{w, d.names}}, out...), nil
}

// webAdapter gives the web server the adapter shape; it holds no connections of its own and
// runs the names' background work.
type webAdapter struct {
	*web.Server
	names *core.Names
}

func (a webAdapter) Run(ctx context.Context) error {
	a.names.Run(ctx)
	<-ctx.Done()
	return nil
}
