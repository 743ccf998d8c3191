package discord

import (
	"context"
	"fmt"
	"net/http"

	"github.com/bwmarrin/discordgo"

	"github.com/ticketbot/ticketbot/core"
)

// threadArchiveMinutes is a ticket thread's auto-archive duration (one week; Discord accepts
// 60, 1440, 4320 and 10080).
const threadArchiveMinutes = 10080

// ticketOpened gives a new ticket its private thread in the support channel (before setup:
// the channel where it was asked for), adds the reporter, posts the card at the top of the
// thread, records the thread and the card with Service.AttachThread, and posts a notice with a
// Join button for staff in the support channel. What is done is recorded when a step fails, so
// a retried delivery picks up where the last one stopped instead of making a second thread.
func (a *Adapter) ticketOpened(ctx context.Context, ev core.Event) error {
	t, err := a.loadTicket(ctx, ev.TicketID)
	if err != nil {
		return err
	}
	parent, err := a.threadParent(ctx, t)
	if err != nil {
		return err
	}
	if t.Thread.CardID == "" { // else an earlier delivery got as far as the card
		if err := a.openThread(ctx, &t, parent); err != nil {
			return err
		}
	}
	return a.postNotice(ctx, t, parent)
}

// threadParent is the channel t's thread is made in: the guild's support channel, or before
// setup the channel where the ticket was asked for. Errors: permanent when there is neither.
func (a *Adapter) threadParent(ctx context.Context, t core.Ticket) (string, error) {
	st, err := a.guildSettings(ctx, t.Workspace)
	if err != nil {
		return "", err
	}
	parent := st.Channel
	if parent == "" {
		parent = t.OriginChannel
	}
	if parent == "" {
		return "", a.failed("create the ticket's thread", t, core.Permanent(fmt.Errorf("discord: ticket %d has no support channel (run /ticket-admin setup)", t.ID)))
	}
	return parent, nil
}

// ensureThread gives a ticket that has no card its thread and card, as ticket.opened does,
// and reports whether it made them. It is for the events after ticket.opened: when that
// delivery was given up (no support channel yet, a permission fixed since), a reply written
// in the dashboard or a status change must still reach Discord, not be dropped. A thread that
// exists already (an earlier attempt stopped before the card) is reused, and when only its
// card cannot be posted the event goes on into that thread. The notice in the support channel
// is posted too, best effort (its failure is logged).
func (a *Adapter) ensureThread(ctx context.Context, t *core.Ticket) (bool, error) {
	if t.Thread.CardID != "" {
		return false, nil
	}
	hadThread := t.Thread.ThreadID != ""
	parent, err := a.threadParent(ctx, *t)
	if err != nil {
		if hadThread && core.IsPermanent(err) {
			return false, nil
		}
		return false, err
	}
	if err := a.openThread(ctx, t, parent); err != nil {
		if hadThread && core.IsPermanent(err) {
			return false, nil // logged by openThread; the thread itself is there
		}
		return false, err
	}
	a.log.Info("discord: made the thread and card of a ticket whose first delivery was given up", "ticket", t.ID, "thread", t.Thread.ThreadID)
	if err := a.postNotice(ctx, *t, parent); err != nil {
		a.log.Warn("discord: could not post the new-ticket notice in the support channel", "ticket", t.ID, "channel", parent, "err", err)
	}
	return true, nil
}

func (a *Adapter) openThread(ctx context.Context, t *core.Ticket, parent string) error {
	if t.Thread.ThreadID == "" {
		ch, err := a.api.StartThread(ctx, parent, &discordgo.ThreadStart{
			Name:                threadName(*t),
			Type:                discordgo.ChannelTypeGuildPrivateThread,
			AutoArchiveDuration: threadArchiveMinutes,
			Invitable:           false,
		})
		if err != nil {
			return a.failed("create the ticket's private thread in channel "+parent, *t, deliveryError("StartThread", err))
		}
		t.Thread = core.ThreadRef{ChannelID: ch.ID, ThreadID: ch.ID}
	}
	// The thread is recorded together with the card (one write in the usual case); when a
	// later step fails, it is recorded alone so the retry reuses it.
	keepThread := func(err error) error {
		if aerr := a.svc.AttachThread(ctx, t.ID, core.ThreadRef{ChannelID: t.Thread.ChannelID, ThreadID: t.Thread.ThreadID}); aerr != nil {
			a.log.Error("discord: could not record a ticket's thread; a retry will make another", "ticket", t.ID, "thread", t.Thread.ThreadID, "err", aerr)
		}
		return err
	}
	if isSnowflake(t.Reporter.ID) {
		if err := a.addMember(ctx, *t, t.Reporter.ID); err != nil {
			return keepThread(err)
		}
	}
	msg, err := a.api.SendMessage(ctx, t.Thread.ThreadID, cardMessage(*t))
	if err != nil {
		return keepThread(a.failed("post the ticket card", *t, deliveryError("SendMessage", err)))
	}
	t.Thread.CardID = msg.ID
	return a.svc.AttachThread(ctx, t.ID, t.Thread)
}

