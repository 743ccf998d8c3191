package discord

import (
	"context"
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
)

const (
	// ackBudget is how long an interaction's work may run before Discord gets a deferred
	// response instead of the answer (Discord wants the first response within 3 s); the
	// work goes on (bot.Deferred: up to workTimeout) and its answer replaces the deferral, so
	// a busy database delays an answer instead of cutting a change short.
	ackBudget = 2 * time.Second
	// workTimeout bounds an interaction's work including a deferred follow-up.
	workTimeout = 15 * time.Second
	// dedupeTTL is how long an interaction id is remembered.
	dedupeTTL = time.Hour
)

// answer runs interaction it and sends its first response with send. Work that outlasts
// ackBudget is answered with a deferred (ephemeral "thinking…") response at once and finished
// in the background by editing that response. A nil response means "duplicate, already
// answered"; send decides what that means for its transport.
func (a *Adapter) answer(ctx context.Context, it *discordgo.Interaction, send func(*discordgo.InteractionResponse) error) {
	workCtx, cancel := context.WithTimeout(bot.Deferred(context.WithoutCancel(ctx)), workTimeout)
	done := make(chan *discordgo.InteractionResponse, 1)
	a.work.Go(func() { done <- a.handle(workCtx, it) })
	timer := time.NewTimer(ackBudget)
	defer timer.Stop()
	select {
	case r := <-done:
		cancel()
		if err := send(r); err != nil {
			a.log.Warn("discord: could not answer an interaction", "interaction", it.ID, "err", err)
		}
		return
	case <-timer.C:
	}
	if it.Type == discordgo.InteractionApplicationCommandAutocomplete {
		// Autocomplete cannot be deferred; a late answer is simply dropped by Discord.
		r := <-done
		cancel()
		_ = send(r)
		return
	}
	err := send(deferred())
	if err != nil {
		a.log.Warn("discord: could not defer an interaction", "interaction", it.ID, "err", err)
	}
	a.work.Go(func() {
		defer cancel()
		r := <-done
		if err == nil && r != nil {
			a.followUp(workCtx, it, r)
		}
	})
}

// followUp replaces a deferred response with the real one; a deferral (an open the intake's
// workers answer) leaves it be.
func (a *Adapter) followUp(ctx context.Context, it *discordgo.Interaction, r *discordgo.InteractionResponse) {
	if r.Type == discordgo.InteractionResponseDeferredChannelMessageWithSource {
		return
	}
	if err := a.editResponse(ctx, it, r); err != nil {
		a.log.Warn("discord: could not send a deferred answer", "interaction", it.ID, "err", err)
	}
}

// editResponse replaces the deferred response of it with r. Errors: Discord's.
func (a *Adapter) editResponse(ctx context.Context, it *discordgo.Interaction, r *discordgo.InteractionResponse) error {
	d := r.Data
	if r.Type != discordgo.InteractionResponseChannelMessageWithSource || d == nil {
		d = ephemeral("That took too long; please run the command again.").Data
	}
	content := d.Content
	embeds := d.Embeds
	if embeds == nil {
		embeds = []*discordgo.MessageEmbed{}
	}
	comps := d.Components
	if comps == nil {
		comps = []discordgo.MessageComponent{}
	}
	return a.api.EditResponse(ctx, it, &discordgo.WebhookEdit{
		Content: &content, Embeds: &embeds, Components: &comps, AllowedMentions: noMentions(),
	})
}

