package slack

import (
	"context"
	"net/url"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
)

// commandFromForm reads a slash command from its form body (what slackgo.SlashCommandParse
// does, without needing the request again).
func commandFromForm(v url.Values) slackgo.SlashCommand {
	return slackgo.SlashCommand{
		Token:       v.Get("token"),
		TeamID:      v.Get("team_id"),
		TeamDomain:  v.Get("team_domain"),
		ChannelID:   v.Get("channel_id"),
		ChannelName: v.Get("channel_name"),
		UserID:      v.Get("user_id"),
		UserName:    v.Get("user_name"),
		Command:     v.Get("command"),
		Text:        v.Get("text"),
		ResponseURL: v.Get("response_url"),
		TriggerID:   v.Get("trigger_id"),
		APIAppID:    v.Get("api_app_id"),
	}
}

// validCommand reports whether sc names who sent it and where.
func validCommand(sc slackgo.SlashCommand) bool {
	return validTeam(sc.TeamID) && sc.UserID != "" && len(sc.Text) <= 8000
}

// triggerTTL is how long a trigger_id is remembered: longer than the 5-minute signature window
// either side of a request's timestamp, within which a signed request can be replayed.
const triggerTTL = 10 * time.Minute

// firstTrigger reports whether trigger (a command's or a view submission's trigger_id) is seen
// for the first time, and returns its de-duplication key ("" when there is no trigger to go by).
// A proxy's retry or a replay of a signed request carries the same trigger_id; Slack gives
// every new command and submission a new one.
func (a *Adapter) firstTrigger(ctx context.Context, trigger string) (key string, first bool) {
	if trigger == "" {
		return "", true
	}
	key = "slack:trigger:" + trigger
	return key, a.bot.Dedupe().First(ctx, key, triggerTTL)
}

// forgetTrigger lets a retry of a request under key in again, after a failure that changed
// nothing (the database was down, the form was invalid).
func (a *Adapter) forgetTrigger(ctx context.Context, key string) {
	if key == "" {
		return
	}
	if err := a.bot.Dedupe().Forget(ctx, key); err != nil {
		a.log.Warn("slack: could not forget a trigger id; a retry of it is ignored", "err", err)
	}
}

// refused reports whether reply turned the request down without changing anything (invalid,
// forbidden, rate limited, the database unavailable, …), so a retry of it may be handled. An
// internal error may have come after a change, so it does not count.
func refused(reply bot.Reply) bool {
	return reply.Error != nil && reply.Error.Code != core.EInternal
}

// handleCommand runs a /ticket command and returns the acknowledgement's payload: an
// ephemeral reply, or nil when a modal was opened instead, or when the command is a repeat
// (same trigger_id) of one already handled. Cards, DMs and updates follow through the outbox.
func (a *Adapter) handleCommand(ctx context.Context, sc slackgo.SlashCommand) any {
	key, first := a.firstTrigger(ctx, sc.TriggerID)
	if !first {
		a.log.Info("slack: repeated slash command ignored", "team", sc.TeamID, "user", sc.UserID)
		return nil
	}
	a.learn(workspace(sc.TeamID), sc.UserID, sc.UserName, false)
	req, err := a.commandRequest(sc)
	if err != nil {
		return commandReply(bot.Reply{Ephemeral: true, Text: capitalise(core.ErrorMessage(err)) + "."})
	}
	if a.takesIntake(sc, req.Command) {
		return a.intakeCommand(ctx, sc, key, req)
	}
	reply, late := a.dispatchInTime(ctx, req, func(ctx context.Context, reply bot.Reply) {
		if refused(reply) {
			a.forgetTrigger(ctx, key)
		}
		a.lateCommandReply(ctx, sc, reply)
	})
	if late {
		return commandReply(queuedReply())
	}
	if refused(reply) {
		a.forgetTrigger(ctx, key)
	}
	if !reply.Modal {
		return commandReply(reply)
	}
	if sc.TriggerID == "" {
		return commandReply(bot.Reply{Ephemeral: true, Text: "Type /ticket followed by what you need help with."})
	}
	if err := a.api.openView(ctx, sc.TriggerID, openModal(sc.ChannelID, reply.Categories, nil)); err != nil {
		a.log.Warn("slack: could not open the ticket form", "err", err)
		return commandReply(bot.Reply{Ephemeral: true, Text: "I couldn't open the form; type /ticket followed by what you need help with instead."})
	}
	return nil
}

// commandRequest is the bot request of sc, its text parsed. Errors: invalid (the text).
func (a *Adapter) commandRequest(sc slackgo.SlashCommand) (bot.Request, error) {
	req := a.request(workspace(sc.TeamID), core.UserRef{ID: sc.UserID, Name: sc.UserName}, sc.ChannelID)
	req.RequestID = sc.TriggerID
	cmd, err := a.bot.Registry().Parse(sc.Text, syntax{})
	req.Command = cmd
	return req, err
}

// words are Slack's names for things in the bot's replies.
func words() bot.Words {
	return bot.Words{
		Admins:       "workspace admins",
		Workspace:    "workspace",
		Conversation: "in your DM with me (reply in the ticket's thread there)",

		ChannelMembersAreStaff: true,
		Command:                func(name string, _ bot.Group) string { return "/ticket " + name },
	}
}

// request is a bot request from user in channel of ws, with Slack's words and facts.
func (a *Adapter) request(ws core.Workspace, user core.UserRef, channel string) bot.Request {
	return bot.Request{
		Workspace: ws,
		User:      user,
		Channel:   channel,
		Role:      a.roleFunc(ws, user.ID),
		Surface:   bot.SurfaceText,
		Words:     words(),
		Platform:  platformInfo{a: a},
	}
}

// platformInfo answers the bot's questions about Slack (conversations.info).
type platformInfo struct{ a *Adapter }

// Channel describes a channel: private or not, and whether the bot is in it.
// Errors: not_found (unknown or invisible to the bot), unavailable.
func (p platformInfo) Channel(ctx context.Context, id string) (bot.ChannelInfo, error) {
	info, err := p.a.api.channelInfo(ctx, id)
	switch slackCode(err) {
	case "":
	case "channel_not_found":
		return bot.ChannelInfo{}, core.Errorf(core.ENotFound, "channel not found")
	default:
		return bot.ChannelInfo{}, &core.Error{Code: core.EUnavailable, Message: "Slack did not answer about that channel; try again", Err: err}
	}
	return info, nil
}
