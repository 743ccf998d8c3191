package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/ticketbot/ticketbot/core"
)

// listLimit is how many tickets one listing shows.
const listLimit = 20

func listCommand() Subcommand {
	return Subcommand{
		Name:    "list",
		Usage:   "list [STATUS|all] [mine]",
		Summary: "list active tickets (yours; staff see all, and \"mine\" shows those assigned to them)",
		MinRole: core.RoleRequester,
		Run:     runList,
	}
}

func runList(ctx context.Context, b *Bot, req Request, role core.Role) (Reply, error) {
	c := req.Command
	f := core.ListFilter{Workspace: req.Workspace, Limit: listLimit}
	label := "active"
	switch c.ListStatus {
	case "":
		f.Statuses = []core.Status{core.StatusOpen, core.StatusInProgress, core.StatusWaiting}
	case "all":
		label = ""
	default:
		st, err := core.ParseStatus(c.ListStatus)
		if err != nil {
			return Reply{}, err
		}
		f.Statuses = []core.Status{st}
		label = StatusLabel(st)
	}
	owner := "your "
	if role.AtLeast(core.RoleStaff) {
		owner = ""
		if c.Mine {
			f.Assignee = req.User.ID
		}
	}
	ts, err := b.svc.ListTickets(ctx, req.actor(role), f)
	if err != nil {
		return Reply{}, err
	}
	what := strings.TrimSpace(owner + label + " tickets")
	if f.Assignee != "" {
		what += " assigned to you"
	}
	if len(ts) == 0 {
		none := "No " + what
		if owner != "" {
			none = "You have no " + strings.TrimSpace(label+" tickets")
		}
		return Reply{Ephemeral: true, Text: none + ". To open one, type /ticket followed by what you need."}, nil
	}
	head := fmt.Sprintf("%s (%d)", capitalise(what), len(ts))
	if len(ts) == listLimit {
		head = fmt.Sprintf("%s (the latest %d)", capitalise(what), listLimit)
	}
	return Reply{Ephemeral: true, Text: head + ":", Tickets: ts}, nil
}
