package bot

import (
	"math"
	"strings"

	"github.com/ticketbot/ticketbot/core"
)

// Option is one structured option as a platform delivered it, in Go terms: a string, a
// float64 or int64 (integers), a bool, or a core.UserRef (a user the platform resolved).
// Users, channels and groups may also come as their id strings.
type Option struct {
	Name  string
	Value any
}

// DecodeOptions turns the options of subcommand name (of the structured surface) into its
// Command, checking them against the declaration. Errors: invalid (unknown subcommand or
// option, a value of the wrong kind, a required option missing).
func (r *Registry) DecodeOptions(name string, opts []Option) (Command, error) {
	s, ok := r.Lookup(name)
	if !ok || !s.On(SurfaceOptions) {
		return Command{}, core.Errorf(core.EInvalid, "unknown subcommand %q", name)
	}
	c := Command{Name: name, Args: Args{}}
	for _, o := range opts {
		a, ok := s.OptionArg(o.Name)
		if !ok {
			return Command{}, core.Errorf(core.EInvalid, "unknown option %q", o.Name)
		}
		v, err := decodeOption(a, o.Value)
		if err != nil {
			return Command{}, err
		}
		if v != nil {
			c.Args[a.Name] = v
		}
	}
	for _, a := range s.ArgsOn(SurfaceOptions) {
		if a.Required && !c.Args.Has(a.Name) {
			return Command{}, core.FieldError(a.Name, "give the %s", optionNoun(a))
		}
	}
	return c, nil
}

func optionNoun(a Arg) string {
	if a.Type == ArgTicket {
		return "ticket's number (1 or more)"
	}
	return strings.ReplaceAll(a.Option(), "_", " ")
}

// decodeOption converts one option value; an empty string is no value.
func decodeOption(a Arg, v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case bool:
		if a.Type == ArgFlag {
			return x, nil
		}
	case float64:
		if a.Type == ArgTicket {
			if x != math.Trunc(x) || x < 1 || x > 1<<53 {
				return nil, core.FieldError(a.Name, "give the %s", optionNoun(a))
			}
			return int64(x), nil
		}
	case int64:
		if a.Type == ArgTicket {
			if x < 1 {
				return nil, core.FieldError(a.Name, "give the %s", optionNoun(a))
			}
			return x, nil
		}
	case core.UserRef:
		if a.Type == ArgUser && x.ID != "" {
			return x, nil
		}
	case string:
		s := strings.TrimSpace(x)
		if s == "" {
			return nil, nil
		}
		switch a.Type {
		case ArgUser:
			return core.UserRef{ID: s}, nil
		case ArgChannel, ArgGroup:
			return s, nil
		case ArgFlag:
			return nil, core.FieldError(a.Name, "the %s option has the wrong kind of value", a.Option())
		}
		return decodeString(a, s, nil)
	}
	return nil, core.FieldError(a.Name, "the %s option has the wrong kind of value", a.Option())
}
