package discord

import (
	"context"
	"encoding/json"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
)

// openPayload is what the intake keeps of an interaction that opens a ticket (/ticket open
// with a title, or a submitted ticket form): what the work needs, and the interaction's token
// to edit its deferred response with the outcome (valid for 15 minutes; never logged).
type openPayload struct {
	ID      string        `json:"id"`
	AppID   string        `json:"app_id"`
	Token   string        `json:"token"`
	Guild   string        `json:"guild"`
	Channel string        `json:"channel"`
	Member  storedMember  `json:"member"`
	Command storedCommand `json:"command"`
}

// storedMember is what the role rules read of a member (memberRole).
type storedMember struct {
	ID          string   `json:"id"`
	Username    string   `json:"username"`
	GlobalName  string   `json:"global_name,omitempty"`
	Nick        string   `json:"nick,omitempty"`
	Roles       []string `json:"roles,omitempty"`
	Permissions int64    `json:"permissions,string"`
}

// storedCommand is an open's arguments.
type storedCommand struct {
	Title       string            `json:"title"`
	Description string            `json:"description,omitempty"`
	Priority    string            `json:"priority,omitempty"`
	Category    int64             `json:"category,omitempty"`
	Answers     map[string]string `json:"answers,omitempty"`
}

func openPayloadOf(it *discordgo.Interaction, c bot.Command) openPayload {
	m := it.Member
	answers, _ := c.Args["answers"].(map[string]string)
	return openPayload{ID: it.ID, AppID: it.AppID, Token: it.Token, Guild: it.GuildID, Channel: it.ChannelID,
		Member: storedMember{ID: m.User.ID, Username: m.User.Username, GlobalName: m.User.GlobalName, Nick: m.Nick,
			Roles: m.Roles, Permissions: m.Permissions},
		Command: storedCommand{Title: c.Args.Str("title"), Description: c.Args.Str("description"),
			Priority: string(c.Args.Priority("priority")), Category: c.Args.Int("category_id"), Answers: answers}}
}

// interaction is the stored interaction, as far as answering it and the role rules need.
func (p openPayload) interaction() *discordgo.Interaction {
	return &discordgo.Interaction{ID: p.ID, AppID: p.AppID, Token: p.Token, GuildID: p.Guild, ChannelID: p.Channel,
		Type: discordgo.InteractionApplicationCommand,
		Member: &discordgo.Member{Nick: p.Member.Nick, Roles: p.Member.Roles, Permissions: p.Member.Permissions,
			User: &discordgo.User{ID: p.Member.ID, Username: p.Member.Username, GlobalName: p.Member.GlobalName}}}
}

func (p openPayload) command() bot.Command {
	c := p.Command
	return bot.Command{Name: "open", Args: bot.OpenArgs(c.Title, c.Description, c.Priority).WithCategory(c.Category, c.Answers)}
}

// intakeKey names the interaction in the intake: Discord gives every interaction its own id,
// and a gateway RESUME or a proxy's retry delivers the same one again.
func (p openPayload) intakeKey() string { return "discord:" + p.Guild + ":it:" + p.ID }

// queued is the first response of an open stored for the workers, which edit it with the
// outcome.
func queued() *discordgo.InteractionResponse { return replyResponse(bot.QueuedReply()) }

// deferred is the first response of an interaction whose answer follows (Discord shows the
// requester "ticketbot is thinking…" until the deferred response is edited).
func deferred() *discordgo.InteractionResponse {
	return &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral, AllowedMentions: noMentions()},
	}
}

// takesIntake reports whether req, from interaction it, is stored in the intake before its
// work: an open that opens a ticket at once (never a form), with a token to answer it later.
func (a *Adapter) takesIntake(it *discordgo.Interaction, req bot.Request) bool {
	return a.cfg.Intake != nil && it.ID != "" && it.Token != "" && it.Member != nil && bot.Intakeable(req.Command)
}

