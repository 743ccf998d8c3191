package bot

import (
	"context"
	"strings"

	"github.com/ticketbot/ticketbot/core"
)

func helpCommand() Subcommand {
	return Subcommand{
		Name:    "help",
		Help:    "show this help",
		MinRole: core.RoleRequester,
		Run: func(ctx context.Context, b *Bot, req Request, role core.Role) (Reply, error) {
			return Reply{Ephemeral: true, Text: b.reg.Help(req, role)}, nil
		},
	}
}

// Help lists what the registry holds for the request's platform and the caller's role, one
// "COMMAND USAGE — HELP" line each, spelled as the platform spells commands.
func (r *Registry) Help(req Request, role core.Role) string {
	w := req.Words.orDefault()
	surface := req.surface()
	var sb strings.Builder
	sb.WriteString("ticketbot: ask the helpdesk for help.\n")
	for _, s := range r.order {
		if !s.On(surface) || !role.AtLeast(s.MinRole) {
			continue
		}
		line := w.Command(s.Name, s.Group)
		if surface == SurfaceText {
			line = w.Command(s.Usage(), s.Group)
		} else {
			for _, a := range s.ArgsOn(SurfaceOptions) {
				if a.Required {
					line += " " + a.Option() + ":"
				} else {
					line += " [" + a.Option() + ":]"
				}
			}
		}
		sb.WriteString(line + " — " + s.Help + "\n")
	}
	return strings.TrimRight(sb.String(), "\n")
}
