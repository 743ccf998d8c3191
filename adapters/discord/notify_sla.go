package discord

import (
	"context"
	"fmt"

	"github.com/bwmarrin/discordgo"

	"github.com/ticketbot/ticketbot/core"
)

// slaAlert posts an SLA alert into the ticket's staff notes thread, pinging the assignee or,
// when nobody is assigned, the staff role (allowed_mentions names exactly that one). The
// nonce makes a retried delivery post it once.
func (a *Adapter) slaAlert(ctx context.Context, ev core.Event) error {
	clock, stage, due, ok := core.SLAAlertOf(ev)
	if !ok {
		return core.Permanent(fmt.Errorf("malformed sla.alert event"))
	}
	t, err := a.loadTicket(ctx, ev.TicketID)
	if err != nil {
		return err
	}
	_, notes, err := a.places(ctx, t)
	if err != nil || notes.ThreadID == "" {
		return err // no staff side yet: nothing to alert in
	}
	st, err := a.svc.Settings(ctx, t.Workspace)
	if err != nil {
		return err
	}
	m := &discordgo.MessageSend{Content: core.SLAAlertText(t, clock, stage, due, ev.CreatedAt), AllowedMentions: noMentions()}
	switch {
	case isSnowflake(t.Assignee.ID):
		m.Content = "<@" + t.Assignee.ID + "> " + m.Content
		m.AllowedMentions = mentionUsers(t.Assignee.ID)
	case isSnowflake(st.StaffGroup):
		m.Content = "<@&" + st.StaffGroup + "> " + m.Content
		m.AllowedMentions.Roles = []string{st.StaffGroup}
	}
	_, err = a.api.SendOnce(ctx, notes.ThreadID, truncate(fmt.Sprintf("tbsla%x", ev.ID), 25), m)
	return a.tolerate(deliveryError("SendMessage", err), "post the SLA alert", t)
}
