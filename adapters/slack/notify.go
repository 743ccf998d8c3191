package slack

import (
	"context"
	"fmt"
	"strings"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
)

// channelLimit paces posts into one channel at about one message a second (Slack's limit),
// allowing short bursts. A post over it is retried by the outbox, never waited for.
var channelLimit = core.Limit{Rate: 1, Period: time.Second, Burst: 3}

// stepTTL is how long a delivered step of an event is remembered, so a retried event does
// not post twice what already went out.
const stepTTL = 24 * time.Hour

// Notify delivers one outbox event to Slack: ticket.opened posts the ticket card in the
// triage channel (the ticket's staff side) and the requester card in the reporter's DM with
// the bot (its requester side); ticket.changed updates both cards in place, notes the change
// in the triage thread and tells the requester side of a status change someone else made;
// message.copy posts (or edits, or deletes) the copy of a message in one place; and
// settings.changed greets the new triage channel. Errors are for the outbox dispatcher:
// retried later (at least the Retry-After of a 429), or core.Permanent.
func (a *Adapter) Notify(ctx context.Context, ev core.Event) error {
	ctx = withEventTeam(ctx, ev) // the Web API calls use the event's team's token (teams.go)
	var err error
	switch {
	case ev.Workspace.Platform != core.PlatformSlack:
		err = a.notifyLinked(ctx, ev) // a ticket of a workspace this one staffs (linked.go)
	case ev.Kind == core.EventTicketOpened:
		err = a.notifyOpened(ctx, ev)
	case ev.Kind == core.EventTicketChanged:
		err = a.notifyChanged(ctx, ev)
	case ev.Kind == core.EventMessageAdded:
		err = a.notifyAdded(ctx, ev)
	case ev.Kind == core.EventMessageCopy:
		err = a.notifyCopy(ctx, ev)
	case ev.Kind == core.EventSettingsChange:
		err = a.notifySettings(ctx, ev)
	case ev.Kind == core.EventSLAAlert:
		err = a.notifySLA(ctx, ev)
	}
	if err != nil {
		return fmt.Errorf("slack.Notify %s #%d: %w", ev.Kind, ev.ID, err)
	}
	return nil
}

// ticket loads the event's ticket and its places (as its batch read them, if it did); a
// ticket that is gone cannot be delivered.
func (a *Adapter) ticket(ctx context.Context, id int64) (core.Ticket, []core.Place, error) {
	if tp, ok := preloaded(ctx, id); ok {
		return tp.Ticket, tp.Places, nil
	}
	t, ps, err := a.svc.TicketAndPlaces(ctx, core.System(), id)
	if core.IsCode(err, core.ENotFound) {
		return t, nil, core.Permanent(err)
	}
	return t, ps, err
}

func (a *Adapter) notifyOpened(ctx context.Context, ev core.Event) error {
	t, places, err := a.ticket(ctx, ev.TicketID)
	if err != nil {
		return err
	}
	_, err = a.ensurePlaces(ctx, ev, t, places)
	return err
}

// ensurePlaces gives t its Slack places when it has none yet: the ticket card in the triage
// channel (or, before setup, the channel the ticket was asked for in), and the requester card
// in the reporter's DM with the bot. A step that is done is recorded at once, so a retry goes
// on from where the last attempt stopped.
func (a *Adapter) ensurePlaces(ctx context.Context, ev core.Event, t core.Ticket, places []core.Place) ([]core.Place, error) {
	has := func(k core.PlaceKind) bool { return hasPlace(places, k) }
	if !has(core.PlaceTriage) {
		st, err := a.bot.Settings(ctx, t.Workspace)
		if err != nil {
			return places, err
		}
		if postsCard(st, places) {
			p, err := a.postCard(ctx, ev, t)
			if err != nil {
				return places, err
			}
			places = append(places, p)
		}
	}
	if !has(core.PlaceRequesterDM) && !has(core.PlaceRequestThread) && isUserID(t.Reporter.ID) {
		p, err := a.postRequesterCard(ctx, ev, t)
		if core.IsPermanent(err) {
			a.log.Warn("slack: could not reach the reporter; their side of the ticket is missing", "ticket", t.ID, "err", err)
			if err := a.tellStaff(ctx, ev, t, places, "unreachable", "I can't reach the reporter by direct message ("+slackCode(err)+"), so replies here won't get to them; contact them another way."); err != nil {
				return places, err
			}
		} else if err != nil {
			return places, err
		}
		if p.ID != 0 {
			places = append(places, p)
		}
	}
	return places, nil
}

