package bot

import (
	"context"

	"github.com/ticketbot/ticketbot/core"
)

func closeCommand() Subcommand {
	return Subcommand{
		Name:    "close",
		Usage:   "close N [reason]",
		Summary: "close ticket N (staff, or its reporter)",
		MinRole: core.RoleRequester,
		Run: func(ctx context.Context, b *Bot, req Request, role core.Role) (Reply, error) {
			return changeStatus(ctx, b, req, role, core.StatusClosed)
		},
	}
}
