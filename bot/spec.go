package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/ticketbot/ticketbot/core"
)

// ArgType says what an argument holds, and so how every surface reads it: the text grammar
// (a word, a mention token, the rest of the line) and the structured option schema (integer,
// string, user, channel, role).
type ArgType int

// Argument types.
const (
	// ArgTicket is a ticket reference: "12" or "#12" in text, an integer option.
	ArgTicket ArgType = iota + 1
	// ArgWord is one word of text; with Choices it must be one of them.
	ArgWord
	// ArgText is free text: in the text grammar the rest of the line (so it comes last).
	ArgText
	// ArgStatus is a ticket status (a choice of core.Statuses, plus Extra choices).
	ArgStatus
	// ArgPriority is a priority (a choice of core.Priorities).
	ArgPriority
	// ArgUser is a person of the platform (a mention token, a user option).
	ArgUser
	// ArgChannel is a channel of the platform (a channel token, a channel option).
	ArgChannel
	// ArgGroup is a group of people of the platform (a user group token, a role option).
	ArgGroup
	// ArgFlag is a switch: present or not (the word Name in text, a boolean option).
	ArgFlag
)

// Surface is a way commands reach the bot: typed text after the command ("/ticket status 3
// waiting") or structured options filled in by the platform's client.
type Surface uint8

// Surfaces.
const (
	SurfaceText Surface = 1 << iota
	SurfaceOptions
	// SurfaceAll is both, the default.
	SurfaceAll = SurfaceText | SurfaceOptions
)

func (s Surface) has(o Surface) bool { return s == 0 || s&o != 0 }

// Arg declares one argument of a subcommand. The text grammar reads positional arguments in
// order; an argument with a Keyword is written "KEYWORD VALUE" anywhere after them.
type Arg struct {
	Name     string
	Type     ArgType
	Required bool
	// Help describes the argument (option descriptions, usage hints).
	Help string
	// Keyword makes the argument a "KEYWORD VALUE" pair in the text grammar.
	Keyword string
	// Choices are the values an ArgWord (or, added to the statuses, an ArgStatus) accepts.
	Choices []string
	// Autocomplete asks structured surfaces to suggest values while typing (ticket numbers).
	Autocomplete bool
	// Suggest are the statuses of the tickets an autocompleted ticket argument offers.
	Suggest []core.Status
	// MaxLen bounds a text argument in runes (0: none).
	MaxLen int
	// Surfaces says where the argument exists [both].
	Surfaces Surface
	// Placeholder is the argument in usage lines ("N", "STATUS", "@user").
	Placeholder string
	// OptionName is the argument's name in option schemas when it differs from Name.
	OptionName string
}

// Option is the argument's name in option schemas.
func (a Arg) Option() string {
	if a.OptionName != "" {
		return a.OptionName
	}
	return a.Name
}

// Group is the command a subcommand sits under on surfaces that group subcommands into
// several commands: the everyday command and the admin command. The text surface has one
// command for both.
type Group int

// Groups.
const (
	GroupTicket Group = iota
	GroupAdmin
)

// Subcommand declares one subcommand: its name, arguments, minimum role and help, once. The
// text grammar, the option schema, option decoding and help are all derived from it.
type Subcommand struct {
	Name string
	// Word is how the subcommand is typed in text when it differs from Name ("new" opens).
	Word string
	// Fallback makes text whose first word is no subcommand run this one, the whole text as
	// its single ArgText argument.
	Fallback bool
	Group    Group
	Args     []Arg
	// MinRole is checked by the dispatcher before Run; finer rules (the reporter may close
	// their own ticket) are the core's.
	MinRole core.Role
	// Help is the one-line summary shown by help and in option schemas.
	Help string
	// Surfaces says where the subcommand exists [both].
	Surfaces Surface
	Run      func(ctx context.Context, b *Bot, req Request, role core.Role) (Reply, error)
}

// word is how the subcommand is typed in text.
func (s Subcommand) word() string {
	if s.Word != "" {
		return s.Word
	}
	return s.Name
}

// On reports whether the subcommand exists on surface.
func (s Subcommand) On(surface Surface) bool { return s.Surfaces.has(surface) }

// ArgsOn returns the subcommand's arguments that exist on surface.
func (s Subcommand) ArgsOn(surface Surface) []Arg {
	var out []Arg
	for _, a := range s.Args {
		if a.Surfaces.has(surface) {
			out = append(out, a)
		}
	}
	return out
}

// Arg returns the declared argument called name.
func (s Subcommand) Arg(name string) (Arg, bool) {
	for _, a := range s.Args {
		if a.Name == name {
			return a, true
		}
	}
	return Arg{}, false
}

// OptionArg returns the argument whose option-schema name is name.
func (s Subcommand) OptionArg(name string) (Arg, bool) {
	for _, a := range s.ArgsOn(SurfaceOptions) {
		if a.Option() == name {
			return a, true
		}
	}
	return Arg{}, false
}