// openDurably stores an open before it works on it (one INSERT), so that once Discord has
// its response — the outcome, or a deferral when the work outlasts ackBudget — a restart,
// kill -9 or another replica delays the ticket but never loses or doubles it. While a backlog
// waits the response is a deferral at once, and the intake's workers open the ticket and
// edit the deferral (ProcessIntake).
func (a *Adapter) openDurably(ctx context.Context, o *outcome, it *discordgo.Interaction, req bot.Request) *discordgo.InteractionResponse {
	p := openPayloadOf(it, req.Command)
	raw, err := json.Marshal(p)
	if err != nil {
		return replyResponse(bot.NotStoredReply(err))
	}
	in := a.cfg.Intake
	acc, err := in.Accept(ctx, core.IntakeRequest{Key: p.intakeKey(), Platform: core.PlatformDiscord, Payload: raw})
	switch {
	case err != nil:
		a.log.Warn("discord: an open could not be stored", "guild", it.GuildID, "err", err)
		o.transient = !core.IsOutcomeUnknown(err) // nothing was stored: a redelivery is a new try
		return replyResponse(bot.NotStoredReply(err))
	case !acc.Created && acc.Request.DoneAt == nil:
		return queued() // a redelivery of an open still to be done: its worker answers
	case !acc.Created:
		return replyResponse(a.bot.Dispatch(ctx, req)) // done with: says which ticket it opened
	case !acc.Inline:
		return queued()
	}
	var late atomic.Bool // past ackBudget: answer has deferred the response
	timer := time.AfterFunc(ackBudget, func() { late.Store(true); acc.RunningLate() })
	wctx, cancel := context.WithTimeout(ctx, in.Timeout())
	reply := a.bot.Dispatch(wctx, req)
	cancel()
	timer.Stop()
	outcome := bot.IntakeOutcome(reply)
	acc.Done(ctx, outcome)
	switch {
	case outcome != nil && late.Load():
		return deferred() // the deferral stands until the workers, trying again, answer
	case outcome != nil:
		return queued()
	case reply.Modal: // a form cannot answer a form
		return ephemeral("A ticket needs a title.")
	}
	return replyResponse(reply)
}

// ProcessIntake opens the ticket of an interaction stored in the intake and edits its
// deferred response with the outcome. A passing failure answers nothing and is tried again,
// unless last; an interaction Discord no longer takes answers for (its token expired after
// 15 minutes) is done with — the ticket's private thread reaches the requester all the
// same. Errors: unavailable (tried again later).
func (a *Adapter) ProcessIntake(ctx context.Context, r core.IntakeRequest, last bool) error {
	var p openPayload
	if err := json.Unmarshal(r.Payload, &p); err != nil || !isSnowflake(p.Guild) || !isSnowflake(p.Member.ID) || p.Command.Title == "" {
		a.log.Error("discord: an intake request cannot be read; it is dropped", "id", r.ID, "err", err)
		return nil
	}
	it := p.interaction()
	req := a.request(it)
	req.Command = p.command()
	req.Resumed = r.Attempts > 1
	reply := a.bot.Dispatch(bot.Deferred(ctx), req)
	if err := bot.IntakeOutcome(reply); err != nil && !last {
		return err
	}
	err := a.editResponse(ctx, it, replyResponse(bot.Undone(reply)))
	if err != nil && !last && a.answerLater(r, err) {
		return &core.Error{Code: core.EUnavailable, Message: "Discord did not take the answer", Err: err}
	}
	return nil
}

// tokenLife is how long Discord takes edits of an interaction's response (15 minutes), less
// a margin for clocks.
const tokenLife = 14 * time.Minute

// answerLater reports whether editing r's response may succeed later: Discord was away,
// busy or rate limiting, or it did not know the response yet — a worker can be quicker than
// the first response it edits — while the token lives.
func (a *Adapter) answerLater(r core.IntakeRequest, err error) bool {
	switch st := apiStatus(err); {
	case st == 0, st == http.StatusTooManyRequests, st >= http.StatusInternalServerError:
		return true
	case st == http.StatusNotFound:
		return a.clock.Now().Sub(r.CreatedAt) < tokenLife
	}
	return false
}

var _ core.IntakeHandler = (*Adapter)(nil)
