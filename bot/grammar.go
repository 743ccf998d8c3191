package bot

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ticketbot/ticketbot/core"
)

// Syntax reads a platform's mention tokens in typed text: a user ("<@U123|bob>"), a channel
// ("<#C123|help>") and a group of people ("<!subteam^S123|@helpdesk>").
type Syntax interface {
	User(token string) (core.UserRef, bool)
	Channel(token string) (string, bool)
	Group(token string) (string, bool)
}

// Parse reads the text typed after the command, by the registry's declarations: empty text
// runs the fallback subcommand without arguments (the open form); a first word that is a
// subcommand runs it with the rest read as its arguments; any other text runs the fallback
// with the whole text. Errors: invalid, with the usage line.
func (r *Registry) Parse(text string, syn Syntax) (Command, error) {
	text = strings.TrimSpace(text)
	fb, hasFallback := r.fallback()
	if text == "" {
		if !hasFallback {
			return Command{}, core.Errorf(core.EInvalid, "type a subcommand")
		}
		return Command{Name: fb.Name, Args: Args{}}, nil
	}
	first, rest := cutWord(text)
	if second, tail := cutWord(rest); second != "" {
		// A subcommand typed in two words ("setup link") goes before the one typed in its
		// first word.
		if _, ok := r.byWord(strings.ToLower(first + " " + second)); ok {
			first, rest = first+" "+second, tail
		}
	}
	if s, ok := r.byWord(strings.ToLower(first)); ok {
		c, err := parseArgs(s, rest, syn)
		if err != nil {
			hint := ""
			if hasFallback {
				hint = fmt.Sprintf(" (to open a ticket whose text starts with %q, write %s %s …)", first, "/ticket", fb.word())
			}
			return Command{}, core.Errorf(core.EInvalid, "%s; usage: /ticket %s%s", core.ErrorMessage(err), s.Usage(), hint)
		}
		return c, nil
	}
	if !hasFallback {
		return Command{}, core.Errorf(core.EInvalid, "unknown subcommand %q", first)
	}
	return parseArgs(fb, text, syn)
}

// parseArgs reads rest as s's text-surface arguments.
func parseArgs(s Subcommand, rest string, syn Syntax) (Command, error) {
	c := Command{Name: s.Name, Args: Args{}}
	args := s.ArgsOn(SurfaceText)
	filled := map[string]bool{}
	pos := 0 // next positional argument
	for rest = strings.TrimSpace(rest); rest != ""; rest = strings.TrimSpace(rest) {
		word, tail := cutWord(rest)
		lw := strings.ToLower(word)
		if a, ok := keywordArg(args, lw, filled); ok {
			if a.Type == ArgFlag {
				c.Args[a.Name], filled[a.Name] = true, true
				rest = tail
				continue
			}
			v, after, err := readValue(a, tail, syn)
			if err != nil {
				return Command{}, err
			}
			c.Args[a.Name], filled[a.Name] = v, true
			rest = after
			continue
		}
		matched := false
		for pos < len(args) {
			a := args[pos]
			pos++
			if a.Keyword != "" || a.Type == ArgFlag || filled[a.Name] {
				continue
			}
			v, after, err := readValue(a, rest, syn)
			if err != nil {
				if a.Required {
					return Command{}, err
				}
				continue // an optional argument left out; try the next one
			}
			c.Args[a.Name], filled[a.Name] = v, true
			rest, matched = after, true
			break
		}
		if !matched {
			return Command{}, core.Errorf(core.EInvalid, "%q is not expected here", word)
		}
	}
	for _, a := range args {
		if a.Required && !filled[a.Name] {
			return Command{}, core.Errorf(core.EInvalid, "%s is missing", a.placeholder())
		}
	}
	return c, nil
}

// keywordArg finds the unfilled keyword argument or flag called word.
func keywordArg(args []Arg, word string, filled map[string]bool) (Arg, bool) {
	for _, a := range args {
		if filled[a.Name] {
			continue
		}
		if (a.Keyword != "" && a.Keyword == word) || (a.Type == ArgFlag && a.Name == word) {
			return a, true
		}
	}
	return Arg{}, false
}

