package bot

import (
	"context"
	"fmt"

	"github.com/ticketbot/ticketbot/core"
)

func statusCommand() Subcommand {
	return Subcommand{
		Name:    "status",
		Usage:   "status N STATUS [note]",
		Summary: "set ticket N's status (open, in_progress, waiting, resolved, closed)",
		MinRole: core.RoleRequester,
		Run: func(ctx context.Context, b *Bot, req Request, role core.Role) (Reply, error) {
			return changeStatus(ctx, b, req, role, req.Command.Status)
		},
	}
}

// changeStatus is shared by status, close and reopen.
func changeStatus(ctx context.Context, b *Bot, req Request, role core.Role, to core.Status) (Reply, error) {
	t, err := b.ticket(ctx, req, role)
	if err != nil {
		return Reply{}, err
	}
	t, err = b.svc.SetStatus(ctx, req.actor(role), t.ID, to, req.Command.Note)
	if err != nil {
		return Reply{}, err
	}
	card := TicketCard(t)
	return Reply{Ephemeral: true, Text: fmt.Sprintf("Ticket #%d is now %s.", t.Number, StatusLabel(t.Status)), Card: &card}, nil
}
