package bot

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ticketbot/ticketbot/core"
)

// Syntax reads a platform's mention tokens: a user ("<@U123|bob>") and a channel
// ("<#C123|help>").
type Syntax interface {
	User(token string) (core.UserRef, bool)
	Channel(token string) (string, bool)
}

// Parse reads the text after /ticket: empty opens the modal; a first word that is a
// subcommand runs it; any other text (or "new TEXT") opens a ticket whose title is the
// first line, cut to core.MaxTitleRunes, and whose description is the rest.
// Errors: invalid, with a usage hint.
func Parse(text string, syn Syntax) (Command, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return Command{Name: "open"}, nil
	}
	first, rest := cutWord(text)
	switch strings.ToLower(first) {
	case "new":
		if rest == "" {
			return Command{Name: "open"}, nil
		}
		return openFromText(rest), nil
	case "help":
		return Command{Name: "help"}, nil
	case "list":
		return parseList(rest)
	case "show", "claim", "reopen":
		n, tail, err := number(first, rest)
		if err != nil {
			return Command{}, err
		}
		c := Command{Name: strings.ToLower(first), Number: n}
		if c.Name == "reopen" {
			c.Note = tail
		} else if tail != "" {
			return Command{}, usage(c.Name)
		}
		return c, nil
	case "close":
		n, tail, err := number(first, rest)
		if err != nil {
			return Command{}, err
		}
		return Command{Name: "close", Number: n, Note: tail}, nil
	case "status":
		n, tail, err := number(first, rest)
		if err != nil {
			return Command{}, err
		}
		word, note := cutWord(tail)
		st, err := core.ParseStatus(word)
		if word == "" || err != nil {
			return Command{}, core.Errorf(core.EInvalid, "usage: /ticket %s (status is open, in_progress, waiting, resolved or closed)", usageOf("status"))
		}
		return Command{Name: "status", Number: n, Status: st, Note: note}, nil
	case "assign":
		n, tail, err := number(first, rest)
		if err != nil {
			return Command{}, err
		}
		who, more := cutWord(tail)
		u, ok := syn.User(who)
		if !ok || more != "" {
			return Command{}, usage("assign")
		}
		return Command{Name: "assign", Number: n, User: u}, nil
	case "setup":
		ch, more := cutWord(rest)
		id, ok := syn.Channel(ch)
		if !ok || more != "" {
			return Command{}, usage("setup")
		}
		return Command{Name: "setup", Channel: id}, nil
	}
	return openFromText(text), nil
}

// openFromText splits free text into title (first line, at most MaxTitleRunes) and
// description (the rest; the whole first line too when it had to be cut).
func openFromText(text string) Command {
	title, desc, _ := strings.Cut(text, "\n")
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
	return Command{Name: "open", Title: title, Description: desc}
}

func parseList(rest string) (Command, error) {
	c := Command{Name: "list"}
	for _, w := range strings.Fields(rest) {
		switch lw := strings.ToLower(w); {
		case lw == "mine":
			c.Mine = true
		case lw == "all" && c.ListStatus == "":
			c.ListStatus = "all"
		case c.ListStatus == "":
			st, err := core.ParseStatus(lw)
			if err != nil {
				return Command{}, usage("list")
			}
			c.ListStatus = string(st)
		default:
			return Command{}, usage("list")
		}
	}
	return c, nil
}

// number reads the ticket number ("12" or "#12") at the start of rest.
func number(cmd, rest string) (int64, string, error) {
	w, tail := cutWord(rest)
	n, err := strconv.ParseInt(strings.TrimPrefix(w, "#"), 10, 64)
	if err != nil || n <= 0 {
		return 0, "", usage(strings.ToLower(cmd))
	}
	return n, tail, nil
}

func cutWord(s string) (string, string) {
	s = strings.TrimSpace(s)
	i := strings.IndexAny(s, " \t\n")
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i:])
}

func usage(name string) error {
	return core.Errorf(core.EInvalid, "usage: /ticket %s (to open a ticket whose text starts with %q, write /ticket new …)", usageOf(name), name)
}

// usageOf returns the usage line of a built-in subcommand.
func usageOf(name string) string {
	for _, s := range builtins() {
		if s.Name == name {
			return s.Usage
		}
	}
	return name
}