// hasPlace reports whether places has a Slack place of kind k.
func hasPlace(places []core.Place, k core.PlaceKind) bool {
	for _, p := range places {
		if p.Kind == k && p.Workspace.Platform == core.PlatformSlack {
			return true
		}
	}
	return false
}

// postsCard reports whether ensurePlaces posts the card of a ticket with places under st: it
// has no triage card, and there is a triage channel or the ticket has no thread of its card
// from before setup.
func postsCard(st core.Settings, places []core.Place) bool {
	return !hasPlace(places, core.PlaceTriage) && (st.TriageChannel != "" || !hasPlace(places, core.PlaceRequestThread))
}

// cardTarget is the channel t's card goes into under st and the place it makes there: the
// triage channel, or before setup the channel the ticket was asked for in, whose thread is
// then the requester's side (no internal note is ever copied there; the ticket gets its
// triage card with its next change after setup).
func cardTarget(st core.Settings, t core.Ticket) (string, core.PlaceKind) {
	if st.TriageChannel != "" {
		return st.TriageChannel, core.PlaceTriage
	}
	return t.OriginChannel, core.PlaceRequestThread
}

// tellStaff posts a line into the ticket's triage thread, once per ticket and subject.
func (a *Adapter) tellStaff(ctx context.Context, ev core.Event, t core.Ticket, places []core.Place, subject, text string) error {
	key := fmt.Sprintf("told:%s:%d:%s", t.Workspace.ExternalID, t.ID, subject)
	if _, err := a.cache.Get(ctx, key); err == nil {
		return nil
	}
	for _, p := range places {
		if p.Kind == core.PlaceTriage && p.Workspace.Platform == core.PlatformSlack {
			_, _, err := a.postOnce(ctx, ev, fmt.Sprintf("staff-line:%d", p.ID), p.ChannelID, p.ThreadID, message{Text: escape(text)})
			if err == nil {
				_ = a.cache.Set(ctx, key, []byte("1"), 30*24*time.Hour)
			}
			return a.tolerate(err, "tell the staff", t)
		}
	}
	return nil
}

// postCard posts t's card into the triage channel and records it as t's triage place.
func (a *Adapter) postCard(ctx context.Context, ev core.Event, t core.Ticket) (core.Place, error) {
	st, err := a.bot.Settings(ctx, t.Workspace)
	if err != nil {
		return core.Place{}, err
	}
	channel, kind := cardTarget(st, t)
	if channel == "" {
		return core.Place{}, core.Permanent(fmt.Errorf("ticket %d has no channel for its card (no triage channel, no origin)", t.ID))
	}
	step := "card"
	if kind != core.PlaceTriage {
		step = "origin-card"
	}
	ch, ts, err := a.postOnce(ctx, ev, step, channel, "", cardMessage(bot.TicketCard(t)))
	if err != nil {
		return core.Place{}, err
	}
	return a.recordPlace(ctx, ev, core.Place{TicketID: t.ID, Kind: kind, Workspace: t.Workspace,
		ChannelID: ch, ThreadID: ts, CardID: ts})
}

// postRequesterCard posts the requester card into the reporter's DM with the bot, or for a
// ticket opened from a message into that message's thread; that thread is the ticket's
// requester side.
func (a *Adapter) postRequesterCard(ctx context.Context, ev core.Event, t core.Ticket) (core.Place, error) {
	if t.OriginMessage != "" && t.OriginChannel != "" {
		_, ts, err := a.postOnce(ctx, ev, "requester-card", t.OriginChannel, t.OriginMessage, requesterCardMessage(t))
		if err != nil {
			return core.Place{}, err
		}
		return a.recordPlace(ctx, ev, core.Place{TicketID: t.ID, Kind: core.PlaceRequestThread, Workspace: t.Workspace,
			ChannelID: t.OriginChannel, ThreadID: t.OriginMessage, CardID: ts})
	}
	dm, err := a.api.openDM(ctx, t.Reporter.ID)
	if err != nil {
		return core.Place{}, err
	}
	ch, ts, err := a.postOnce(ctx, ev, "requester-card", dm, "", requesterCardMessage(t))
	if err != nil {
		return core.Place{}, err
	}
	return a.recordPlace(ctx, ev, core.Place{TicketID: t.ID, Kind: core.PlaceRequesterDM, Workspace: t.Workspace,
		ChannelID: ch, ThreadID: ts, CardID: ts})
}