// handle runs one interaction and returns its response (nil for a duplicate delivery). It
// never panics. An interaction that failed for a passing reason before it changed anything
// (the database was unavailable) has its de-duplication mark dropped, so a redelivery of it
// (a gateway RESUME replays missed events) is handled instead of ignored.
func (a *Adapter) handle(ctx context.Context, it *discordgo.Interaction) (resp *discordgo.InteractionResponse) {
	key := "discord:interaction:" + it.ID
	var o outcome
	defer func() {
		if r := recover(); r != nil {
			a.log.Error("discord: interaction handler panicked", "interaction", it.ID, "panic", r, "stack", string(debug.Stack()))
			resp = ephemeral("Something went wrong on our side; please try again.")
			return
		}
		if o.transient && it.ID != "" {
			if err := a.bot.Dedupe().Forget(ctx, key); err != nil {
				a.log.Warn("discord: could not drop a de-duplication mark; a redelivery will be ignored", "key", key, "err", err)
			}
		}
	}()
	if it.ID != "" && !a.bot.Dedupe().First(ctx, key, dedupeTTL) {
		return nil
	}
	if it.GuildID == "" {
		if d, ok := it.Data.(discordgo.MessageComponentInteractionData); ok && it.User != nil && isSnowflake(it.User.ID) {
			return a.onDMComponent(ctx, it, d) // a DM draft's button or menu
		}
		return ephemeral("ticketbot works inside a server: use /ticket in one of its channels.")
	}
	if it.Member == nil || it.Member.User == nil || it.Member.User.ID == "" {
		return ephemeral("ticketbot works inside a server: use /ticket in one of its channels.")
	}
	a.learn(workspace(it.GuildID), memberRef(it.Member))
	req := a.request(it)
	switch d := it.Data.(type) {
	case discordgo.ApplicationCommandInteractionData:
		if it.Type == discordgo.InteractionApplicationCommandAutocomplete {
			return a.onAutocomplete(ctx, req, it.Member, d)
		}
		return a.onCommand(ctx, &o, it, req, d)
	case discordgo.MessageComponentInteractionData:
		return a.onComponent(ctx, &o, req, it.Member, d)
	case discordgo.ModalSubmitInteractionData:
		return a.onModal(ctx, &o, it, req, d)
	}
	return ephemeral("ticketbot doesn't handle this kind of interaction.")
}

// request is the bot request of interaction it, from a member of a guild.
func (a *Adapter) request(it *discordgo.Interaction) bot.Request {
	ws := workspace(it.GuildID)
	return bot.Request{
		Workspace: ws,
		User:      memberRef(it.Member),
		Channel:   it.ChannelID,
		RequestID: it.ID,
		Role:      a.roleFunc(ws, it.Member),
		Surface:   bot.SurfaceOptions,
		Words:     words(),
		Platform:  platformInfo{a: a, guild: it.GuildID},
	}
}

// outcome is what handling one interaction learnt besides its response.
type outcome struct {
	// transient: it failed for a passing reason before changing anything.
	transient bool
}

// dispatch runs req through the bot, noting a failure for lack of the database. Every
// command's changes are one transaction, so a command that failed unavailable changed nothing
// (an open made no ticket).
func (a *Adapter) dispatch(ctx context.Context, o *outcome, req bot.Request) bot.Reply {
	r := a.bot.Dispatch(ctx, req)
	if r.Error != nil && r.Error.Code == core.EUnavailable {
		o.transient = true
	}
	return r
}

// fail renders err for the caller, noting a passing failure.
func (o *outcome) fail(err error) *discordgo.InteractionResponse {
	if bot.Passing(err) {
		o.transient = true
	}
	return errorResponse(err)
}

func (a *Adapter) onCommand(ctx context.Context, o *outcome, it *discordgo.Interaction, req bot.Request, d discordgo.ApplicationCommandInteractionData) *discordgo.InteractionResponse {
	if d.Name != cmdTicket && d.Name != cmdAdmin {
		return ephemeral("Unknown command; try /ticket help.")
	}
	name, opts, _ := subcommand(d)
	c, err := a.bot.Registry().DecodeOptions(name, opts)
	if err != nil {
		return errorResponse(err)
	}
	req.Command = c
	if a.takesIntake(it, req) {
		return a.openDurably(ctx, o, it, req)
	}
	reply := a.dispatch(ctx, o, req)
	if reply.Panel != "" && reply.Error == nil {
		return a.postPanel(ctx, req, reply.Panel, reply.PanelCategories)
	}
	return replyResponse(reply)
}

