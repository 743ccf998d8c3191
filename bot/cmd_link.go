package bot

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// TicketRef names a ticket of the workspace linked to this one: the first letter of that
// workspace's platform and the ticket's number there, typed "d12". Tickets of this
// workspace keep their plain numbers ("12", "#12").
type TicketRef struct {
	Prefix string
	Number int64
}

// String is the reference as typed ("d12").
func (r TicketRef) String() string { return r.Prefix + strconv.FormatInt(r.Number, 10) }

// ParseTicketRef reads a linked ticket's reference: one lower- or upper-case letter and a
// number ("d12", "D12").
func ParseTicketRef(w string) (TicketRef, bool) {
	w = strings.ToLower(strings.TrimSpace(w))
	if len(w) < 2 || w[0] < 'a' || w[0] > 'z' {
		return TicketRef{}, false
	}
	n, err := strconv.ParseInt(w[1:], 10, 64)
	if err != nil || n <= 0 || w[1] == '+' || w[1] == '-' {
		return TicketRef{}, false
	}
	return TicketRef{Prefix: w[:1], Number: n}, true
}

// RefOf is how ticket t is referred to from workspace ws: "#12" in its own workspace, "d12"
// from the workspace that staffs it.
func RefOf(t core.Ticket, ws core.Workspace) string {
	if ws.IsZero() || ws == t.Workspace || t.Workspace.Platform == "" {
		return "#" + strconv.FormatInt(t.Number, 10)
	}
	return TicketRef{Prefix: string(t.Workspace.Platform)[:1], Number: t.Number}.String()
}

// linkedTicket resolves a linked ticket's reference typed in req's workspace: ticket N of the
// workspace it staffs, whose platform starts with the reference's letter. The core decides
// whether the caller may see it.
func (b *Bot) linkedTicket(ctx context.Context, req Request, role core.Role, ref TicketRef) (core.Ticket, error) {
	l, ok, err := b.svc.LinkOf(ctx, req.Workspace)
	if err != nil {
		return core.Ticket{}, err
	}
	if !ok || l.StaffWorkspace != req.Workspace || !strings.HasPrefix(string(l.Workspace.Platform), ref.Prefix) {
		return core.Ticket{}, core.Errorf(core.ENotFound, "ticket %s not found (no linked helpdesk has it)", ref)
	}
	t, err := b.svc.TicketByNumber(ctx, req.actor(role), l.Workspace, ref.Number)
	if core.IsCode(err, core.ENotFound) {
		return core.Ticket{}, core.Errorf(core.ENotFound, "ticket %s not found", ref)
	}
	return t, err
}

func linkCommand() Subcommand {
	return Subcommand{
		Name:    "link",
		Word:    "setup link",
		Group:   GroupAdmin,
		Help:    "link two helpdesks: get a one-time code (15 minutes), or use one in the staff's channel (admins)",
		MinRole: core.RoleAdmin,
		Args: []Arg{
			{Name: "code", Type: ArgWord, Required: true, Surfaces: SurfaceText, Placeholder: "CODE", Help: "The code the other helpdesk's admin got"},
		},
		Run: runLink,
	}
}

func unlinkCommand() Subcommand {
	return Subcommand{
		Name:    "unlink",
		Word:    "setup unlink",
		Group:   GroupAdmin,
		Help:    "end the link with the other helpdesk (admins, on either side)",
		MinRole: core.RoleAdmin,
		Run: func(ctx context.Context, b *Bot, req Request, role core.Role) (Reply, error) {
			l, err := b.svc.Unlink(ctx, req.actor(role))
			if err != nil {
				return Reply{}, err
			}
			return Reply{Ephemeral: true, Text: "Done: " + linkName(l, req.Workspace) +
				" is no longer linked to this helpdesk; nothing more is copied between them."}, nil
		},
	}
}

