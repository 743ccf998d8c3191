package bot

import (
	"context"
	"fmt"

	"github.com/ticketbot/ticketbot/core"
)

var (
	activeStatuses = []core.Status{core.StatusOpen, core.StatusInProgress, core.StatusWaiting}
	notClosed      = []core.Status{core.StatusOpen, core.StatusInProgress, core.StatusWaiting, core.StatusResolved}
	terminal       = []core.Status{core.StatusResolved, core.StatusClosed}
)

func statusCommand() Subcommand {
	return Subcommand{
		Name:    "status",
		Help:    "set a ticket's status (open, in_progress, waiting, resolved, closed)",
		MinRole: core.RoleRequester,
		Args: []Arg{
			ticketArg("The ticket's number", notClosed...),
			{Name: "status", Type: ArgStatus, Required: true, Help: "The new status"},
			{Name: "note", Type: ArgText, MaxLen: core.MaxDescriptionRunes, Help: "A note for the reporter"},
		},
		Run: func(ctx context.Context, b *Bot, req Request, role core.Role) (Reply, error) {
			return changeStatus(ctx, b, req, role, req.Command.Args.Status("status"), req.Command.Args.Str("note"))
		},
	}
}

func closeCommand() Subcommand {
	return Subcommand{
		Name:    "close",
		Help:    "close a ticket (staff, or its reporter)",
		MinRole: core.RoleRequester,
		Args: []Arg{
			ticketArg("The ticket's number", notClosed...),
			{Name: "reason", Type: ArgText, MaxLen: core.MaxDescriptionRunes, Help: "Why it is closed"},
		},
		Run: func(ctx context.Context, b *Bot, req Request, role core.Role) (Reply, error) {
			return changeStatus(ctx, b, req, role, core.StatusClosed, req.Command.Args.Str("reason"))
		},
	}
}

func reopenCommand() Subcommand {
	return Subcommand{
		Name:    "reopen",
		Help:    "reopen a resolved or closed ticket (staff, or its reporter)",
		MinRole: core.RoleRequester,
		Args: []Arg{
			ticketArg("The ticket's number", terminal...),
			{Name: "note", Type: ArgText, MaxLen: core.MaxDescriptionRunes, Surfaces: SurfaceText, Help: "Why it is reopened"},
		},
		Run: func(ctx context.Context, b *Bot, req Request, role core.Role) (Reply, error) {
			return changeStatus(ctx, b, req, role, core.StatusOpen, req.Command.Args.Str("note"))
		},
	}
}

// changeStatus is shared by status, close and reopen.
func changeStatus(ctx context.Context, b *Bot, req Request, role core.Role, to core.Status, note string) (Reply, error) {
	t, err := b.ticket(ctx, req, role)
	if err != nil {
		return Reply{}, err
	}
	t, err = b.svc.SetStatus(ctx, req.actor(role), t.ID, to, note)
	if err != nil {
		return Reply{}, err
	}
	card := b.card(ctx, req, t)
	return Reply{Ephemeral: true, Text: fmt.Sprintf("Ticket %s is now %s.", RefOf(t, req.Workspace), StatusLabel(t.Status)), Card: &card}, nil
}
