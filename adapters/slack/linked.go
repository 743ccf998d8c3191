package slack

import (
	"context"
	"errors"
	"fmt"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
)

// notifyLinked delivers an event of a ticket of another platform's workspace that this
// Slack workspace staffs under a link (a Discord server answered from the triage channel):
// ticket.opened posts the ticket's card, naming the server, in the link's channel and makes
// its thread the ticket's Slack staff place; ticket.changed updates that card in place and
// notes the change in its thread; message.copy posts a message's copy into the thread. Once
// the link is gone, nothing more is delivered (pending events are dropped as delivered):
// each chat call goes out under core's WhileLinked, so an unlink during a delivery (its steps
// wait for the database and Slack) stops what it had not sent yet.
// Calls go out on the staffing team's token and count against its pacing.
func (a *Adapter) notifyLinked(ctx context.Context, ev core.Event) error {
	t, places, err := a.ticket(ctx, ev.TicketID)
	if err != nil {
		return err
	}
	// linked reports whether t's workspace is staffed from a Slack workspace, and by which.
	linked := func(ctx context.Context) (core.Link, bool, error) {
		l, ok, err := a.svc.LinkOf(ctx, t.Workspace)
		return l, ok && l.Workspace == t.Workspace && l.StaffWorkspace.Platform == core.PlatformSlack, err
	}
	l, ok, err := linked(ctx)
	if err != nil {
		return err
	}
	if !ok {
		a.log.Debug("slack: event of a workspace no longer linked; dropped", "event", ev.ID, "workspace", t.Workspace.String())
		return nil
	}
	ctx = withPostGuard(withTeam(ctx, l.StaffWorkspace.ExternalID), func(ctx context.Context, call func() error) error {
		return a.svc.WhileLinked(ctx, t.Workspace, l.StaffWorkspace, call)
	})
	err = a.deliverLinked(ctx, ev, t, places, l)
	if errors.Is(err, core.ErrUnlinked) {
		// Unlinked while this delivery ran: the post it was about to make is not made.
		a.log.Debug("slack: workspace unlinked during a delivery; dropped", "event", ev.ID, "workspace", t.Workspace.String())
		return nil
	}
	return err
}

// deliverLinked is notifyLinked's delivery of ev while the link l lasts.
func (a *Adapter) deliverLinked(ctx context.Context, ev core.Event, t core.Ticket, places []core.Place, l core.Link) error {
	var err error
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
		if place.ID == 0 {
			if place, err = a.postLinkedCard(ctx, sev, t, l); err != nil {
				return err
			}
		}
		// Also on a retry whose earlier attempt recorded the place: the copies are the last
		// step of this event, and one that failed (or waited its channel's pace) after the
		// place was recorded has no other event to bring it.
		return a.copyEarlier(ctx, sev, t.ID, place)
	case core.EventTicketChanged:
		if place.ID == 0 || place.CardID == "" {
			return nil // opened before the link: it has no card here
		}
		err := a.update(ctx, sev, l.StaffWorkspace, place.ChannelID, place.CardID, cardMessage(bot.CardFor(t, l.StaffWorkspace, l)))
		if err := a.tolerate(err, "update a linked card", t); err != nil {
			return err
		}
		if note := changeNote(ev.Changes, a.linkedPerson(ctx, t)); note != "" {
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

// postLinkedCard posts t's card into the link's channel and records its thread as t's staff
// place in the staffing workspace.
func (a *Adapter) postLinkedCard(ctx context.Context, ev core.Event, t core.Ticket, l core.Link) (core.Place, error) {
	ch, ts, err := a.postOnce(ctx, ev, "linked-card", l.StaffChannel, "", cardMessage(bot.CardFor(t, l.StaffWorkspace, l)))
	if err != nil {
		return core.Place{}, err
	}
	return a.svc.AddPlace(ctx, core.System(), core.Place{TicketID: t.ID, Kind: core.PlaceTriage, Workspace: l.StaffWorkspace,
		ChannelID: ch, ThreadID: ts, CardID: ts})
}

// copyEarlier copies into p, a linked card's thread, the messages of ticket id stored before
// p was recorded (core.LateCopies: the core could name no such place in their copy events;
// later messages have their own). A message whose copy is recorded already is left alone,
// so a retry posts only what its earlier attempts did not.
func (a *Adapter) copyEarlier(ctx context.Context, ev core.Event, id int64, p core.Place) error {
	msgs, err := a.svc.Messages(ctx, core.System(), id)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if len(core.LateCopies([]core.Place{p}, m, core.PlatformSlack)) == 0 || m.Deleted {
			continue
		}
		switch _, err := a.svc.CopyOf(ctx, core.System(), m.ID, p.ID); {
		case err == nil:
			continue
		case !core.IsCode(err, core.ENotFound):
			return err
		}
		if err := a.copyInto(ctx, ev, m, p); err != nil {
			return err
		}
	}
	return nil
}