func runLink(ctx context.Context, b *Bot, req Request, role core.Role) (Reply, error) {
	code := req.Command.Args.Str("code")
	if code == "" {
		name := ""
		if n, ok := req.Platform.(WorkspaceNamer); ok {
			name, _ = n.WorkspaceName(ctx)
		}
		c, exp, err := b.svc.NewLinkCode(ctx, req.actor(role), name)
		if err != nil {
			return Reply{}, err
		}
		mins := int(exp.Sub(b.clock.Now()).Round(time.Minute) / time.Minute)
		return Reply{Ephemeral: true, Text: fmt.Sprintf("Link code: %s\nIt works once, for %d minutes. Give it to an admin of the helpdesk "+
			"that will staff this %s: they run setup link %s in their staff's channel. Its staff then get this %s's new tickets "+
			"as cards there and answer them from there. End it with %s.",
			c, mins, req.Words.orDefault().Workspace, c, req.Words.orDefault().Workspace, b.cmd(req, "unlink"))}, nil
	}
	st, err := b.svc.Settings(ctx, req.Workspace)
	if err != nil {
		return Reply{}, err
	}
	if st.TriageChannel == "" {
		return Reply{}, core.Errorf(core.EInvalid, "set up the staff's channel first (%s), then run this in it", b.cmd(req, "setup"))
	}
	if req.Channel != st.TriageChannel {
		return Reply{}, core.Errorf(core.EInvalid, "run this in the staff's channel: the linked tickets' cards go there")
	}
	l, err := b.svc.LinkWith(ctx, req.actor(role), code, st.TriageChannel)
	if err != nil {
		return Reply{}, err
	}
	return Reply{Ephemeral: true, Text: fmt.Sprintf("Done: %s is linked. Its new tickets get a card in this channel; "+
		"reply in a card's thread to answer the requester (start with note: to keep it among staff), and refer to its "+
		"tickets as %s1, %s2, … in commands. End it with %s.",
		linkName(l, req.Workspace), string(l.Workspace.Platform)[:1], string(l.Workspace.Platform)[:1], b.cmd(req, "unlink"))}, nil
}

// WorkspaceNamer is offered by platforms that can name the workspace a command came from
// (a Discord server's name), for the cards of the helpdesk that staffs it.
type WorkspaceNamer interface {
	WorkspaceName(ctx context.Context) (string, error)
}

// linkName names the other side of l, seen from ws.
func linkName(l core.Link, ws core.Workspace) string {
	if ws == l.StaffWorkspace {
		if l.Name != "" {
			return fmt.Sprintf("%q (%s)", l.Name, l.Workspace)
		}
		return l.Workspace.String()
	}
	return "the staff's channel of " + l.StaffWorkspace.String()
}

// describeLink is the settings view's line about the link of req's workspace.
func (b *Bot) describeLink(ctx context.Context, req Request) string {
	l, ok, err := b.svc.LinkOf(ctx, req.Workspace)
	switch {
	case err != nil:
		return "• linked helpdesk: unknown just now (" + core.ErrorMessage(err) + ")"
	case !ok:
		line := "• linked helpdesk: none (" + b.cmd(req, "link") + ")"
		if role, err := req.roleOf(ctx); err == nil {
			if h, err := b.svc.LinkHistory(ctx, req.actor(role), 1); err == nil && len(h) > 0 {
				line += fmt.Sprintf("; last change: %s %s by %s on %s", h[0].Action, linkName(h[0].Link, req.Workspace),
					personName(h[0].By), h[0].At.UTC().Format("2006-01-02 15:04 UTC"))
			}
		}
		return line
	}
	since := l.CreatedAt.UTC().Format("2006-01-02 15:04 UTC")
	by := personName(l.By)
	if req.Workspace == l.StaffWorkspace {
		return fmt.Sprintf("• linked helpdesk: this channel's staff also staff %s (its tickets are %s1, %s2, …), linked by %s on %s",
			linkName(l, req.Workspace), string(l.Workspace.Platform)[:1], string(l.Workspace.Platform)[:1], by, since)
	}
	return fmt.Sprintf("• linked helpdesk: new tickets are also staffed from %s, linked by %s on %s", linkName(l, req.Workspace), by, since)
}

// CardFor is t's card as read in workspace ws: a ticket of a linked workspace carries its
// reference ("d12") and, first, the name of the workspace it came from.
func CardFor(t core.Ticket, ws core.Workspace, l core.Link) Card {
	c := TicketCard(t)
	if ws.IsZero() || ws == t.Workspace {
		return c
	}
	c.Ref = RefOf(t, ws)
	from := l.Name
	if from == "" {
		from = t.Workspace.ExternalID
	}
	c.Fields = append([]Field{{Name: "From", Value: from + " (" + string(t.Workspace.Platform) + ")"}}, c.Fields...)
	return c
}

// card is t's card for req: CardFor with the link when t is a linked workspace's ticket.
func (b *Bot) card(ctx context.Context, req Request, t core.Ticket) Card {
	if req.Workspace.IsZero() || req.Workspace == t.Workspace {
		return TicketCard(t)
	}
	l, _, _ := b.svc.LinkOf(ctx, t.Workspace)
	return CardFor(t, req.Workspace, l)
}

func personName(u core.UserRef) string {
	if u.Name != "" {
		return u.Name
	}
	return u.ID
}

// roleOf resolves the request's role (requester without a RoleFunc).
func (r Request) roleOf(ctx context.Context) (core.Role, error) {
	if r.Role == nil {
		return core.RoleRequester, nil
	}
	return r.Role(ctx)
}
