package discord

import (
	"context"
	"fmt"
	"net/http"

	"github.com/bwmarrin/discordgo"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
)

// threadArchiveMinutes is a ticket thread's auto-archive duration (one week; Discord accepts
// 60, 1440, 4320 and 10080).
const threadArchiveMinutes = 10080

// thread is a ticket's private thread in the support channel, its requester side: the
// thread's channel id and the card at its top, and the place that records them.
type thread struct {
	PlaceID  int64
	ThreadID string
	CardID   string
}

// places loads t's Discord places: its private thread and its staff notes thread.
func (a *Adapter) places(ctx context.Context, t core.Ticket) (thread, core.Place, error) {
	ps, err := a.svc.Places(ctx, core.System(), t.ID)
	if err != nil {
		return thread{}, core.Place{}, err
	}
	var th thread
	var notes core.Place
	for _, p := range ps {
		if p.Workspace.Platform != core.PlatformDiscord {
			continue
		}
		switch p.Kind {
		case core.PlaceRequesterThread:
			th = thread{PlaceID: p.ID, ThreadID: p.ThreadID, CardID: p.CardID}
		case core.PlaceStaffNotes:
			notes = p
		}
	}
	return th, notes, nil
}

// ticketOpened gives a new ticket its private thread in the support channel (before setup:
// the channel where it was asked for), adds the reporter, posts the card at the top of the
// thread and records the thread as the ticket's requester side; then posts a notice with a
// Join button in the staff channel, with a thread on it for internal notes (the staff side).
// Nothing about the ticket is posted where requesters can read it but its own private thread.
// What is done is recorded when a step fails, so a retried delivery picks up where the last
// one stopped instead of making a second thread.
func (a *Adapter) ticketOpened(ctx context.Context, ev core.Event) error {
	t, err := a.loadTicket(ctx, ev.TicketID)
	if err != nil {
		return err
	}
	th, notes, err := a.places(ctx, t)
	if err != nil {
		return err
	}
	parent, err := a.threadParent(ctx, t)
	if err != nil {
		return err
	}
	if th.CardID == "" { // else an earlier delivery got as far as the card
		if err := a.openThread(ctx, t, &th, parent); err != nil {
			return err
		}
	}
	if notes.ID == 0 {
		return a.postNotice(ctx, t)
	}
	return nil
}

