package bot

import (
	"context"

	"github.com/ticketbot/ticketbot/core"
)

// maxPanelCategories is how many category buttons a panel holds (Discord: five rows of five).
const maxPanelCategories = 25

func panelCommand() Subcommand {
	return Subcommand{
		Name:     "panel",
		Group:    GroupAdmin,
		Surfaces: SurfaceOptions,
		Help:     "post an \"Open a ticket\" button, or one per category (admins)",
		MinRole:  core.RoleAdmin,
		Args: []Arg{
			{Name: "channel", Type: ArgChannel, Help: "Where to post it (this channel if not given)"},
			{Name: "per_category", Type: ArgFlag, Help: "One button per category instead of one for all"},
		},
		Run: func(ctx context.Context, b *Bot, req Request, role core.Role) (Reply, error) {
			ch := req.Command.Args.Str("channel")
			if ch == "" {
				ch = req.Channel
			}
			r := Reply{Ephemeral: true, Panel: ch}
			if req.Command.Args.Bool("per_category") {
				cats, err := b.svc.Categories(ctx, req.actor(role), req.Workspace)
				if err != nil {
					return Reply{}, err
				}
				if len(cats) == 0 {
					return Reply{}, core.Errorf(core.EInvalid, "this %s has no categories yet: add them in the dashboard first", req.Words.orDefault().Workspace)
				}
				if len(cats) > maxPanelCategories {
					cats = cats[:maxPanelCategories]
				}
				r.PanelCategories = cats
			}
			return r, nil
		},
	}
}
