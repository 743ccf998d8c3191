package bot

import (
	"context"
	"errors"
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
			{Name: "category", Type: ArgCategory, Surfaces: SurfaceOptions, Autocomplete: true, MaxLen: core.MaxCategoryName,
				Help: "What kind of request it is; a form with its questions opens"},
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

// WithCategory adds a form's category (by id) and its answers (by question id) to open's
// arguments.
func (a Args) WithCategory(id int64, answers map[string]string) Args {
	if id != 0 {
		a["category_id"] = id
	}
	if len(answers) > 0 {
		a["answers"] = answers
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
	catID := a.Int("category_id")
	answers, _ := a["answers"].(map[string]string)
	if name := a.Str("category"); name != "" && catID == 0 {
		// A category named in the command: its questions are asked in the form.
		c, err := b.findCategory(ctx, req, role, name)
		if err != nil {
			return Reply{}, withField(err, "category")
		}
		if len(c.Questions) > 0 || strings.TrimSpace(title) == "" {
			return Reply{Modal: true, Ephemeral: true, Category: &c}, nil
		}
		catID = c.ID
	}
	if strings.TrimSpace(title) == "" && catID != 0 && len(answers) > 0 {
		// A category form without room for a title: the category and its first answer.
		c, err := b.svc.Category(ctx, req.actor(role), req.Workspace, catID)
		if err != nil {
			return Reply{}, withField(err, "category")
		}
		title = FormTitle(c, answers)
	}
	if strings.TrimSpace(title) == "" {
		cats, err := b.svc.Categories(ctx, req.actor(role), req.Workspace)
		if err != nil {
			return Reply{}, err
		}
		return Reply{Modal: true, Ephemeral: true, Categories: cats}, nil
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
		CategoryID:    catID,
		Answers:       answers,
	})
	if err != nil && !(req.Resumed && core.IsDuplicateRequest(err)) {
		return Reply{}, err
	}
	card := TicketCard(t)
	text := fmt.Sprintf("Ticket #%d opened: %s. The helpdesk will answer you %s.", t.Number, t.Title, req.Words.orDefault().Conversation)
	if line, err := b.svc.OfflineNotice(ctx, req.Workspace); err == nil && line != "" {
		text += "\n" + line
	}
	return Reply{Text: text, Ephemeral: true, Card: &card}, nil
}

// FormTitle is the title of a ticket opened from a category's form that had no title field:
// the category's name and the first answer, cut to the title limit.
func FormTitle(c core.Category, answers map[string]string) string {
	title := c.Name
	for _, q := range c.Questions {
		if v := strings.Join(strings.Fields(answers[q.ID]), " "); v != "" {
			title += ": " + v
			break
		}
	}
	if r := []rune(title); len(r) > core.MaxTitleRunes {
		title = string(r[:core.MaxTitleRunes-1]) + "…"
	}
	return title
}

// withField names field as the input at fault of an invalid or not-found err (so a form
// shows it there).
func withField(err error, field string) error {
	var e *core.Error
	if errors.As(err, &e) && e.Field == "" && (e.Code == core.EInvalid || e.Code == core.ENotFound) {
		c := *e
		c.Field = field
		return &c
	}
	return err
}
