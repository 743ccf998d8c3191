package slack

import (
	"context"
	"fmt"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
)

// notifyLinked delivers an event of a ticket of another platform's workspace that this
// Slack workspace staffs under a link (a Discord server answered from the triage channel):
// ticket.opened posts the ticket's card, naming the server, in the link's channel and makes
// its thread the ticket's Slack staff place; ticket.changed updates that card in place and
// notes the change in its thread; message.copy posts a message's copy into the thread. Once
// the link is gone, nothing more is delivered (pending events are dropped as delivered).
// Calls go out on the staffing team's token and count against its pacing.
func (a *Adapter) notifyLinked(ctx context.Context, ev core.Event) error {
	t, places, err := a.ticket(ctx, ev.TicketID)
	if err != nil {
		return err
	}
	l, ok, err := a.svc.LinkOf(ctx, t.Workspace)
	if err != nil {
		return err
	}
	if !ok || l.Workspace != t.Workspace || l.StaffWorkspace.Platform != core.PlatformSlack {
		a.log.Debug("slack: event of a workspace no longer linked; dropped", "event", ev.ID, "workspace", t.Workspace.String())
		return nil
	}
	ctx = withTeam(ctx, l.StaffWorkspace.ExternalID)
	sev := ev
	sev.Workspace = l.StaffWorkspace // pacing, pauses and step marks are the staffing team's
	var place core.Place
	for _, p := range places {
		if p.Kind == core.PlaceTriage && p.Workspace == l.StaffWorkspace {
			place = p
		}
	}
	switch ev.Kind {
	case core.EventTicketOpened:
		if place.ID != 0 {
			return nil
		}
		return a.postLinkedCard(ctx, sev, t, l)
	case core.EventTicketChanged:
		if place.ID == 0 || place.CardID == "" {
			return nil // opened before the link: it has no card here
		}
		err := a.update(ctx, sev, l.StaffWorkspace, place.ChannelID, place.CardID, cardMessage(bot.CardFor(t, l.StaffWorkspace, l)))
		if err := a.tolerate(err, "update a linked card", t); err != nil {
			return err
		}
		if note := changeNote(ev.Changes); note != "" {
			_, _, err := a.postOnce(ctx, sev, fmt.Sprintf("note-post:%d", place.ID), place.ChannelID, place.ThreadID, message{Text: note})
			return a.tolerate(err, "note a change on a linked card", t)
		}
		return nil
	case core.EventMessageCopy:
		m, p, err := core.DeliveryCopy(ctx, a.svc, ev)
		if err != nil {
			return err
		}
		if p.Workspace != l.StaffWorkspace {
			return nil
		}
		return a.copyInto(ctx, sev, m, p)
	}
	return nil
}

// postLinkedCard posts t's card into the link's channel, records its thread as t's staff
// place in the staffing workspace, and copies into it the messages stored before it existed
// (the core could name no such place in their copy events).
func (a *Adapter) postLinkedCard(ctx context.Context, ev core.Event, t core.Ticket, l core.Link) error {
	ch, ts, err := a.postOnce(ctx, ev, "linked-card", l.StaffChannel, "", cardMessage(bot.CardFor(t, l.StaffWorkspace, l)))
	if err != nil {
		return err
	}
	p, err := a.svc.AddPlace(ctx, core.System(), core.Place{TicketID: t.ID, Kind: core.PlaceTriage, Workspace: l.StaffWorkspace,
		ChannelID: ch, ThreadID: ts, CardID: ts})
	if err != nil {
		return err
	}
	msgs, err := a.svc.Messages(ctx, core.System(), t.ID)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if m.PlaceID == p.ID || m.Deleted || !p.Sees(m.Internal) {
			continue
		}
		if err := a.copyInto(ctx, ev, m, p); err != nil {
			return err
		}
	}
	return nil
}
