package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/ticketbot/ticketbot/core"
)

func openCommand() Subcommand {
	return Subcommand{
		Name:    "open",
		Usage:   "new TEXT",
		Summary: "open a ticket: the first line is the title, the rest the description (no text opens a form)",
		MinRole: core.RoleRequester,
		Run:     runOpen,
	}
}

func runOpen(ctx context.Context, b *Bot, req Request, role core.Role) (Reply, error) {
	c := req.Command
	if strings.TrimSpace(c.Title) == "" && strings.TrimSpace(c.Description) == "" {
		return Reply{Modal: true, Ephemeral: true}, nil
	}
	if d := b.svc.Allow(ctx, "open:"+req.Workspace.String()+":"+req.User.ID, b.limits.Open); !d.Allowed {
		return Reply{}, rateLimited(d)
	}
	t, err := b.svc.OpenTicket(ctx, req.actor(role), core.OpenInput{
		Workspace:     req.Workspace,
		Title:         c.Title,
		Description:   c.Description,
		Priority:      c.Priority,
		OriginChannel: req.Channel,
	})
	if err != nil {
		return Reply{}, err
	}
	card := TicketCard(t)
	return Reply{
		Text:      fmt.Sprintf("Ticket #%d opened: %s. The helpdesk will answer in its thread.", t.Number, t.Title),
		Ephemeral: true,
		Card:      &card,
	}, nil
}
