package bot

import (
	"context"

	"github.com/ticketbot/ticketbot/core"
)

// ticketArg is the ticket-number argument most subcommands start with; suggest are the
// statuses an autocompleting client offers tickets of.
func ticketArg(help string, suggest ...core.Status) Arg {
	return Arg{Name: "number", Type: ArgTicket, Required: true, Autocomplete: true, Help: help, Suggest: suggest}
}

func showCommand() Subcommand {
	return Subcommand{
		Name:    "show",
		Help:    "show a ticket",
		MinRole: core.RoleRequester,
		Args:    []Arg{ticketArg("The ticket's number")},
		Run: func(ctx context.Context, b *Bot, req Request, role core.Role) (Reply, error) {
			t, err := b.ticket(ctx, req, role)
			if err != nil {
				return Reply{}, err
			}
			card := b.card(ctx, req, t)
			return Reply{Ephemeral: true, Card: &card}, nil
		},
	}
}