// threadParent is the channel t's thread is made in: the guild's support channel, or before
// setup the channel where the ticket was asked for. Errors: permanent when there is neither.
func (a *Adapter) threadParent(ctx context.Context, t core.Ticket) (string, error) {
	st, err := a.bot.Settings(ctx, t.Workspace)
	if err != nil {
		return "", err
	}
	parent := st.SupportChannel
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
// card cannot be posted the event goes on into that thread.
func (a *Adapter) ensureThread(ctx context.Context, t core.Ticket, th *thread) (bool, error) {
	if th.CardID != "" {
		return false, nil
	}
	hadThread := th.ThreadID != ""
	parent, err := a.threadParent(ctx, t)
	if err != nil {
		if hadThread && core.IsPermanent(err) {
			return false, nil
		}
		return false, err
	}
	if err := a.openThread(ctx, t, th, parent); err != nil {
		if hadThread && core.IsPermanent(err) {
			return false, nil // logged by openThread; the thread itself is there
		}
		return false, err
	}
	a.log.Info("discord: made the thread and card of a ticket whose first delivery was given up", "ticket", t.ID, "thread", th.ThreadID)
	if err := a.postNotice(ctx, t); err != nil {
		a.log.Warn("discord: could not post the new-ticket notice in the staff channel", "ticket", t.ID, "err", err)
	}
	return true, nil
}

func (a *Adapter) openThread(ctx context.Context, t core.Ticket, th *thread, parent string) error {
	if th.ThreadID == "" {
		ch, err := a.api.StartThread(ctx, parent, &discordgo.ThreadStart{
			Name:                threadName(t),
			Type:                discordgo.ChannelTypeGuildPrivateThread,
			AutoArchiveDuration: threadArchiveMinutes,
			Invitable:           false,
		})
		if err != nil {
			return a.failed("create the ticket's private thread in channel "+parent, t, deliveryError("StartThread", err))
		}
		// The thread is recorded at once, so a retry after a later failure reuses it.
		p, err := a.svc.AddPlace(ctx, core.System(), core.Place{TicketID: t.ID, Kind: core.PlaceRequesterThread,
			Workspace: t.Workspace, ChannelID: ch.ID, ThreadID: ch.ID})
		if err != nil {
			a.log.Error("discord: could not record a ticket's thread; a retry will make another", "ticket", t.ID, "thread", ch.ID, "err", err)
			return err
		}
		*th = thread{PlaceID: p.ID, ThreadID: ch.ID}
	}
	if isSnowflake(t.Reporter.ID) {
		if err := a.addMember(ctx, t, *th, t.Reporter.ID); err != nil {
			return err
		}
	}
	msg, err := a.api.SendMessage(ctx, th.ThreadID, cardMessage(t))
	if err != nil {
		return a.failed("post the ticket card", t, deliveryError("SendMessage", err))
	}
	th.CardID = msg.ID
	return a.svc.UpdatePlace(ctx, core.System(), core.Place{ID: th.PlaceID, TicketID: t.ID, Kind: core.PlaceRequesterThread,
		Workspace: t.Workspace, ChannelID: th.ThreadID, ThreadID: th.ThreadID, CardID: th.CardID})
}

// postNotice tells the staff channel about the ticket and starts the staff's thread on the
// notice (the ticket's staff side, where messages are internal notes). Without a staff
// channel nothing is posted: the support channel is where requesters read. A notice the bot
// may not post (403) is logged and skipped rather than holding up the ticket's later events.
func (a *Adapter) postNotice(ctx context.Context, t core.Ticket) error {
	st, err := a.bot.Settings(ctx, t.Workspace)
	if err != nil {
		return err
	}
	if st.TriageChannel == "" {
		return nil
	}
	msg, err := a.api.SendMessage(ctx, st.TriageChannel, noticeMessage(t))
	if err != nil {
		derr := deliveryError("SendMessage", err)
		if core.IsPermanent(derr) || apiStatus(err) == http.StatusForbidden {
			a.log.Error("discord: could not post the new-ticket notice in the staff channel; check the bot may send messages there",
				"ticket", t.ID, "channel", st.TriageChannel, "err", err)
			return nil
		}
		return derr
	}
	ch, err := a.api.StartThreadOn(ctx, st.TriageChannel, msg.ID, &discordgo.ThreadStart{
		Name: truncate("Notes: "+threadName(t), maxThreadName), AutoArchiveDuration: threadArchiveMinutes})
	if err != nil {
		a.log.Warn("discord: could not start the staff thread on a notice", "ticket", t.ID, "err", err)
		return nil
	}
	_, err = a.svc.AddPlace(ctx, core.System(), core.Place{TicketID: t.ID, Kind: core.PlaceStaffNotes,
		Workspace: t.Workspace, ChannelID: ch.ID, ThreadID: ch.ID, CardID: msg.ID})
	return err
}

// addMember adds userID to the ticket's thread; a member Discord cannot add (left the server)
// is logged, not retried.
func (a *Adapter) addMember(ctx context.Context, t core.Ticket, th thread, userID string) error {
	err := deliveryError("AddThreadMember", a.api.AddThreadMember(ctx, th.ThreadID, userID))
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
	th, _, err := a.places(ctx, t)
	if err != nil {
		return err
	}
	created, threadErr := a.ensureThread(ctx, t, &th)
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
	if line := bot.WorkflowLine(ev, t); line != "" && threadErr == nil && th.ThreadID != "" {
		// Before the close archives the thread: the reminder, or the request for a rating.
		msg := &discordgo.MessageSend{Content: truncate(escapeText(line), maxContent), AllowedMentions: noMentions()}
		if _, err := a.api.SendOnce(ctx, th.ThreadID, truncate(fmt.Sprintf("tbw%x", ev.ID), 25), msg); err != nil {
			if err := a.failed("post a workflow line into the thread", t, deliveryError("SendMessage", err)); err != nil {
				return err
			}
		}
	}
	if threadErr == nil {
		if err := a.updateThread(ctx, ev, t, th, created); err != nil {
			return err
		}
	}
	if statusChanged && to == core.StatusClosed {
		if err := a.postTranscript(ctx, ev, t); err != nil {
			return err
		}
	}
	if statusChanged && isSnowflake(t.Reporter.ID) && ev.Actor.ID != t.Reporter.ID {
		dm := t // the DM tells about this change, even if later ones followed
		dm.Status, dm.StatusNote = to, note
		if err := a.dmReporter(ctx, dm, th, ev.Actor); err != nil {
			return err
		}
	}
	return threadErr
}

// updateThread brings t's thread up to date with ev; created says the thread and its card
// were just made from t as it is now, so only archiving and members are left to do.
func (a *Adapter) updateThread(ctx context.Context, ev core.Event, t core.Ticket, th thread, created bool) error {
	_, statusChanged := ev.StatusChanged()
	reopened := false
	for _, c := range ev.Changes {
		if c.Field == "status" {
			reopened = reopened || core.Status(c.From) == core.StatusClosed
		}
	}
	if !created && reopened && t.Status != core.StatusClosed {
		if err := a.api.SetArchived(ctx, th.ThreadID, false); err != nil {
			return a.failed("unarchive the ticket's thread", t, deliveryError("SetArchived", err))
		}
	}
	if !created && th.CardID != "" {
		if err := a.api.EditMessage(ctx, cardEdit(t, th)); err != nil {
			if err := deliveryError("EditMessage", err); !core.IsPermanent(err) {
				return err
			}
			a.log.Warn("discord: could not edit the ticket card", "ticket", t.ID, "err", err)
		}
	}
	if (statusChanged || created) && t.Status == core.StatusClosed {
		if err := a.api.SetArchived(ctx, th.ThreadID, true); err != nil {
			return a.failed("archive the ticket's thread", t, deliveryError("SetArchived", err))
		}
	}
	if t.Status == core.StatusClosed {
		return nil
	}
	if created && isSnowflake(t.Assignee.ID) {
		return a.addMember(ctx, t, th, t.Assignee.ID)
	}
	for _, c := range ev.Changes {
		if c.Field == "assignee" && isSnowflake(c.To) && c.To == t.Assignee.ID {
			if err := a.addMember(ctx, t, th, c.To); err != nil {
				return err
			}
		}
	}
	return nil
}
