package bot

import (
	"context"
	"strings"

	"github.com/ticketbot/ticketbot/core"
)

func helpCommand() Subcommand {
	return Subcommand{
		Name:    "help",
		Usage:   "help",
		Summary: "show this help",
		MinRole: core.RoleRequester,
		Run: func(ctx context.Context, b *Bot, req Request, role core.Role) (Reply, error) {
			return Reply{Ephemeral: true, Text: Help(b.reg)}, nil
		},
	}
}

// Help lists exactly what reg holds, one "/ticket USAGE — SUMMARY" line each.
func Help(reg *Registry) string {
	var sb strings.Builder
	sb.WriteString("ticketbot: ask the helpdesk for help.\n")
	for _, s := range reg.All() {
		sb.WriteString("/ticket " + s.Usage + " — " + s.Summary + "\n")
	}
	return strings.TrimRight(sb.String(), "\n")
}