// postPanel posts the "Open a ticket" panel into channel (the panel command, whose role the
// dispatcher checked).
func (a *Adapter) postPanel(ctx context.Context, req bot.Request, channel string, cats []core.Category) *discordgo.InteractionResponse {
	if _, err := a.api.SendMessage(ctx, channel, panelMessage(cats)); err != nil {
		a.log.Warn("discord: could not post the panel", "guild", req.Workspace.ExternalID, "channel", channel, "err", err)
		return ephemeral(fmt.Sprintf("I couldn't post in %s: check that I may view the channel and send messages there.", channelMention(channel)))
	}
	return ephemeral(fmt.Sprintf("Posted the panel in %s.", channelMention(channel)))
}

func (a *Adapter) onComponent(ctx context.Context, o *outcome, req bot.Request, m *discordgo.Member, d discordgo.MessageComponentInteractionData) *discordgo.InteractionResponse {
	switch id := d.CustomID; {
	case id == customPanelOpen:
		req.Command = bot.Command{Name: "open", Args: bot.Args{}}
		return replyResponse(a.dispatch(ctx, o, req))
	case id == customPlainForm:
		return modalResponse()
	case strings.HasPrefix(id, customPanelCategory):
		return a.categoryForm(ctx, o, req, m, strings.TrimPrefix(id, customPanelCategory))
	case id == customCategoryPick:
		if len(d.Values) == 0 || d.Values[0] == pickOther {
			return modalResponse()
		}
		return a.categoryForm(ctx, o, req, m, d.Values[0])
	case strings.HasPrefix(id, customJoinPrefix):
		n, err := strconv.ParseInt(strings.TrimPrefix(id, customJoinPrefix), 10, 64)
		if err != nil || n <= 0 {
			return ephemeral("This button is no longer supported.")
		}
		return a.join(ctx, o, req, m, n)
	}
	if id, score, ok := bot.ParseRateAction(d.CustomID); ok {
		return rateModalResponse(id, score)
	}
	act, err := bot.ParseAction(d.CustomID)
	if err != nil {
		return ephemeral("This button is no longer supported.")
	}
	value := ""
	if len(d.Values) > 0 {
		value = d.Values[0]
	}
	c, err := act.Command(value)
	if err != nil {
		return errorResponse(err)
	}
	req.Command = c
	return replyResponse(a.dispatch(ctx, o, req))
}

// join adds a staff member to a ticket's private thread (the Join button of the notice in the
// support channel).
func (a *Adapter) join(ctx context.Context, o *outcome, req bot.Request, m *discordgo.Member, ticketID int64) *discordgo.InteractionResponse {
	role, err := a.memberRole(ctx, req.Workspace, m)
	if err != nil {
		return o.fail(err)
	}
	if !role.AtLeast(core.RoleStaff) {
		return ephemeral("You can't do that: only staff can join ticket threads.")
	}
	t, err := a.svc.Ticket(ctx, core.Actor{User: req.User, Role: role, Workspace: req.Workspace}, ticketID)
	if err != nil {
		return o.fail(err)
	}
	th, _, err := a.places(ctx, t)
	if err != nil {
		return o.fail(err)
	}
	if th.ThreadID == "" {
		return ephemeral(fmt.Sprintf("Ticket #%d's thread isn't ready yet; try again in a moment.", t.Number))
	}
	if err := a.api.AddThreadMember(ctx, th.ThreadID, req.User.ID); err != nil {
		a.log.Warn("discord: could not add a staff member to a ticket thread", "ticket", t.ID, "thread", th.ThreadID, "err", err)
		return ephemeral(fmt.Sprintf("I couldn't add you to ticket #%d's thread; check that I have Manage Threads in the support channel.", t.Number))
	}
	return ephemeral(fmt.Sprintf("You joined ticket #%d: %s", t.Number, channelMention(th.ThreadID)))
}