// postOnce posts m unless this step of ev already went out, and returns where it landed.
func (a *Adapter) postOnce(ctx context.Context, ev core.Event, step, channel, thread string, m message) (string, string, error) {
	key := stepKey(ev, step)
	if v, ok := a.stepOf(ctx, ev, key); ok {
		ch, ts, _ := strings.Cut(string(v), " ")
		return ch, ts, nil
	}
	// The channel's pace (and a pause Slack asked for) is taken before the look-up below: an
	// event waiting its turn, attempt after attempt, reads no history while it waits (a
	// backlog in one channel would otherwise read it once a second per event, and meet the
	// history's own rate limit). A post the look-up finds leaves its turn unused.
	if err := a.pace(ctx, ev.Workspace, channel); err != nil {
		return "", "", err
	}
	id := postID(ev, step)
	if ev.Attempts > 1 {
		// An earlier attempt may have posted it and lost Slack's answer: look before posting
		// again, so a retry never makes a second card or copy.
		ts, err := a.api.findPost(ctx, channel, thread, ev.CreatedAt, postEventType, id)
		switch {
		case err != nil && !core.IsPermanent(err):
			return "", "", err
		case err != nil:
			// The history cannot be read (the channel is gone, a scope is missing): the post
			// itself says what is wrong.
			a.log.Debug("slack: could not look for an earlier attempt", "channel", channel, "err", err)
		case ts != "":
			a.markStep(ctx, key, []byte(channel+" "+ts))
			return channel, ts, nil
		}
	}
	m.Metadata = &slackgo.SlackMetadata{EventType: postEventType, EventPayload: map[string]any{"id": id}}
	var ch, ts string
	err := guarded(ctx, func() (err error) {
		ch, ts, err = a.api.post(ctx, channel, thread, m)
		return err
	})
	if err != nil {
		a.pauseOn(ctx, ev.Workspace, "chat", err)
		return "", "", err
	}
	a.markStep(ctx, key, []byte(ch+" "+ts))
	return ch, ts, nil
}

func (a *Adapter) notifyChanged(ctx context.Context, ev core.Event) error {
	t, places, err := a.ticket(ctx, ev.TicketID)
	if err != nil {
		return err
	}
	had := len(places)
	places, err = a.ensurePlaces(ctx, ev, t, places)
	if err := a.tolerate(err, "post the cards", t); err != nil {
		return err
	}
	fresh := len(places) > had
	for _, p := range places {
		if p.Workspace.Platform != core.PlatformSlack || p.CardID == "" {
			continue
		}
		var err error
		switch p.Kind {
		case core.PlaceTriage:
			if !fresh {
				// The card shows the ticket as it is now, so updating it again is harmless.
				err = a.update(ctx, ev, t.Workspace, p.ChannelID, p.CardID, cardMessage(bot.TicketCard(t)))
			}
			if note := changeNote(ev.Changes, ownPerson); note == "" {
			} else if err2 := a.once(ctx, ev, fmt.Sprintf("note:%d", p.ID), func() error {
				_, _, err := a.postOnce(ctx, ev, fmt.Sprintf("note-post:%d", p.ID), p.ChannelID, p.ThreadID, message{Text: note})
				return err
			}); err == nil {
				err = err2
			}
		case core.PlaceRequesterDM, core.PlaceRequestThread:
			card := requesterCardMessage(t)
			if p.Kind == core.PlaceRequestThread && p.CardID == p.ThreadID {
				card = cardMessage(bot.TicketCard(t)) // the card posted before setup heads its own thread
			}
			err = a.update(ctx, ev, t.Workspace, p.ChannelID, p.CardID, card)
			if line := statusLine(ev, t); line != "" && err == nil {
				_, _, err = a.postOnce(ctx, ev, fmt.Sprintf("status:%d", p.ID), p.ChannelID, p.ThreadID,
					message{Text: line, Broadcast: p.Kind == core.PlaceRequesterDM})
			}
		}
		if err := a.tolerate(err, "update "+string(p.Kind), t); err != nil {
			return err
		}
	}
	return nil
}

