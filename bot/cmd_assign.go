package bot

import (
	"context"
	"fmt"

	"github.com/ticketbot/ticketbot/core"
)

func assignCommand() Subcommand {
	return Subcommand{
		Name:    "assign",
		Usage:   "assign N @user",
		Summary: "assign ticket N to someone (staff)",
		MinRole: core.RoleStaff,
		Run: func(ctx context.Context, b *Bot, req Request, role core.Role) (Reply, error) {
			if req.Command.User.IsZero() {
				return Reply{}, usage("assign")
			}
			t, err := b.ticket(ctx, req, role)
			if err != nil {
				return Reply{}, err
			}
			t, err = b.svc.Assign(ctx, req.actor(role), t.ID, req.Command.User)
			if err != nil {
				return Reply{}, err
			}
			card := TicketCard(t)
			return Reply{Ephemeral: true, Text: fmt.Sprintf("Ticket #%d is assigned to %s.", t.Number, userLabel(t.Assignee)), Card: &card}, nil
		},
	}
}