func (a *Adapter) onModal(ctx context.Context, o *outcome, it *discordgo.Interaction, req bot.Request, d discordgo.ModalSubmitInteractionData) *discordgo.InteractionResponse {
	if rest, ok := strings.CutPrefix(d.CustomID, customRateModal); ok {
		id, score, ok := bot.ParseRateAction("tb:rate:" + rest)
		if !ok {
			return ephemeral("This form is no longer supported.")
		}
		return replyResponse(a.bot.Rate(ctx, req, id, score, modalValues(d.Components)["comment"]))
	}
	v := modalValues(d.Components)
	switch {
	case d.CustomID == customOpenModal:
		req.Command = bot.Command{Name: "open", Args: bot.OpenArgs(v["title"], v["description"], v["priority"])}
		if v["title"] == "" {
			return ephemeral("A ticket needs a title.")
		}
	case strings.HasPrefix(d.CustomID, customCategoryModal):
		id, err := strconv.ParseInt(strings.TrimPrefix(d.CustomID, customCategoryModal), 10, 64)
		if err != nil || id <= 0 {
			return ephemeral("This form is no longer supported.")
		}
		answers := map[string]string{}
		for k, val := range v {
			if q, ok := strings.CutPrefix(k, questionInput); ok && val != "" {
				answers[q] = val
			}
		}
		req.Command = bot.Command{Name: "open", Args: bot.OpenArgs(v["title"], v["description"], "").WithCategory(id, answers)}
	default:
		return ephemeral("This form is no longer supported.")
	}
	if a.takesIntake(it, req) {
		return a.openDurably(ctx, o, it, req)
	}
	reply := a.dispatch(ctx, o, req)
	if reply.Modal { // a modal cannot answer a modal
		return ephemeral("A ticket needs a title.")
	}
	return replyResponse(reply)
}

// modalValues collects a modal's text inputs by custom id.
func modalValues(comps []discordgo.MessageComponent) map[string]string {
	out := map[string]string{}
	var walk func([]discordgo.MessageComponent)
	walk = func(cs []discordgo.MessageComponent) {
		for _, c := range cs {
			switch x := c.(type) {
			case *discordgo.ActionsRow:
				walk(x.Components)
			case discordgo.ActionsRow:
				walk(x.Components)
			case *discordgo.TextInput:
				out[x.CustomID] = strings.TrimSpace(x.Value)
			case discordgo.TextInput:
				out[x.CustomID] = strings.TrimSpace(x.Value)
			}
		}
	}
	walk(comps)
	return out
}

// onAutocomplete suggests ticket numbers: the caller's own tickets, or the guild's for staff,
// of the statuses the argument declares, filtered by what was typed (a number prefix or part
// of the title).
func (a *Adapter) onAutocomplete(ctx context.Context, req bot.Request, m *discordgo.Member, d discordgo.ApplicationCommandInteractionData) *discordgo.InteractionResponse {
	resp := &discordgo.InteractionResponse{
		Type: discordgo.InteractionApplicationCommandAutocompleteResult,
		Data: &discordgo.InteractionResponseData{Choices: []*discordgo.ApplicationCommandOptionChoice{}},
	}
	if d.Name != cmdTicket && d.Name != cmdAdmin {
		return resp
	}
	name, _, num := subcommand(d)
	sub, ok := a.bot.Registry().Lookup(name)
	if !ok || num == nil {
		return resp
	}
	arg, ok := sub.OptionArg(num.Name)
	if ok && arg.Type == bot.ArgWord && arg.SuggestWords != nil {
		return a.suggestWords(ctx, req, m, arg, fmt.Sprint(num.Value), resp)
	}
	if !ok || (arg.Type != bot.ArgTicket && arg.Type != bot.ArgCategory) || !arg.Autocomplete {
		return resp
	}
	typed := strings.TrimPrefix(strings.TrimSpace(fmt.Sprint(num.Value)), "#")
	if num.Value == nil {
		typed = ""
	}
	limit := core.Limit{Rate: 120, Period: time.Minute, Burst: 20} // one lookup per keystroke
	if d := a.bot.Throttle().Allow(ctx, "autocomplete:"+req.Workspace.String()+":"+req.User.ID, limit); !d.Allowed {
		return resp
	}
	role, err := a.memberRole(ctx, req.Workspace, m)
	if err != nil {
		return resp
	}
	if arg.Type == bot.ArgCategory {
		resp.Data.Choices = a.categoryChoices(ctx, core.Actor{User: req.User, Role: role, Workspace: req.Workspace}, typed)
		return resp
	}
	ts, err := a.svc.ListTickets(ctx, core.Actor{User: req.User, Role: role, Workspace: req.Workspace},
		core.ListFilter{Workspace: req.Workspace, Statuses: arg.Suggest, Limit: 100})
	if err != nil {
		a.log.Warn("discord: autocomplete failed", "err", err)
		return resp
	}
	lower := strings.ToLower(typed)
	for _, t := range ts {
		n := strconv.FormatInt(t.Number, 10)
		if typed != "" && !strings.HasPrefix(n, typed) && !strings.Contains(strings.ToLower(t.Title), lower) {
			continue
		}
		resp.Data.Choices = append(resp.Data.Choices, &discordgo.ApplicationCommandOptionChoice{
			Name:  truncate(fmt.Sprintf("#%d %s (%s)", t.Number, strings.Join(strings.Fields(t.Title), " "), bot.StatusLabel(t.Status)), maxChoiceName),
			Value: t.Number,
		})
		if len(resp.Data.Choices) == maxChoices {
			break
		}
	}
	return resp
}

