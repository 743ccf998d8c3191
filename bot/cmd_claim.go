package bot

import (
	"context"
	"fmt"

	"github.com/ticketbot/ticketbot/core"
)

func claimCommand() Subcommand {
	return Subcommand{
		Name:    "claim",
		Usage:   "claim N",
		Summary: "assign ticket N to yourself (staff)",
		MinRole: core.RoleStaff,
		Run: func(ctx context.Context, b *Bot, req Request, role core.Role) (Reply, error) {
			t, err := b.ticket(ctx, req, role)
			if err != nil {
				return Reply{}, err
			}
			t, err = b.svc.Claim(ctx, req.actor(role), t.ID)
			if err != nil {
				return Reply{}, err
			}
			card := TicketCard(t)
			return Reply{Ephemeral: true, Text: fmt.Sprintf("You now own ticket #%d.", t.Number), Card: &card}, nil
		},
	}
}