// tolerate lets a permanent failure of one step pass (logged), so the steps after it (and
// the events after this one) still go out; other errors are returned for a retry.
func (a *Adapter) tolerate(err error, step string, t core.Ticket) error {
	if err == nil {
		return nil
	}
	if core.IsPermanent(err) {
		a.log.Warn("slack: could not "+step+"; skipped", "ticket", t.ID, "err", err)
		return nil
	}
	return err
}

// safeLink reports whether a URL can sit inside <url|label> markup.
func safeLink(u string) bool {
	return strings.HasPrefix(u, "https://") && !strings.ContainsAny(u, "<>| \n")
}

// actorText names who made a change without pinging them.
func actorText(u core.UserRef) string {
	if u.Name != "" {
		return escape(u.Name)
	}
	return userText(u)
}

// notifyCopy posts the copy of a message into one Slack place, or brings an earlier copy up
// to date (an edit) or removes it (a deletion). The copy is posted once: its id is recorded,
// and a retry whose earlier attempt posted it finds it by the step mark.
func (a *Adapter) notifyCopy(ctx context.Context, ev core.Event) error {
	m, p, err := core.DeliveryCopy(ctx, a.svc, ev)
	if err != nil {
		return err
	}
	return a.copyInto(ctx, ev, m, p)
}

// notifyAdded gives a ticket that has no Slack places yet (its card could not be posted when
// it was opened) its places, and copies the message into every place made after the message
// was stored: the core could not know of those, so no message.copy event names them.
func (a *Adapter) notifyAdded(ctx context.Context, ev core.Event) error {
	m, err := core.DeliveryMessage(ctx, a.svc, ev)
	if err != nil {
		return err
	}
	t, places, err := a.ticket(ctx, ev.TicketID)
	if err != nil {
		return err
	}
	if places, err = a.ensurePlaces(ctx, ev, t, places); err != nil {
		return err
	}
	for _, p := range core.LateCopies(places, m, core.PlatformSlack) {
		if err := a.copyInto(ctx, ev, m, p); err != nil {
			return err
		}
	}
	return nil
}

// copyInto posts m's copy into p once, or brings it up to date (edited, deleted).
func (a *Adapter) copyInto(ctx context.Context, ev core.Event, m core.Message, p core.Place) error {
	if !p.Sees(m.Internal) {
		// Never: the core writes no such event. Refuse rather than leak if one ever appears.
		return core.Permanent(fmt.Errorf("message %d is internal and place %d is on the requester side", m.ID, p.ID))
	}
	text := copyText(m)
	prev, err := a.svc.CopyOf(ctx, core.System(), m.ID, p.ID)
	switch {
	case err == nil && m.Deleted:
		err := guarded(ctx, func() error { return a.api.remove(ctx, p.ChannelID, prev) })
		return a.tolerate(err, "delete a copy", core.Ticket{ID: m.TicketID})
	case err == nil:
		return a.tolerate(a.update(ctx, ev, p.Workspace, p.ChannelID, prev, message{Text: text}), "edit a copy", core.Ticket{ID: m.TicketID})
	case !core.IsCode(err, core.ENotFound):
		return err
	case m.Deleted:
		return nil // deleted before its copy went out
	}
	msg := message{Text: text, Broadcast: p.Kind == core.PlaceRequesterDM}
	_, ts, err := a.postOnce(ctx, ev, fmt.Sprintf("copy:%d", p.ID), p.ChannelID, p.ThreadID, msg)
	if err != nil {
		return err
	}
	return a.svc.RecordCopy(ctx, core.System(), m.ID, p.ID, ts)
}

