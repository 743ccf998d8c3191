package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/ticketbot/ticketbot/core"
)

func replyCommand() Subcommand {
	return Subcommand{
		Name:    "reply",
		Help:    "send a public reply to a ticket's requester, or a saved reply with !name (staff)",
		MinRole: core.RoleStaff,
		Args: []Arg{
			ticketArg("The ticket's number", notClosed...),
			// In text, "!name" as the whole text sends the saved reply name.
			{Name: "text", Type: ArgText, MaxLen: core.MaxMessageRunes, Help: "What the requester reads (or !name: a saved reply)"},
			{Name: "saved", Type: ArgWord, Surfaces: SurfaceOptions, Autocomplete: true, SuggestWords: savedReplyNames,
				Help: "A saved reply to send instead of text"},
		},
		Run: func(ctx context.Context, b *Bot, req Request, role core.Role) (Reply, error) {
			text := strings.TrimSpace(req.Command.Args.Str("text"))
			name := req.Command.Args.Str("saved")
			if name == "" && strings.HasPrefix(text, "!") && !strings.ContainsAny(text, " \t\n") {
				name = text
			}
			if name != "" {
				return sendSaved(ctx, b, req, role, name)
			}
			if text == "" {
				return Reply{}, core.FieldError("text", "give the reply's text, or !name for a saved reply")
			}
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

// savedReplyNames suggests the workspace's saved reply names to staff.
func savedReplyNames(ctx context.Context, b *Bot, req Request, role core.Role) ([]string, error) {
	rs, err := b.svc.SavedReplies(ctx, req.actor(role), req.Workspace)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Name
	}
	return out, nil
}

// Suggest lists arg's suggested words that contain typed (case-insensitive), for role; none
// when they cannot be read (autocomplete is best effort).
func (b *Bot) Suggest(ctx context.Context, req Request, role core.Role, arg Arg, typed string) []string {
	if arg.SuggestWords == nil {
		return nil
	}
	all, err := arg.SuggestWords(ctx, b, req, role)
	if err != nil {
		return nil
	}
	typed = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(typed), "!"))
	var out []string
	for _, w := range all {
		if strings.Contains(w, typed) {
			out = append(out, w)
		}
	}
	return out
}

// sendSaved sends the saved reply name to the command's ticket as a public reply.
func sendSaved(ctx context.Context, b *Bot, req Request, role core.Role, name string) (Reply, error) {
	t, err := b.ticket(ctx, req, role)
	if err != nil {
		return Reply{}, err
	}
	_, r, err := b.svc.SendSavedReply(ctx, req.actor(role), t.ID, name, core.MessageInput{
		ExternalID: "cmd:" + commandMessageID(req),
		Source:     string(req.Workspace.Platform),
		Deliver:    true,
	})
	if err != nil {
		return Reply{}, err
	}
	return Reply{Ephemeral: true, Text: fmt.Sprintf("Saved reply !%s sent to the requester of ticket %s.", r.Name, RefOf(t, req.Workspace))}, nil
}

// commandMessageID is the id a message written by command is stored under: the platform's
// request id, so a retried command stores nothing twice.
func commandMessageID(req Request) string {
	if req.RequestID != "" {
		return req.RequestID
	}
	var raw [12]byte
	_, _ = rand.Read(raw[:])
	return hex.EncodeToString(raw[:])
}

// addMessage is shared by reply and note: a message written by command reaches every place
// of the ticket that may see it (the core decides which).
func addMessage(ctx context.Context, b *Bot, req Request, role core.Role, internal bool) (Reply, error) {
	t, err := b.ticket(ctx, req, role)
	if err != nil {
		return Reply{}, err
	}
	_, _, err = b.svc.AddMessage(ctx, req.actor(role), t.ID, core.MessageInput{
		ExternalID: "cmd:" + commandMessageID(req),
		Content:    req.Command.Args.Str("text"),
		Source:     string(req.Workspace.Platform),
		Internal:   internal,
		Deliver:    true,
	})
	if err != nil {
		return Reply{}, err
	}
	if internal {
		return Reply{Ephemeral: true, Text: fmt.Sprintf("Internal note added to ticket %s (staff only).", RefOf(t, req.Workspace))}, nil
	}
	return Reply{Ephemeral: true, Text: fmt.Sprintf("Reply sent to the requester of ticket %s.", RefOf(t, req.Workspace))}, nil
}
