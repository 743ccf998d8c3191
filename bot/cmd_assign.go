package bot

import (
	"context"
	"fmt"

	"github.com/ticketbot/ticketbot/core"
)

func claimCommand() Subcommand {
	return Subcommand{
		Name:    "claim",
		Help:    "assign a ticket to yourself (staff)",
		MinRole: core.RoleStaff,
		Args:    []Arg{ticketArg("The ticket's number", activeStatuses...)},
		Run: func(ctx context.Context, b *Bot, req Request, role core.Role) (Reply, error) {
			return assign(ctx, b, req, role, req.User)
		},
	}
}

func assignCommand() Subcommand {
	return Subcommand{
		Name:    "assign",
		Help:    "assign a ticket to someone (staff)",
		MinRole: core.RoleStaff,
		Args: []Arg{
			ticketArg("The ticket's number", activeStatuses...),
			{Name: "user", Type: ArgUser, Required: true, Help: "Who handles it"},
		},
		Run: func(ctx context.Context, b *Bot, req Request, role core.Role) (Reply, error) {
			return assign(ctx, b, req, role, req.Command.Args.User("user"))
		},
	}
}

func assign(ctx context.Context, b *Bot, req Request, role core.Role, to core.UserRef) (Reply, error) {
	t, err := b.ticket(ctx, req, role)
	if err != nil {
		return Reply{}, err
	}
	t, err = b.svc.Assign(ctx, req.actor(role), t.ID, to)
	if err != nil {
		return Reply{}, err
	}
	card := b.card(ctx, req, t)
	if to.ID == req.User.ID {
		return Reply{Ephemeral: true, Text: fmt.Sprintf("You now own ticket %s.", RefOf(t, req.Workspace)), Card: &card}, nil
	}
	return Reply{Ephemeral: true, Text: fmt.Sprintf("Ticket %s is assigned to %s.", RefOf(t, req.Workspace), userLabel(t.Assignee)), Card: &card}, nil
}
