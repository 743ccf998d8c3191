package core

import (
	"context"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Search limits: words shorter than minSearchWord are left out of a search (MariaDB's
// InnoDB full-text index does not keep them), and at most maxSearchWords words are used.
const (
	minSearchWord  = 3
	maxSearchWords = 8
)

// SearchHit is one ticket a search found: how well it matched (higher is better; comparable
// only within one search) and the piece of text that matched, its matching words marked.
type SearchHit struct {
	Ticket  Ticket
	Score   float64
	Snippet []SnippetPart
}

// SnippetPart is a run of a snippet's text; Match marks a word the search matched.
type SnippetPart struct {
	Text  string
	Match bool
}

// Fold is s as search compares it: lower case, accents removed ("Ärger" → "arger"). ASCII
// has no accent to remove (decomposing, dropping marks and composing leave it as it is), so
// it is only lowered: a search folds every word of its hits' texts for their snippets, and
// the Unicode transform costs microseconds a call (a first page's snippets took 5–18 ms).
func Fold(s string) string {
	if isASCII(s) {
		return strings.ToLower(s)
	}
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	return strings.ToLower(out)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// SearchTerms are the words of a search query, folded, in order, each once: runs of letters
// and digits of at least 3 characters, at most 8. A ticket matches when one text of it (its
// title and description, or one message) has, for every term, a word that starts with it.
func SearchTerms(q string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(Fold(q), notWordRune) {
		if len([]rune(w)) < minSearchWord || slices.Contains(out, w) {
			continue
		}
		if out = append(out, w); len(out) == maxSearchWords {
			break
		}
	}
	return out
}

// TextMatches reports whether text matches terms as a search does (see SearchTerms): for
// every term, text has a word that starts with it once folded.
func TextMatches(text string, terms []string) bool {
	if len(terms) == 0 {
		return false
	}
	words := strings.FieldsFunc(Fold(text), notWordRune)
	for _, t := range terms {
		if !slices.ContainsFunc(words, func(w string) bool { return strings.HasPrefix(w, t) }) {
			return false
		}
	}
	return true
}

func notWordRune(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }

// snippetRunes is about how long a snippet is.
const snippetRunes = 160

// Snippet is the part of text around its first word matching one of terms (see
// SearchTerms), with every matching word in it marked, or nil when no word matches.
func Snippet(text string, terms []string) []SnippetPart {
	type span struct{ start, end int } // byte offsets of a word
	var words []span
	start := -1
	for i, r := range text + " " {
		switch {
		case !notWordRune(r) && start < 0:
			start = i
		case notWordRune(r) && start >= 0:
			words = append(words, span{start, i})
			start = -1
		}
	}
	matches := func(w span) bool {
		f := Fold(text[w.start:w.end])
		for _, t := range terms {
			if strings.HasPrefix(f, t) {
				return true
			}
		}
		return false
	}
	first := -1
	for i, w := range words {
		if matches(w) {
			first = i
			break
		}
	}
	if first < 0 {
		return nil
	}
	// The window starts a few words before the first match and ends near snippetRunes.
	from := max(0, first-4)
	lo := words[from].start
	hi := len(text)
	for _, w := range words[from:] {
		if len([]rune(text[lo:w.end])) > snippetRunes {
			hi = w.end
			break
		}
	}
	var out []SnippetPart
	add := func(s string, m bool) {
		if s == "" {
			return
		}
		if n := len(out); n > 0 && out[n-1].Match == m {
			out[n-1].Text += s
			return
		}
		out = append(out, SnippetPart{Text: s, Match: m})
	}
	if lo > 0 {
		add("…", false)
	}
	pos := lo
	for _, w := range words[from:] {
		if w.start >= hi {
			break
		}
		add(text[pos:w.start], false)
		add(text[w.start:w.end], matches(w))
		pos = w.end
	}
	if hi < len(text) {
		add("…", false)
	} else {
		add(text[pos:], false)
	}
	return out
}

// SearchTickets finds the tickets actor may see whose title and description or one of whose
// messages match f.Query (see SearchTerms), best match first (a word common among the newest
// tickets: newest first), within f's other filters; staff also search internal notes,
// requesters never. f.After continues after the hit it names (CursorAfterHit). Errors: invalid (no word to search), forbidden, unavailable, internal.
func (s *Service) SearchTickets(ctx context.Context, actor Actor, f ListFilter) ([]SearchHit, error) {
	f, err := scopeList(actor, f)
	if err != nil {
		return nil, err
	}
	if f.Query == "" {
		return nil, Errorf(EInvalid, "type a word to search for")
	}
	return s.store.SearchTickets(ctx, f)
}

// CursorAfterHit is the cursor that continues a search after h.
func CursorAfterHit(h SearchHit) ListCursor { return ListCursor{ID: h.Ticket.ID, Score: h.Score} }
