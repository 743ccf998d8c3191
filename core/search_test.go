package core_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/gormstore"
)

func TestSearchTerms(t *testing.T) {
	for q, want := range map[string][]string{
		"Ärger":                 {"arger"},
		"  printer JAM printer": {"printer", "jam"},
		"on a vpn":              {"vpn"},
		"%_*\"":                 nil,
		"a b c d e f g h i j k l m n o p q r s t u v w x y z": nil,
		"one two six ten owl cat dog emu elk yak":             {"one", "two", "six", "ten", "owl", "cat", "dog", "emu"},
		"日本語のテキスト":                                            {"日本語のテキスト"},
	} {
		if got := core.SearchTerms(q); !slices.Equal(got, want) {
			t.Errorf("SearchTerms(%q) = %q, want %q", q, got, want)
		}
	}
}

func TestSnippet(t *testing.T) {
	render := func(ps []core.SnippetPart) string {
		var b strings.Builder
		for _, p := range ps {
			if p.Match {
				b.WriteString("[" + p.Text + "]")
			} else {
				b.WriteString(p.Text)
			}
		}
		return b.String()
	}
	long := strings.Repeat("filler ", 40)
	for _, c := range []struct{ text, q, want string }{
		{"So viel Ärger mit dem Drucker", "ärger", "So viel [Ärger] mit dem Drucker"},
		{"printer and Printers", "print", "[printer] and [Printers]"},
		{"nothing here", "vpn", ""},
		{long + "the vpn is down " + long, "vpn", "…filler filler filler the [vpn] is down " + strings.TrimSpace(long[:len(long)-len(long)%7])},
	} {
		got := render(core.Snippet(c.text, core.SearchTerms(c.q)))
		if c.want != "" && !strings.HasPrefix(got, c.want[:min(len(c.want), 60)]) || c.want == "" && got != "" {
			t.Errorf("Snippet(%.30q, %q) = %q, want %q", c.text, c.q, got, c.want)
		}
		if c.want != "" && len([]rune(got)) > 200 {
			t.Errorf("Snippet is %d characters long", len([]rune(got)))
		}
	}
}

// TestSearchVisibility: the core decides who searches internal notes (staff) and who does
// not (requesters, whose search also stays within their own tickets).
func TestSearchVisibility(t *testing.T) {
	eachBackend(t, func(t *testing.T, svc *core.Service, _ *gormstore.Store) {
		ctx := context.Background()
		u1, u2 := actor(wsA, "U1", core.RoleRequester), actor(wsA, "U2", core.RoleRequester)
		staff := actor(wsA, "S1", core.RoleStaff)
		mine := mustOpen(t, svc, u1, "laptop")
		theirs := mustOpen(t, svc, u2, "keyboard sticky")
		if _, _, err := svc.AddMessage(ctx, staff, mine.ID, core.MessageInput{ExternalID: "n1", Content: "keyboard swap denied", Internal: true}); err != nil {
			t.Fatal(err)
		}
		count := func(a core.Actor, q string) int {
			hits, err := svc.SearchTickets(ctx, a, core.ListFilter{Query: q})
			if err != nil {
				t.Fatalf("SearchTickets(%s, %q): %v", a.User.ID, q, err)
			}
			return len(hits)
		}
		if n := count(staff, "keyboard"); n != 2 {
			t.Errorf("staff find %d tickets for a word in a title and an internal note, want 2", n)
		}
		if n := count(u1, "keyboard"); n != 0 {
			t.Errorf("a requester finds %d tickets through an internal note or someone else's ticket, want 0", n)
		}
		if n := count(u2, "keyboard"); n != 1 {
			t.Errorf("a requester finds %d of their own tickets, want 1 (#%d)", n, theirs.Number)
		}
		if _, err := svc.SearchTickets(ctx, staff, core.ListFilter{Query: "%"}); !core.IsCode(err, core.EInvalid) {
			t.Errorf("a query without words: %v, want invalid", err)
		}
	})
}

// TestFold: ASCII is only lowered (it has nothing to decompose), the rest loses its accents
// too; both give what the full Unicode fold gives, and ASCII costs at most the lowered copy.
func TestFold(t *testing.T) {
	full := func(s string) string {
		out, _, err := transform.String(transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC), s)
		if err != nil {
			t.Fatal(err)
		}
		return strings.ToLower(out)
	}
	var ascii strings.Builder
	for c := range 128 {
		ascii.WriteByte(byte(c))
	}
	for s, want := range map[string]string{
		"Ärger":                   "arger",
		"PRINTER jams on floor 3": "printer jams on floor 3",
		"Crème BRÛLÉE":            "creme brulee",
		"İstanbul":                "istanbul",
		"日本語":                     "日本語",
		ascii.String():            strings.ToLower(ascii.String()),
	} {
		if got := core.Fold(s); got != want || got != full(s) {
			t.Errorf("Fold(%q) = %q, want %q (the full fold: %q)", s, got, want, full(s))
		}
	}
	if n := testing.AllocsPerRun(100, func() { core.Fold("Printer") }); n > 1 {
		t.Errorf("Fold of an ASCII word: %v allocations, want at most 1", n)
	}
}
