package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/ticketbot/ticketbot/core"
)

func openCommand() Subcommand {
	return Subcommand{
		Name:     "open",
		Word:     "new",
		Fallback: true,
		Help:     "open a ticket (without details a form opens; in text, the first line is the title)",
		MinRole:  core.RoleRequester,
		Args: []Arg{
			{Name: "text", Type: ArgText, Surfaces: SurfaceText, Placeholder: "TEXT", Help: "what you need help with"},
			{Name: "title", Type: ArgText, Surfaces: SurfaceOptions, MaxLen: core.MaxTitleRunes, Help: "What you need help with"},
			{Name: "description", Type: ArgText, Surfaces: SurfaceOptions, MaxLen: core.MaxDescriptionRunes, Help: "Details: steps, error messages, what you tried"},
			{Name: "priority", Type: ArgPriority, Surfaces: SurfaceOptions, Help: "How urgent it is (normal if not given)"},
		},
		Run: runOpen,
	}
}

// OpenArgs are the arguments of an open from a form (title, description, priority).
func OpenArgs(title, description, priority string) Args {
	a := Args{}
	if t := strings.TrimSpace(title); t != "" {
		a["title"] = t
	}
	if d := strings.TrimSpace(description); d != "" {
		a["description"] = d
	}
	if p := strings.TrimSpace(priority); p != "" {
		a["priority"] = core.Priority(p)
	}
	return a
}

func runOpen(ctx context.Context, b *Bot, req Request, role core.Role) (Reply, error) {
	a := req.Command.Args
	title, desc := a.Str("title"), a.Str("description")
	if text := a.Str("text"); text != "" {
		title, desc = SplitText(text)
	} else if title == "" && desc != "" {
		title, desc = SplitText(desc) // a description alone: its first line is the title
	}
	if strings.TrimSpace(title) == "" {
		return Reply{Modal: true, Ephemeral: true}, nil
	}
	if d := b.throttle.Allow(ctx, "open:"+req.Workspace.String()+":"+req.User.ID, b.limits.Open); !d.Allowed {
		return Reply{}, rateLimited(d)
	}
	t, err := b.svc.OpenTicket(ctx, req.actor(role), core.OpenInput{
		Workspace:     req.Workspace,
		Title:         title,
		Description:   desc,
		Priority:      string(a.Priority("priority")),
		OriginChannel: req.Channel,
		OriginMessage: a.Str("origin_message"),
		RequestID:     req.RequestID,
	})
	if err != nil {
		return Reply{}, err
	}
	card := TicketCard(t)
	return Reply{
		Text:      fmt.Sprintf("Ticket #%d opened: %s. The helpdesk will answer you %s.", t.Number, t.Title, req.Words.orDefault().Conversation),
		Ephemeral: true,
		Card:      &card,
	}, nil
}
