package bot

import (
	"context"

	"github.com/ticketbot/ticketbot/core"
)

func showCommand() Subcommand {
	return Subcommand{
		Name:    "show",
		Usage:   "show N",
		Summary: "show ticket N",
		MinRole: core.RoleRequester,
		Run: func(ctx context.Context, b *Bot, req Request, role core.Role) (Reply, error) {
			t, err := b.ticket(ctx, req, role)
			if err != nil {
				return Reply{}, err
			}
			card := TicketCard(t)
			return Reply{Ephemeral: true, Card: &card}, nil
		},
	}
}
