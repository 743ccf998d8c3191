package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/ticketbot/ticketbot/core"
)

func replyCommand() Subcommand {
	return Subcommand{
		Name:    "reply",
		Help:    "send a public reply to a ticket's requester (staff)",
		MinRole: core.RoleStaff,
		Args: []Arg{
			ticketArg("The ticket's number", notClosed...),
			{Name: "text", Type: ArgText, Required: true, MaxLen: core.MaxMessageRunes, Help: "What the requester reads"},
		},
		Run: func(ctx context.Context, b *Bot, req Request, role core.Role) (Reply, error) {
			return addMessage(ctx, b, req, role, false)
		},
	}
}

func noteCommand() Subcommand {
	return Subcommand{
		Name:    "note",
		Help:    "add an internal note to a ticket, seen by staff only (staff)",
		MinRole: core.RoleStaff,
		Args: []Arg{
			ticketArg("The ticket's number"),
			{Name: "text", Type: ArgText, Required: true, MaxLen: core.MaxMessageRunes, Help: "What staff read"},
		},
		Run: func(ctx context.Context, b *Bot, req Request, role core.Role) (Reply, error) {
			return addMessage(ctx, b, req, role, true)
		},
	}
}

// addMessage is shared by reply and note: a message written by command reaches every place
// of the ticket that may see it (the core decides which).
func addMessage(ctx context.Context, b *Bot, req Request, role core.Role, internal bool) (Reply, error) {
	t, err := b.ticket(ctx, req, role)
	if err != nil {
		return Reply{}, err
	}
	id := req.RequestID
	if id == "" {
		var raw [12]byte
		_, _ = rand.Read(raw[:])
		id = hex.EncodeToString(raw[:])
	}
	_, _, err = b.svc.AddMessage(ctx, req.actor(role), t.ID, core.MessageInput{
		ExternalID: "cmd:" + id,
		Content:    req.Command.Args.Str("text"),
		Source:     string(req.Workspace.Platform),
		Internal:   internal,
		Deliver:    true,
	})
	if err != nil {
		return Reply{}, err
	}
	if internal {
		return Reply{Ephemeral: true, Text: fmt.Sprintf("Internal note added to ticket #%d (staff only).", t.Number)}, nil
	}
	return Reply{Ephemeral: true, Text: fmt.Sprintf("Reply sent to the requester of ticket #%d.", t.Number)}, nil
}
