package main

import (
	"context"
	"fmt"

	"github.com/ticketbot/ticketbot/adapters/discord"
	"github.com/ticketbot/ticketbot/adapters/slack"
	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/config"
	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/memstate"
	"github.com/ticketbot/ticketbot/core/redisstate"
)

// doctorRedis connects to TICKETBOT_REDIS_URL and tells a Redis that refuses this
// configuration (wrong password, no such database) from one that does not answer.
func doctorRedis(ctx context.Context, cfg config.Config) bot.Check {
	if cfg.RedisURL == "" {
		return bot.SkippedCheck("redis", "TICKETBOT_REDIS_URL is empty: in-process state, one replica only")
	}
	ctx, cancel := context.WithTimeout(ctx, doctorTimeout)
	defer cancel()
	r, err := redisstate.Open(cfg.RedisURL.Reveal())
	if err != nil {
		return bot.FailedCheck("redis", core.ErrorMessage(err), "fix TICKETBOT_REDIS_URL: redis://[:password@]host:6379/0")
	}
	defer r.Close()
	err = r.Check(ctx)
	switch {
	case core.IsCode(err, core.EInvalid):
		return bot.FailedCheck("redis", core.ErrorMessage(err),
			"fix TICKETBOT_REDIS_URL: the password (redis://:PASSWORD@host:6379/0), the database number or the ACL user's permissions")
	case err != nil:
		return bot.FailedCheck("redis", "does not answer: "+core.ErrorMessage(err),
			"start Redis or fix the host and port in TICKETBOT_REDIS_URL (ticketbot fails open while it is away, but rate limits and de-duplication suffer)")
	}
	return bot.Passed("redis", "answers")
}

// doctorSlack checks the Slack token(s) and the triage channel of every Slack workspace with
// settings.
func doctorSlack(ctx context.Context, cfg config.Config, st core.InstallStore, settings []core.Settings) []bot.Check {
	var out []bot.Check
	tokens := map[string]string{}
	if st != nil {
		state := memstate.New(nil)
		defer state.Close()
		in, err := newInstalls(cfg, st, state)
		if err == nil {
			var failed int
			tokens, failed, err = in.Tokens(ctx, core.PlatformSlack)
			if err == nil && failed > 0 {
				out = append(out, bot.FailedCheck("slack installs", fmt.Sprintf("%d installed workspace token(s) do not open with TICKETBOT_SECRET_KEY", failed),
					"set TICKETBOT_SECRET_KEY to the key they were sealed with (the previous one in TICKETBOT_SECRET_KEY_OLD while rotating), or install the app in those workspaces again"))
			}
		}
		if err != nil {
			out = append(out, bot.FailedCheck("slack installs", core.ErrorMessage(err), "check TICKETBOT_SECRET_KEY and the database"))
		}
	}
	triage := map[string]string{}
	for _, s := range settings {
		if s.Workspace.Platform == core.PlatformSlack {
			triage[s.Workspace.ExternalID] = s.TriageChannel
		}
	}
	if cfg.Slack.BotToken == "" && len(triage) == 0 && len(tokens) == 0 {
		return append(out, bot.SkippedCheck("slack", "SLACK_BOT_TOKEN is not set and no Slack workspace has settings or installed the app"))
	}
	ctx, cancel := context.WithTimeout(ctx, doctorTimeout)
	defer cancel()
	return append(out, slack.Doctor(ctx, slack.DoctorConfig{
		BotToken: cfg.Slack.BotToken.Reveal(), AppToken: cfg.Slack.AppToken.Reveal(), APIURL: cfg.Slack.APIURL,
		Triage: triage, Tokens: tokens,
	})...)
}

// doctorDiscord checks the Discord token, application and the bot's permissions in every
// guild with settings.
func doctorDiscord(ctx context.Context, cfg config.Config, settings []core.Settings) []bot.Check {
	if cfg.Discord.BotToken == "" {
		return []bot.Check{bot.SkippedCheck("discord", "DISCORD_BOT_TOKEN is not set")}
	}
	var guilds []discord.DoctorGuild
	for _, s := range settings {
		if s.Workspace.Platform == core.PlatformDiscord {
			guilds = append(guilds, discord.DoctorGuild{ID: s.Workspace.ExternalID, Support: s.SupportChannel, Staff: s.TriageChannel})
		}
	}
	ctx, cancel := context.WithTimeout(ctx, doctorTimeout)
	defer cancel()
	return discord.Doctor(ctx, discord.DoctorConfig{
		BotToken: cfg.Discord.BotToken.Reveal(), AppID: cfg.Discord.AppID, APIURL: cfg.Discord.APIURL, Guilds: guilds,
	})
}
