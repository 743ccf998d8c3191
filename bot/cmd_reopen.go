package bot

import (
	"context"

	"github.com/ticketbot/ticketbot/core"
)

func reopenCommand() Subcommand {
	return Subcommand{
		Name:    "reopen",
		Usage:   "reopen N",
		Summary: "reopen a resolved or closed ticket (staff, or its reporter)",
		MinRole: core.RoleRequester,
		Run: func(ctx context.Context, b *Bot, req Request, role core.Role) (Reply, error) {
			return changeStatus(ctx, b, req, role, core.StatusOpen)
		},
	}
}
