package core

import (
	"strings"
	"unicode/utf8"
)

// CleanText is what the Service keeps of user text (titles, descriptions, messages, notes):
// invalid UTF-8 replaced, C0 and C1 control characters (except newline and tab; "\r\n" becomes
// "\n"), DEL and the bidirectional embedding, override and isolate characters (which can make
// text read differently from what it is, "Trojan Source") removed, and surrounding space
// trimmed.
func CleanText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if strings.IndexFunc(s, droppedRune) >= 0 {
		s = strings.Map(func(r rune) rune {
			if droppedRune(r) {
				return -1
			}
			return r
		}, s)
	}
	return strings.TrimSpace(s)
}

// droppedRune reports whether CleanText removes r.
func droppedRune(r rune) bool {
	switch {
	case r == '\n' || r == '\t':
		return false
	case r < 0x20, r >= 0x7f && r <= 0x9f: // C0, DEL, C1
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069: // LRE…RLO, LRI…PDI
		return true
	}
	return false
}
