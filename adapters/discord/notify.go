package discord

import (
	"context"
	"fmt"

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
	case core.EventSettingsChange:
		a.settings.forget(ev.Workspace.ExternalID)
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

// messageAdded posts a dashboard or API message into the ticket's thread, making the thread
// first when the ticket has none.
func (a *Adapter) messageAdded(ctx context.Context, ev core.Event) error {
	m, err := a.svc.Store().Message(ctx, ev.MessageID)
	if core.IsCode(err, core.ENotFound) {
		return core.Permanent(err)
	}
	if err != nil {
		return err
	}
	if m.Source == string(core.PlatformDiscord) {
		return nil // written in the thread itself
	}
	t, err := a.loadTicket(ctx, ev.TicketID)
	if err != nil {
		return err
	}
	// A ticket whose thread was never made (its ticket.opened delivery was given up) gets it
	// now, so the reply is not lost.
	if _, err := a.ensureThread(ctx, &t); err != nil {
		return err
	}
	if _, err := a.api.SendMessage(ctx, t.Thread.ThreadID, threadMessage(m)); err != nil {
		return a.failed("post a message into the thread", t, deliveryError("SendMessage", err))
	}
	return nil
}

// dmReporter tells the reporter their ticket's status changed. A user whose privacy settings
// refuse the DM (Discord error 50007) is logged and the event given up as delivered.
func (a *Adapter) dmReporter(ctx context.Context, t core.Ticket, by core.UserRef) error {
	dm, err := a.api.OpenDM(ctx, t.Reporter.ID)
	if err == nil {
		_, err = a.api.SendMessage(ctx, dm, statusDM(t, by))
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
