package slack

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
)

// channelLimit paces posts into one channel at about one message a second (Slack's limit),
// allowing short bursts. A post over it is retried by the outbox, never waited for.
var channelLimit = core.Limit{Rate: 1, Period: time.Second, Burst: 3}

// stepTTL is how long a delivered step of an event is remembered, so a retried event does
// not post twice what already went out.
const stepTTL = 24 * time.Hour

// Notify delivers one outbox event to Slack: ticket.opened posts the card and records its
// thread; ticket.changed updates the card in place, notes the change in the thread and DMs the
// reporter on a status change someone else made; message.added posts a dashboard or API
// message into the thread. Both post the card first when the ticket has none yet. And
// settings.changed greets the new helpdesk channel. Errors are for the outbox
// dispatcher: retried later (at least the Retry-After of a 429), or core.Permanent.
func (a *Adapter) Notify(ctx context.Context, ev core.Event) error {
	var err error
	switch ev.Kind {
	case core.EventTicketOpened:
		err = a.notifyOpened(ctx, ev)
	case core.EventTicketChanged:
		err = a.notifyChanged(ctx, ev)
	case core.EventMessageAdded:
		err = a.notifyMessage(ctx, ev)
	case core.EventSettingsChange:
		err = a.notifySettings(ctx, ev)
	}
	if err != nil {
		return fmt.Errorf("slack.Notify %s #%d: %w", ev.Kind, ev.ID, err)
	}
	return nil
}

// ticket loads the event's ticket; a ticket that is gone cannot be delivered.
func (a *Adapter) ticket(ctx context.Context, id int64) (core.Ticket, error) {
	t, err := a.svc.Ticket(ctx, core.System(), id)
	if core.IsCode(err, core.ENotFound) {
		return t, core.Permanent(err)
	}
	return t, err
}

func (a *Adapter) notifyOpened(ctx context.Context, ev core.Event) error {
	t, err := a.ticket(ctx, ev.TicketID)
	if err != nil {
		return err
	}
	_, err = a.ensureCard(ctx, ev, t)
	return err
}

// ensureCard posts t's card, unless t already has one, into the helpdesk channel (or, before
// setup, the channel the ticket was asked for in) and records it as t's thread.
func (a *Adapter) ensureCard(ctx context.Context, ev core.Event, t core.Ticket) (core.Ticket, error) {
	if !t.Thread.IsZero() {
		return t, nil
	}
	state := a.svc.State()
	key := stepKey(ev, "card")
	var ref core.ThreadRef
	if v, err := state.Get(ctx, key); err == nil {
		ch, ts, _ := strings.Cut(string(v), " ")
		ref = core.ThreadRef{ChannelID: ch, ThreadID: ts, CardID: ts}
	} else {
		st, err := a.settings(ctx, t.Workspace)
		if err != nil {
			return t, err
		}
		channel := st.Channel
		if channel == "" {
			channel = t.OriginChannel
		}
		if channel == "" {
			return t, core.Permanent(fmt.Errorf("ticket %d has no channel for its card (no helpdesk channel, no origin)", t.ID))
		}
		if err := a.pace(ctx, t.Workspace, channel); err != nil {
			return t, err
		}
		ch, ts, err := a.api.post(ctx, channel, "", cardMessage(bot.TicketCard(t)))
		if err != nil {
			return t, err
		}
		ref = core.ThreadRef{ChannelID: ch, ThreadID: ts, CardID: ts}
		_ = state.Set(ctx, key, []byte(ch+" "+ts), stepTTL)
	}
	if err := a.svc.AttachThread(ctx, t.ID, ref); err != nil {
		return t, err
	}
	t.Thread = ref
	return t, nil
}