// copyText is a message as its copies show it: the author's name, where it came from, the
// text (escaped, so nothing in it can ping anyone) and its files as links.
func copyText(m core.Message) string {
	label := ""
	if m.Internal {
		label = " 🔒 internal note"
	}
	text := "*" + actorText(m.Author) + "* " + via(m.Source) + label + ":\n" + escapeCut(m.Content, maxSectionText)
	for _, f := range m.Attachments {
		if safeLink(f.URL) {
			text += "\n<" + f.URL + "|" + escape(strings.NewReplacer("|", " ", ">", " ").Replace(f.Name)) + ">"
		}
	}
	return text
}

func via(source string) string {
	switch source {
	case "web":
		return "(from the helpdesk dashboard)"
	case "api":
		return "(via the API)"
	case "discord":
		return "(from Discord)"
	case "slack":
		return "(in Slack)"
	}
	return "(from the helpdesk)"
}

func (a *Adapter) notifySettings(ctx context.Context, ev core.Event) error {
	a.bot.ForgetSettings(ev.Workspace)
	st, err := a.bot.Settings(ctx, ev.Workspace)
	if err != nil {
		return err
	}
	changed := false
	for _, c := range ev.Changes {
		changed = changed || c.Field == "triage_channel"
	}
	if st.TriageChannel == "" || !changed {
		return nil
	}
	_, _, err = a.postOnce(ctx, ev, "welcome", st.TriageChannel, "", message{
		Text: "This is now the helpdesk's triage channel: new tickets appear here as cards, and members of this channel are staff. " +
			"Reply in a card's thread to answer its requester; start a message with note: or 🔒 to keep it among staff.",
	})
	return err
}

// update is chat.update, once per event and message (a retry of the event does not repeat
// it), held while Slack asked to wait.
func (a *Adapter) update(ctx context.Context, ev core.Event, ws core.Workspace, channel, ts string, m message) error {
	return a.once(ctx, ev, "update:"+channel+":"+ts, func() error {
		if d, ok := a.paused(ctx, ws, "chat"); ok {
			return core.Paced(fmt.Errorf("slack asked to wait before more chat calls"), d)
		}
		err := guarded(ctx, func() error { return a.api.update(ctx, channel, ts, m) })
		a.pauseOn(ctx, ws, "chat", err)
		return err
	})
}

// once runs step of ev unless a previous delivery of ev already did it.
func (a *Adapter) once(ctx context.Context, ev core.Event, step string, fn func() error) error {
	key := stepKey(ev, step)
	if _, ok := a.stepOf(ctx, ev, key); ok {
		return nil
	}
	if err := fn(); err != nil {
		return err
	}
	a.markStep(ctx, key, []byte("1"))
	return nil
}

// postEventType is the metadata event type of every message ticketbot posts.
const postEventType = "ticketbot_post"

// postID names one post of one event's step, the same on every attempt.
func postID(ev core.Event, step string) string {
	return fmt.Sprintf("%d.%d.%s", ev.ID, ev.CreatedAt.UnixNano(), step)
}

// stepOf returns the value of ev's step key if an earlier attempt (or this delivery) did that
// step. On an event's first claim no earlier attempt can have, so the cache is not asked (one
// Redis round trip per post or update saved); other attempts (and direct calls) ask it.
func (a *Adapter) stepOf(ctx context.Context, ev core.Event, key string) ([]byte, bool) {
	if v, ok := pendingStep(ctx, key); ok {
		return v, true
	}
	if ev.Attempts == 1 {
		return nil, false
	}
	v, err := a.cache.Get(ctx, key)
	return v, err == nil
}

// markStep records that the step key names is done, with value v, for stepTTL: in a batch,
// with the batch's other steps in one write before its events are marked delivered (a
// delivery that fails writes its own at once, before its event is released for a retry);
// otherwise at once.
func (a *Adapter) markStep(ctx context.Context, key string, v []byte) {
	if d, _ := ctx.Value(deliveryKey{}).(*delivery); d != nil {
		d.add(key, v)
		return
	}
	_ = a.cache.Set(ctx, key, v, stepTTL)
}

// stepKey names a delivered step of ev; the creation time keeps keys apart if a database is
// ever reset while Redis keeps its keys.
func stepKey(ev core.Event, step string) string {
	return fmt.Sprintf("sent:%s:%d:%d:%s", ev.Workspace.ExternalID, ev.ID, ev.CreatedAt.UnixNano(), step)
}
