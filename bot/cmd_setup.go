package bot

import (
	"context"

	"github.com/ticketbot/ticketbot/core"
)

func setupCommand() Subcommand {
	return Subcommand{
		Name:    "setup",
		Usage:   "setup #channel",
		Summary: "choose the helpdesk channel where tickets are posted (admins)",
		MinRole: core.RoleAdmin,
		Run: func(ctx context.Context, b *Bot, req Request, role core.Role) (Reply, error) {
			c := req.Command
			err := b.svc.UpdateSettings(ctx, req.actor(role), core.Settings{
				Workspace: req.Workspace,
				Channel:   c.Channel,
				StaffRole: c.StaffRole,
			})
			if err != nil {
				return Reply{}, err
			}
			text := "Done: new tickets go to the helpdesk channel you chose, and its members are staff."
			if c.StaffRole != "" {
				text = "Done: new tickets get a private thread in the support channel you chose, and members of the staff role you chose handle them."
			}
			return Reply{Ephemeral: true, Text: text}, nil
		},
	}
}
