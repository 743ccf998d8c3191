package discord

import (
	"context"
	"fmt"

	"github.com/bwmarrin/discordgo"

	"github.com/ticketbot/ticketbot/core"
)

// Notify delivers one outbox event of a Discord guild (core.Notifier): ticket.opened makes
// the ticket's private thread and card, ticket.changed edits the card in place, archives or
// unarchives the thread and DMs the reporter about status changes, message.added posts a
// message written in the dashboard or the API into the thread. Errors are classified for the
// dispatcher: a 429 carries Discord's retry_after, failures retrying cannot mend are
// core.Permanent.
func (a *Adapter) Notify(ctx context.Context, ev core.Event) error {
	switch ev.Kind {
	case core.EventTicketOpened:
		return a.ticketOpened(ctx, ev)
	case core.EventTicketChanged:
		return a.ticketChanged(ctx, ev)
	case core.EventMessageAdded:
		return a.messageAdded(ctx, ev)
	case core.EventMessageCopy:
		return a.messageCopy(ctx, ev)
	case core.EventSettingsChange:
		a.bot.ForgetSettings(ev.Workspace)
	case core.EventSLAAlert:
		return a.slaAlert(ctx, ev)
	}
	return nil
}

// loadTicket reads the event's ticket; a ticket that is gone cannot be delivered.
func (a *Adapter) loadTicket(ctx context.Context, id int64) (core.Ticket, error) {
	t, err := a.svc.Ticket(ctx, core.System(), id)
	if core.IsCode(err, core.ENotFound) {
		return t, core.Permanent(err)
	}
	return t, err
}

// messageCopy posts the copy of a message into one Discord place (a ticket's private thread
// or its staff thread), or edits or deletes the copy posted before. A message's copy is posted
// once: its id is recorded, and the post carries a nonce Discord enforces, so a retry whose
// earlier attempt did get through (its answer was lost) does not post a second copy.
func (a *Adapter) messageCopy(ctx context.Context, ev core.Event) error {
	m, p, err := core.DeliveryCopy(ctx, a.svc, ev)
	if err != nil {
		return err
	}
	t, err := a.loadTicket(ctx, ev.TicketID)
	if err != nil {
		return err
	}
	return a.copyInto(ctx, t, m, p)
}

// messageAdded gives a ticket that has no private thread yet (its ticket.opened delivery was
// given up) its thread and card, and copies the message into every Discord place made after
// the message was stored: the core could not know of those, so no message.copy event names
// them. A reply written in the dashboard to such a ticket is so not lost.
func (a *Adapter) messageAdded(ctx context.Context, ev core.Event) error {
	m, err := core.DeliveryMessage(ctx, a.svc, ev)
	if err != nil {
		return err
	}
	t, err := a.loadTicket(ctx, ev.TicketID)
	if err != nil {
		return err
	}
	th, _, err := a.places(ctx, t)
	if err != nil {
		return err
	}
	if _, err := a.ensureThread(ctx, t, &th); err != nil {
		return err
	}
	ps, err := a.svc.Places(ctx, core.System(), t.ID)
	if err != nil {
		return err
	}
	for _, p := range core.LateCopies(ps, m, core.PlatformDiscord) {
		if err := a.copyInto(ctx, t, m, p); err != nil {
			return err
		}
	}
	return nil
}

// copyInto posts m's copy into p once, or brings it up to date (edited, deleted).
func (a *Adapter) copyInto(ctx context.Context, t core.Ticket, m core.Message, p core.Place) error {
	if !p.Sees(m.Internal) {
		return core.Permanent(fmt.Errorf("message %d is internal and place %d is on the requester side", m.ID, p.ID))
	}
	target := p.ThreadID
	if p.Kind == core.PlaceRequesterThread && p.CardID == "" {
		// The thread was never finished (its ticket.opened delivery was given up): finish it
		// now, so the message is not lost.
		th := thread{PlaceID: p.ID, ThreadID: p.ThreadID}
		if _, err := a.ensureThread(ctx, t, &th); err != nil {
			return err
		}
		target = th.ThreadID
	}
	prev, err := a.svc.CopyOf(ctx, core.System(), m.ID, p.ID)
	switch {
	case err == nil && m.Deleted:
		return a.tolerate(deliveryError("DeleteMessage", a.api.DeleteMessage(ctx, target, prev)), "delete a copy", t)
	case err == nil:
		content := threadMessage(m).Content
		return a.tolerate(deliveryError("EditMessage", a.api.EditMessage(ctx, &discordgo.MessageEdit{
			Channel: target, ID: prev, Content: &content, AllowedMentions: noMentions()})), "edit a copy", t)
	case !core.IsCode(err, core.ENotFound):
		return err
	case m.Deleted:
		return nil
	}
	sent, err := a.api.SendOnce(ctx, target, copyNonce(m.ID, p.ID), threadMessage(m))
	if err != nil {
		return a.failed("post a message into the thread", t, deliveryError("SendMessage", err))
	}
	return a.svc.RecordCopy(ctx, core.System(), m.ID, p.ID, sent.ID)
}

// copyNonce is the nonce of message id's copy in place: the same for every attempt, at most
// 25 characters as Discord requires.
func copyNonce(messageID, placeID int64) string {
	return truncate(fmt.Sprintf("tb%x.%x", messageID, placeID), 25)
}

// tolerate lets a permanent failure of one step pass (logged); other errors are retried.
func (a *Adapter) tolerate(err error, step string, t core.Ticket) error {
	if err == nil || !core.IsPermanent(err) {
		return err
	}
	a.log.Warn("discord: could not "+step+"; skipped", "ticket", t.ID, "err", err)
	return nil
}

// dmReporter tells the reporter their ticket's status changed. A user whose privacy settings
// refuse the DM (Discord error 50007) is logged and the event given up as delivered.
func (a *Adapter) dmReporter(ctx context.Context, t core.Ticket, th thread, by core.UserRef) error {
	dm, err := a.api.OpenDM(ctx, t.Reporter.ID)
	if err == nil {
		_, err = a.api.SendMessage(ctx, dm, statusDM(t, th, by))
	}
	switch {
	case err == nil:
		return nil
	case apiCode(err) == codeCannotDM:
		a.log.Info("discord: the reporter does not accept DMs from the bot; status DM skipped", "ticket", t.ID, "user", t.Reporter.ID)
		return core.Permanent(fmt.Errorf("discord.dmReporter: %w", err))
	}
	return deliveryError("dmReporter", err)
}

// failed logs a delivery failure that will not be retried, with what the operator can do.
func (a *Adapter) failed(what string, t core.Ticket, err error) error {
	if core.IsPermanent(err) {
		a.log.Error("discord: could not "+what+"; giving up (check the bot's permissions in the support channel)",
			"ticket", t.ID, "guild", t.Workspace.ExternalID, "err", err)
	}
	return err
}
