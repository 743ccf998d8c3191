package bot

import (
	"context"

	"github.com/ticketbot/ticketbot/core"
)

func panelCommand() Subcommand {
	return Subcommand{
		Name:     "panel",
		Group:    GroupAdmin,
		Surfaces: SurfaceOptions,
		Help:     "post an \"Open a ticket\" button (admins)",
		MinRole:  core.RoleAdmin,
		Args: []Arg{
			{Name: "channel", Type: ArgChannel, Help: "Where to post it (this channel if not given)"},
		},
		Run: func(ctx context.Context, b *Bot, req Request, role core.Role) (Reply, error) {
			ch := req.Command.Args.Str("channel")
			if ch == "" {
				ch = req.Channel
			}
			return Reply{Ephemeral: true, Panel: ch}, nil
		},
	}
}
