package slack

import (
	"context"
	"net/url"

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

// handleCommand runs a /ticket command and returns the acknowledgement's payload: an
// ephemeral reply, or nil when a modal was opened instead. Cards, DMs and updates follow
// through the outbox.
func (a *Adapter) handleCommand(ctx context.Context, sc slackgo.SlashCommand) any {
	ws := workspace(sc.TeamID)
	req := bot.Request{
		Workspace: ws,
		User:      core.UserRef{ID: sc.UserID, Name: sc.UserName},
		Channel:   sc.ChannelID,
		Role:      a.roleFunc(ws, sc.UserID),
	}
	cmd, err := bot.Parse(sc.Text, syntax{})
	if err != nil {
		return commandReply(bot.Reply{Ephemeral: true, Text: capitalise(core.ErrorMessage(err)) + "."})
	}
	req.Command = cmd
	reply := a.bot.Dispatch(ctx, req)
	if cmd.Name == "setup" {
		a.forgetSettings(ws)
	}
	if !reply.Modal {
		return commandReply(reply)
	}
	if sc.TriggerID == "" {
		return commandReply(bot.Reply{Ephemeral: true, Text: "Type /ticket followed by what you need help with."})
	}
	if err := a.api.openView(ctx, sc.TriggerID, openModal(sc.ChannelID)); err != nil {
		a.log.Warn("slack: could not open the ticket form", "err", err)
		return commandReply(bot.Reply{Ephemeral: true, Text: "I couldn't open the form; type /ticket followed by what you need help with instead."})
	}
	return nil
}