// readValue reads one value of a's type from the start of s and returns the rest.
func readValue(a Arg, s string, syn Syntax) (any, string, error) {
	if a.Type == ArgText {
		t := strings.TrimSpace(s)
		if t == "" {
			return nil, s, core.Errorf(core.EInvalid, "%s is missing", a.placeholder())
		}
		if err := checkLen(a, t); err != nil {
			return nil, s, err
		}
		return t, "", nil
	}
	word, tail := cutWord(s)
	if word == "" {
		return nil, s, core.Errorf(core.EInvalid, "%s is missing", a.placeholder())
	}
	v, err := decodeString(a, word, syn)
	return v, tail, err
}

// decodeString turns one typed word (or an option's string value) into a's value.
func decodeString(a Arg, word string, syn Syntax) (any, error) {
	switch a.Type {
	case ArgTicket:
		return ticketNumber(word)
	case ArgStatus:
		if extra := matchChoice(a.Choices, word); extra != "" {
			return extra, nil
		}
		st, err := core.ParseStatus(word)
		if err != nil {
			return nil, err
		}
		return st, nil
	case ArgPriority:
		p, err := core.ParsePriority(word)
		if err != nil || strings.TrimSpace(word) == "" {
			return nil, core.Errorf(core.EInvalid, "unknown priority %q (use low, normal, high or urgent)", word)
		}
		return p, nil
	case ArgUser:
		if syn != nil {
			if u, ok := syn.User(word); ok {
				return u, nil
			}
		}
		return nil, core.Errorf(core.EInvalid, "%q is not a person (mention them with @)", word)
	case ArgChannel:
		if syn != nil {
			if id, ok := syn.Channel(word); ok {
				return id, nil
			}
		}
		return nil, core.Errorf(core.EInvalid, "%q is not a channel (mention it with #)", word)
	case ArgGroup:
		if syn != nil {
			if id, ok := syn.Group(word); ok {
				return id, nil
			}
		}
		return nil, core.Errorf(core.EInvalid, "%q is not a group (mention it with @)", word)
	case ArgWord:
		if len(a.Choices) > 0 {
			if c := matchChoice(a.Choices, word); c != "" {
				return c, nil
			}
			return nil, core.Errorf(core.EInvalid, "%q is not one of %s", word, strings.Join(a.Choices, ", "))
		}
		return word, checkLen(a, word)
	case ArgText:
		return word, checkLen(a, word)
	}
	return nil, core.Errorf(core.EInvalid, "unexpected %q", word)
}

func matchChoice(choices []string, word string) string {
	for _, c := range choices {
		if strings.EqualFold(c, word) {
			return c
		}
	}
	return ""
}

func checkLen(a Arg, s string) error {
	if a.MaxLen > 0 {
		if n := utf8.RuneCountInString(s); n > a.MaxLen {
			return core.FieldError(a.Name, "the %s is %d characters long; the limit is %d", a.Name, n, a.MaxLen)
		}
	}
	return nil
}

// ticketNumber reads "12" or "#12".
// ticketNumber reads "12" or "#12" (a ticket of this workspace, an int64) or a linked ticket's
// reference such as "d12" (a TicketRef, see ParseTicketRef).
func ticketNumber(w string) (any, error) {
	if ref, ok := ParseTicketRef(w); ok {
		return ref, nil
	}
	return localNumber(w)
}

func localNumber(w string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(w), "#"), 10, 64)
	if err != nil || n <= 0 {
		return 0, core.Errorf(core.EInvalid, "%q is not a ticket number", w)
	}
	return n, nil
}

func cutWord(s string) (string, string) {
	s = strings.TrimSpace(s)
	i := strings.IndexAny(s, " \t\n")
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i:])
}

// SplitText splits free text into a title (the first line, at most core.MaxTitleRunes) and a
// description (the rest; the whole first line too when it had to be cut).
func SplitText(text string) (title, desc string) {
	title, desc, _ = strings.Cut(strings.TrimSpace(text), "\n")
	title = strings.TrimSpace(title)
	desc = strings.TrimSpace(desc)
	if utf8.RuneCountInString(title) > core.MaxTitleRunes {
		full := title
		r := []rune(title)
		cut := string(r[:core.MaxTitleRunes-1])
		if i := strings.LastIndexByte(cut, ' '); i > core.MaxTitleRunes/2 {
			cut = cut[:i]
		}
		title = strings.TrimSpace(cut) + "…"
		desc = strings.TrimSpace(full + "\n" + desc)
	}
	return title, desc
}
