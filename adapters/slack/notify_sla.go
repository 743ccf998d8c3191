package slack

import (
	"context"
	"fmt"
	"strings"

	"github.com/ticketbot/ticketbot/core"
)

// notifySLA posts an SLA alert into the ticket's triage thread (its staff side), mentioning
// the assignee, or the staff user group when nobody is assigned. The line is posted once per
// event (a retry finds its step mark).
func (a *Adapter) notifySLA(ctx context.Context, ev core.Event) error {
	clock, stage, due, ok := core.SLAAlertOf(ev)
	if !ok {
		return core.Permanent(fmt.Errorf("malformed sla.alert event"))
	}
	t, places, err := a.ticket(ctx, ev.TicketID)
	if err != nil {
		return err
	}
	st, err := a.svc.Settings(ctx, t.Workspace)
	if err != nil {
		return err
	}
	text := slaMention(t, st) + core.SLAAlertText(t, clock, stage, due, ev.CreatedAt)
	for _, p := range places {
		if p.Kind != core.PlaceTriage || p.Workspace.Platform != core.PlatformSlack || p.ThreadID == "" {
			continue
		}
		_, _, err := a.postOnce(ctx, ev, fmt.Sprintf("sla:%d", p.ID), p.ChannelID, p.ThreadID, message{Text: text})
		if err := a.tolerate(err, "post the SLA alert", t); err != nil {
			return err
		}
	}
	return nil
}

// slaMention is "<@U…> " for the assignee, "<!subteam^S…> " for the staff group, or "".
func slaMention(t core.Ticket, st core.Settings) string {
	switch {
	case isUserID(t.Assignee.ID):
		return "<@" + t.Assignee.ID + "> "
	case strings.HasPrefix(st.StaffGroup, "S") && strings.Trim(st.StaffGroup, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == "":
		return "<!subteam^" + st.StaffGroup + "> "
	default:
		return ""
	}
}
