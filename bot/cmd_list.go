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
		Help:    "list active tickets (yours; staff see all, and \"mine\" shows those assigned to them)",
		MinRole: core.RoleRequester,
		Args: []Arg{
			{Name: "status", Type: ArgStatus, Choices: []string{"all"}, Placeholder: "STATUS|all", Help: "Only tickets with this status (active ones if not given)"},
			{Name: "mine", Type: ArgFlag, Help: "Staff: only tickets assigned to you"},
			{Name: "category", Type: ArgCategory, Keyword: "category", Autocomplete: true, MaxLen: core.MaxCategoryName, Placeholder: "NAME",
				Help: "Only tickets of this category"},
			{Name: "query", Type: ArgText, Keyword: "q", MaxLen: 200, Placeholder: "WORDS",
				Help: "Only tickets with these words in the title, description or messages, best match first"},
		},
		Run: runList,
	}
}

func runList(ctx context.Context, b *Bot, req Request, role core.Role) (Reply, error) {
	a := req.Command.Args
	// Linked: staff here also see the tickets of a workspace this one staffs (the core says which).
	f := core.ListFilter{Workspace: req.Workspace, Limit: listLimit, Query: a.Str("query"), Linked: true}
	label := "active"
	switch st := a[("status")]; {
	case st == nil:
		f.Statuses = []core.Status{core.StatusOpen, core.StatusInProgress, core.StatusWaiting}
	case st == "all":
		label = ""
	default:
		s := a.Status("status")
		f.Statuses = []core.Status{s}
		label = StatusLabel(s)
	}
	owner := "your "
	if role.AtLeast(core.RoleStaff) {
		owner = ""
		if a.Bool("mine") {
			f.Assignee = req.User.ID
		}
	}
	var cat core.Category
	if name := a.Str("category"); name != "" {
		c, err := b.findCategory(ctx, req, role, name)
		if err != nil {
			return Reply{}, err
		}
		cat, f.Category = c, c.ID
	}
	ts, err := b.svc.ListTickets(ctx, req.actor(role), f)
	if err != nil {
		return Reply{}, err
	}
	what := strings.TrimSpace(owner + label + " tickets")
	if cat.ID != 0 {
		what += fmt.Sprintf(" in %q", cat.Name)
	}
	if f.Assignee != "" {
		what += " assigned to you"
	}
	if f.Query != "" {
		what += fmt.Sprintf(" matching %q", f.Query)
	}
	if len(ts) == 0 {
		none := "No " + what
		if owner != "" {
			none = "You have no " + strings.TrimSpace(label+" tickets")
		}
		return Reply{Ephemeral: true, Text: none + ". To open one, use " + b.cmd(req, "open") + "."}, nil
	}
	head := fmt.Sprintf("%s (%d)", capitalise(what), len(ts))
	if len(ts) == listLimit {
		head = fmt.Sprintf("%s (the latest %d)", capitalise(what), listLimit)
	}
	return Reply{Ephemeral: true, Text: head + ":", Tickets: ts, ListedIn: req.Workspace}, nil
}

// findCategory finds the workspace's category called name: the exact name (ignoring case), or
// else the one category whose name starts with it (one word typed for "Access and VPN").
// Errors: not_found (listing the categories there are), unavailable, internal.
func (b *Bot) findCategory(ctx context.Context, req Request, role core.Role, name string) (core.Category, error) {
	cs, err := b.svc.Categories(ctx, req.actor(role), req.Workspace)
	if err != nil {
		return core.Category{}, err
	}
	var prefixed []core.Category
	for _, c := range cs {
		if strings.EqualFold(c.Name, name) {
			return c, nil
		}
		if strings.HasPrefix(strings.ToLower(c.Name), strings.ToLower(name)) {
			prefixed = append(prefixed, c)
		}
	}
	if len(prefixed) == 1 {
		return prefixed[0], nil
	}
	if len(cs) == 0 {
		return core.Category{}, core.Errorf(core.ENotFound, "this %s has no categories", req.Words.orDefault().Workspace)
	}
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.Name
	}
	return core.Category{}, core.Errorf(core.ENotFound, "there is no category %q (there are: %s)", name, strings.Join(names, ", "))
}