func (a *Adapter) notifyChanged(ctx context.Context, ev core.Event) error {
	t, err := a.ticket(ctx, ev.TicketID)
	if err != nil {
		return err
	}
	if t.Thread.IsZero() {
		// The card never made it (e.g. no channel then); post it now, showing today's state,
		// then note the change under it and tell the reporter like for any other change. A card
		// that cannot be posted for good does not keep the reporter's DM back.
		t, err = a.ensureCard(ctx, ev, t)
		if err := a.tolerate(err, "post the card", t); err != nil {
			return err
		}
	} else {
		// The card shows the ticket as it is now, so updating it again is harmless.
		err = a.api.update(ctx, t.Thread.ChannelID, t.Thread.CardID, cardMessage(bot.TicketCard(t)))
		if err := a.tolerate(err, "update the card", t); err != nil {
			return err
		}
	}
	if note := changeNote(ev.Changes); note != "" && !t.Thread.IsZero() {
		err := a.once(ctx, ev, "note", func() error {
			if err := a.pace(ctx, t.Workspace, t.Thread.ChannelID); err != nil {
				return err
			}
			_, _, err := a.api.post(ctx, t.Thread.ChannelID, t.Thread.ThreadID, message{Text: note})
			return err
		})
		if err := a.tolerate(err, "note the change in the thread", t); err != nil {
			return err
		}
	}
	if st, ok := ev.StatusChanged(); ok && isUserID(t.Reporter.ID) && ev.Actor.ID != t.Reporter.ID {
		err := a.once(ctx, ev, "dm", func() error { return a.dmReporter(ctx, t, ev, st) })
		if err := a.tolerate(err, "DM the reporter", t); err != nil {
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

// dmReporter tells the reporter their ticket's new status, with a link to its thread.
func (a *Adapter) dmReporter(ctx context.Context, t core.Ticket, ev core.Event, st core.Status) error {
	t.Status = st
	for _, c := range ev.Changes {
		if c.Field == "status" {
			t.StatusNote = c.Note
		}
	}
	dm, err := a.api.openDM(ctx, t.Reporter.ID)
	if err != nil {
		return err
	}
	text := escape(bot.StatusNotice(t, ev.Actor))
	if !t.Thread.IsZero() {
		if link, err := a.api.permalink(ctx, t.Thread.ChannelID, t.Thread.ThreadID); err == nil && safeLink(link) {
			text += "\n<" + link + "|Open the ticket's thread>"
		} else if err != nil {
			a.log.Debug("slack: no permalink for the DM", "ticket", t.ID, "err", err)
		}
	}
	if err := a.pace(ctx, t.Workspace, dm); err != nil {
		return err
	}
	_, _, err = a.api.post(ctx, dm, "", message{Text: text})
	return err
}

// safeLink reports whether a URL can sit inside <url|label> markup.
func safeLink(u string) bool {
	return strings.HasPrefix(u, "https://") && !strings.ContainsAny(u, "<>| \n")
}

// changeNote is the short thread note of a change, one line per field.
func changeNote(changes []core.Change) string {
	var lines []string
	for _, c := range changes {
		by := actorText(c.Actor)
		var s string
		switch c.Field {
		case "status":
			s = fmt.Sprintf("Status: %s → *%s*, by %s.", bot.StatusLabel(core.Status(c.From)), bot.StatusLabel(core.Status(c.To)), by)
		case "assignee":
			if c.To == "" {
				s = "Unassigned by " + by + "."
			} else {
				s = "Assigned to " + userText(core.UserRef{ID: c.To}) + " by " + by + "."
			}
		case "priority":
			s = fmt.Sprintf("Priority: %s → *%s*, by %s.", escape(c.From), escape(c.To), by)
		default:
			s = fmt.Sprintf("%s: %s → %s, by %s.", escape(c.Field), escapeCut(c.From, 200), escapeCut(c.To, 200), by)
		}
		if c.Note != "" {
			s += " Note: " + escapeCut(c.Note, 1000)
		}
		lines = append(lines, s)
	}
	return strings.Join(lines, "\n")
}

// actorText names who made a change without pinging them.
func actorText(u core.UserRef) string {
	if u.Name != "" {
		return escape(u.Name)
	}
	return userText(u)
}

func (a *Adapter) notifyMessage(ctx context.Context, ev core.Event) error {
	m, err := a.svc.Store().Message(ctx, ev.MessageID)
	if core.IsCode(err, core.ENotFound) {
		return core.Permanent(err)
	}
	if err != nil {
		return err
	}
	if m.Source == "slack" || m.Deleted {
		return nil
	}
	t, err := a.ticket(ctx, ev.TicketID)
	if err != nil {
		return err
	}
	if t, err = a.ensureCard(ctx, ev, t); err != nil {
		return err
	}
	text := "*" + actorText(m.Author) + "* " + via(m.Source) + ":\n" + escapeCut(m.Content, maxSectionText)
	for _, f := range m.Attachments {
		if safeLink(f.URL) {
			text += "\n<" + f.URL + "|" + escape(strings.NewReplacer("|", " ", ">", " ").Replace(f.Name)) + ">"
		}
	}
	return a.once(ctx, ev, "post", func() error {
		if err := a.pace(ctx, t.Workspace, t.Thread.ChannelID); err != nil {
			return err
		}
		_, _, err := a.api.post(ctx, t.Thread.ChannelID, t.Thread.ThreadID, message{Text: text})
		return err
	})
}

func via(source string) string {
	switch source {
	case "web":
		return "(from the helpdesk dashboard)"
	case "api":
		return "(via the API)"
	case "discord":
		return "(from Discord)"
	}
	return "(from the helpdesk)"
}

func (a *Adapter) notifySettings(ctx context.Context, ev core.Event) error {
	a.forgetSettings(ev.Workspace)
	st, err := a.svc.Settings(ctx, ev.Workspace)
	if err != nil {
		return err
	}
	if st.Channel == "" {
		return nil
	}
	return a.once(ctx, ev, "welcome", func() error {
		if err := a.pace(ctx, ev.Workspace, st.Channel); err != nil {
			return err
		}
		_, _, err := a.api.post(ctx, st.Channel, "", message{
			Text: "This is now the helpdesk channel: new tickets appear here as cards, and members of this channel are staff. Reply in a card's thread to talk with its reporter.",
		})
		return err
	})
}

// pace takes one post from channel's allowance, or returns a RetryAfter error for the outbox.
func (a *Adapter) pace(ctx context.Context, ws core.Workspace, channel string) error {
	d := a.svc.Allow(ctx, "slack:post:"+ws.ExternalID+":"+channel, channelLimit)
	if d.Allowed {
		return nil
	}
	return core.RetryAfter(fmt.Errorf("pacing channel %s at about one message a second", channel), d.RetryAfter)
}

// once runs step of ev unless a previous delivery of ev already did it.
func (a *Adapter) once(ctx context.Context, ev core.Event, step string, fn func() error) error {
	key := stepKey(ev, step)
	if _, err := a.svc.State().Get(ctx, key); err == nil {
		return nil
	}
	if err := fn(); err != nil {
		return err
	}
	_ = a.svc.State().Set(ctx, key, []byte("1"), stepTTL)
	return nil
}

// stepKey names a delivered step of ev; the creation time keeps keys apart if a database is
// ever reset while Redis keeps its keys.
func stepKey(ev core.Event, step string) string {
	return fmt.Sprintf("tb:slack:sent:%s:%d:%d:%s", ev.Workspace.ExternalID, ev.ID, ev.CreatedAt.UnixNano(), step)
}
