package bot

import (
	"context"
	"fmt"

	"github.com/ticketbot/ticketbot/core"
)

// Subcommand is one /ticket subcommand.
type Subcommand struct {
	Name    string
	Usage   string
	Summary string
	// MinRole is checked by the dispatcher before Run; finer rules (the reporter may close
	// their own ticket) are the core's.
	MinRole core.Role
	Run     func(ctx context.Context, b *Bot, req Request, role core.Role) (Reply, error)
}

// Registry holds the subcommands by name, in the order they were given (help lists them so).
type Registry struct {
	order []Subcommand
	byKey map[string]Subcommand
}

// NewRegistry builds a registry. Errors: a duplicate or empty name.
func NewRegistry(subs ...Subcommand) (*Registry, error) {
	r := &Registry{byKey: map[string]Subcommand{}}
	for _, s := range subs {
		if s.Name == "" || s.Run == nil {
			return nil, fmt.Errorf("bot.NewRegistry: subcommand %q needs a name and a Run", s.Name)
		}
		if _, dup := r.byKey[s.Name]; dup {
			return nil, fmt.Errorf("bot.NewRegistry: duplicate subcommand %q", s.Name)
		}
		r.byKey[s.Name] = s
		r.order = append(r.order, s)
	}
	return r, nil
}

// Lookup returns the subcommand called name.
func (r *Registry) Lookup(name string) (Subcommand, bool) {
	s, ok := r.byKey[name]
	return s, ok
}

// All returns the subcommands in registration order.
func (r *Registry) All() []Subcommand { return append([]Subcommand(nil), r.order...) }

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
		setupCommand(),
		helpCommand(),
	}
}

// DefaultRegistry is the registry of the built-in subcommands.
func DefaultRegistry() (*Registry, error) { return NewRegistry(builtins()...) }