// Usage is the text-surface usage line, e.g. "status N STATUS [note]".
func (s Subcommand) Usage() string {
	parts := []string{s.word()}
	for _, a := range s.ArgsOn(SurfaceText) {
		p := a.placeholder()
		if a.Keyword != "" {
			p = a.Keyword + " " + p
		}
		if !a.Required {
			p = "[" + p + "]"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, " ")
}

func (a Arg) placeholder() string {
	if a.Placeholder != "" {
		return a.Placeholder
	}
	switch a.Type {
	case ArgTicket:
		return "N"
	case ArgUser:
		return "@user"
	case ArgChannel:
		return "#channel"
	case ArgGroup:
		return "@group"
	case ArgFlag:
		return a.Name
	case ArgStatus:
		return "STATUS"
	case ArgPriority:
		return "PRIORITY"
	case ArgWord:
		if len(a.Choices) > 0 {
			return strings.Join(a.Choices, "|")
		}
	}
	if !a.Required {
		return a.Name
	}
	return strings.ToUpper(a.Name)
}

// AllChoices returns the values an argument accepts, or nil when any value goes.
func (a Arg) AllChoices() []string {
	switch a.Type {
	case ArgStatus:
		var out []string
		for _, s := range core.Statuses() {
			out = append(out, string(s))
		}
		return append(out, a.Choices...)
	case ArgPriority:
		var out []string
		for _, p := range core.Priorities() {
			out = append(out, string(p))
		}
		return out
	}
	return a.Choices
}

// Registry holds the subcommands by name, in the order they were given (help lists them so).
type Registry struct {
	order []Subcommand
	byKey map[string]Subcommand
}

// NewRegistry builds a registry. Errors: a duplicate or empty name, a subcommand without
// Run, more than one fallback, an argument declared twice or after free text.
func NewRegistry(subs ...Subcommand) (*Registry, error) {
	r := &Registry{byKey: map[string]Subcommand{}}
	words := map[string]string{}
	fallback := ""
	for _, s := range subs {
		if s.Name == "" || s.Run == nil {
			return nil, fmt.Errorf("bot.NewRegistry: subcommand %q needs a name and a Run", s.Name)
		}
		if _, dup := r.byKey[s.Name]; dup {
			return nil, fmt.Errorf("bot.NewRegistry: duplicate subcommand %q", s.Name)
		}
		if s.On(SurfaceText) {
			if other, dup := words[s.word()]; dup {
				return nil, fmt.Errorf("bot.NewRegistry: %q and %q are both typed %q", other, s.Name, s.word())
			}
			words[s.word()] = s.Name
		}
		if s.Fallback {
			if fallback != "" {
				return nil, fmt.Errorf("bot.NewRegistry: %q and %q are both the fallback", fallback, s.Name)
			}
			fallback = s.Name
		}
		if err := checkArgs(s); err != nil {
			return nil, err
		}
		r.byKey[s.Name] = s
		r.order = append(r.order, s)
	}
	return r, nil
}

func checkArgs(s Subcommand) error {
	seen := map[string]bool{}
	text := false
	for _, a := range s.Args {
		if a.Name == "" || a.Type == 0 {
			return fmt.Errorf("bot.NewRegistry: %s has an argument without a name or type", s.Name)
		}
		if seen[a.Name] {
			return fmt.Errorf("bot.NewRegistry: %s declares %q twice", s.Name, a.Name)
		}
		seen[a.Name] = true
		if !a.Surfaces.has(SurfaceText) {
			continue
		}
		if text && a.Keyword == "" && a.Type != ArgFlag {
			return fmt.Errorf("bot.NewRegistry: %s: %q comes after free text", s.Name, a.Name)
		}
		if a.Type == ArgText && a.Keyword == "" {
			text = true
		}
	}
	return nil
}

// Lookup returns the subcommand called name.
func (r *Registry) Lookup(name string) (Subcommand, bool) {
	s, ok := r.byKey[name]
	return s, ok
}

// All returns the subcommands in registration order.
func (r *Registry) All() []Subcommand { return append([]Subcommand(nil), r.order...) }

// On returns the subcommands of group that exist on surface, in registration order.
func (r *Registry) On(surface Surface, group Group) []Subcommand {
	var out []Subcommand
	for _, s := range r.order {
		if s.On(surface) && (surface == SurfaceText || s.Group == group) {
			out = append(out, s)
		}
	}
	return out
}

// byWord returns the text-surface subcommand typed word.
func (r *Registry) byWord(word string) (Subcommand, bool) {
	for _, s := range r.order {
		if s.On(SurfaceText) && s.word() == word {
			return s, true
		}
	}
	return Subcommand{}, false
}

func (r *Registry) fallback() (Subcommand, bool) {
	for _, s := range r.order {
		if s.Fallback {
			return s, true
		}
	}
	return Subcommand{}, false
}

// builtins lists every subcommand ticketbot ships, in help order. This is the one place
// subcommands are registered.
func builtins() []Subcommand {
	return []Subcommand{
		openCommand(),
		listCommand(),
		showCommand(),
		statusCommand(),
		closeCommand(),
		reopenCommand(),
		claimCommand(),
		assignCommand(),
		replyCommand(),
		noteCommand(),
		setupCommand(),
		linkCommand(),
		unlinkCommand(),
		panelCommand(),
		helpCommand(),
	}
}

// DefaultRegistry is the registry of the built-in subcommands.
func DefaultRegistry() (*Registry, error) { return NewRegistry(builtins()...) }