// postNotice tells the support channel about the ticket. It is the last step, so only a
// delivery whose success could not be recorded posts it twice. A notice the bot may not post
// (403) is logged and skipped rather than holding up the ticket's later events.
func (a *Adapter) postNotice(ctx context.Context, t core.Ticket, parent string) error {
	_, err := a.api.SendMessage(ctx, parent, noticeMessage(t))
	if err == nil {
		return nil
	}
	derr := deliveryError("SendMessage", err)
	if core.IsPermanent(derr) || apiStatus(err) == http.StatusForbidden {
		a.log.Error("discord: could not post the new-ticket notice in the support channel; check the bot may send messages there",
			"ticket", t.ID, "channel", parent, "err", err)
		return nil
	}
	return derr
}

// addMember adds userID to the ticket's thread; a member Discord cannot add (left the server)
// is logged, not retried.
func (a *Adapter) addMember(ctx context.Context, t core.Ticket, userID string) error {
	err := deliveryError("AddThreadMember", a.api.AddThreadMember(ctx, t.Thread.ThreadID, userID))
	if core.IsPermanent(err) {
		a.log.Warn("discord: could not add a member to a ticket thread", "ticket", t.ID, "user", userID, "err", err)
		return nil
	}
	return err
}

// ticketChanged edits the card in place, archives the thread when the ticket is closed (and
// unarchives it first when this change reopened it), adds a new assignee to the thread, and
// DMs the reporter about a status change someone else made. A ticket without a thread gets
// one first (ensureThread); when that cannot be done the DM is still sent.
func (a *Adapter) ticketChanged(ctx context.Context, ev core.Event) error {
	t, err := a.loadTicket(ctx, ev.TicketID)
	if err != nil {
		return err
	}
	created, threadErr := a.ensureThread(ctx, &t)
	if threadErr != nil && !core.IsPermanent(threadErr) {
		return threadErr // retried; the DM goes out with the retry
	}
	to, statusChanged := ev.StatusChanged()
	note := ""
	for _, c := range ev.Changes {
		if c.Field == "status" {
			note = c.Note
		}
	}
	if threadErr == nil {
		if err := a.updateThread(ctx, ev, t, created); err != nil {
			return err
		}
	}
	if statusChanged && isSnowflake(t.Reporter.ID) && ev.Actor.ID != t.Reporter.ID {
		dm := t // the DM tells about this change, even if later ones followed
		dm.Status, dm.StatusNote = to, note
		if err := a.dmReporter(ctx, dm, ev.Actor); err != nil {
			return err
		}
	}
	return threadErr
}

// updateThread brings t's thread up to date with ev; created says the thread and its card
// were just made from t as it is now, so only archiving and members are left to do.
func (a *Adapter) updateThread(ctx context.Context, ev core.Event, t core.Ticket, created bool) error {
	thread := t.Thread.ThreadID
	_, statusChanged := ev.StatusChanged()
	reopened := false
	for _, c := range ev.Changes {
		if c.Field == "status" {
			reopened = reopened || core.Status(c.From) == core.StatusClosed
		}
	}
	if !created && reopened && t.Status != core.StatusClosed {
		if err := a.api.SetArchived(ctx, thread, false); err != nil {
			return a.failed("unarchive the ticket's thread", t, deliveryError("SetArchived", err))
		}
	}
	if !created && t.Thread.CardID != "" {
		if err := a.api.EditMessage(ctx, cardEdit(t)); err != nil {
			if err := deliveryError("EditMessage", err); !core.IsPermanent(err) {
				return err
			}
			a.log.Warn("discord: could not edit the ticket card", "ticket", t.ID, "err", err)
		}
	}
	if (statusChanged || created) && t.Status == core.StatusClosed {
		if err := a.api.SetArchived(ctx, thread, true); err != nil {
			return a.failed("archive the ticket's thread", t, deliveryError("SetArchived", err))
		}
	}
	if t.Status == core.StatusClosed {
		return nil
	}
	if created && isSnowflake(t.Assignee.ID) {
		return a.addMember(ctx, t, t.Assignee.ID)
	}
	for _, c := range ev.Changes {
		if c.Field == "assignee" && isSnowflake(c.To) && c.To == t.Assignee.ID {
			if err := a.addMember(ctx, t, c.To); err != nil {
				return err
			}
		}
	}
	return nil
}