// suggestWords answers an autocomplete of a word argument (saved reply names) with the
// declared suggestions that contain what was typed.
func (a *Adapter) suggestWords(ctx context.Context, req bot.Request, m *discordgo.Member, arg bot.Arg, typed string, resp *discordgo.InteractionResponse) *discordgo.InteractionResponse {
	limit := core.Limit{Rate: 120, Period: time.Minute, Burst: 20}
	if d := a.bot.Throttle().Allow(ctx, "autocomplete:"+req.Workspace.String()+":"+req.User.ID, limit); !d.Allowed {
		return resp
	}
	role, err := a.memberRole(ctx, req.Workspace, m)
	if err != nil {
		return resp
	}
	for _, w := range a.bot.Suggest(ctx, req, role, arg, typed) {
		resp.Data.Choices = append(resp.Data.Choices, &discordgo.ApplicationCommandOptionChoice{Name: truncate(w, maxChoiceName), Value: w})
		if len(resp.Data.Choices) == maxChoices {
			break
		}
	}
	return resp
}

// errorResponse renders a core error for the caller.
func errorResponse(err error) *discordgo.InteractionResponse {
	msg := core.ErrorMessage(err)
	if msg != "" {
		msg = strings.ToUpper(msg[:1]) + msg[1:]
	}
	return ephemeral(msg + ".")
}

// memberRef names the member who sent an interaction.
func memberRef(m *discordgo.Member) core.UserRef {
	u := core.UserRef{ID: m.User.ID, Name: m.Nick}
	if u.Name == "" {
		u.Name = displayName(m.User)
	}
	return u
}

// words are Discord's names for things in the bot's replies.
func words() bot.Words {
	return bot.Words{
		Admins:       "server admins (Manage Server)",
		Workspace:    "server",
		Conversation: "in the ticket's private thread",
		Command: func(name string, g bot.Group) string {
			if g == bot.GroupAdmin {
				return "/" + cmdAdmin + " " + name
			}
			return "/" + cmdTicket + " " + name
		},
	}
}

// capitalise upper-cases the first letter of s.
func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// categoryChoices are the server's categories whose name contains typed (ignoring case).
func (a *Adapter) categoryChoices(ctx context.Context, actor core.Actor, typed string) []*discordgo.ApplicationCommandOptionChoice {
	out := []*discordgo.ApplicationCommandOptionChoice{}
	cs, err := a.svc.Categories(ctx, actor, actor.Workspace)
	if err != nil {
		a.log.Warn("discord: category autocomplete failed", "err", err)
		return out
	}
	lower := strings.ToLower(typed)
	for _, c := range cs {
		if typed != "" && !strings.Contains(strings.ToLower(c.Name), lower) {
			continue
		}
		out = append(out, &discordgo.ApplicationCommandOptionChoice{Name: truncate(c.Name, maxChoiceName), Value: c.Name})
		if len(out) == maxChoices {
			break
		}
	}
	return out
}
