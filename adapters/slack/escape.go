package slack

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Slack reads &, < and > as markup: escaped, user text cannot form <!channel>, <!here>,
// <!everyone>, <!subteam^…> or <@U…> mentions, nor links. Plain "@here"-style words do not
// ping without link_names (which ticketbot never sets), but they get a zero-width space after
// the @ anyway, in case a client or a future API reads them.

var markupEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// broadcastWords matches the plain-text forms of channel-wide mentions.
var broadcastWords = regexp.MustCompile(`(?i)@(here|channel|everyone)`)

const zeroWidthSpace = "\u200b"

// escape makes user text safe to put in a Slack message (mrkdwn or plain).
func escape(s string) string {
	return broadcastWords.ReplaceAllString(markupEscaper.Replace(s), "@"+zeroWidthSpace+"$1")
}

// escapeCut escapes s and cuts the result to at most max runes (Block Kit limits), without
// leaving half an entity at the end.
func escapeCut(s string, max int) string {
	e := escape(s)
	if utf8.RuneCountInString(e) <= max {
		return e
	}
	r := []rune(e)[:max-1]
	cut := string(r)
	if i := strings.LastIndexByte(cut, '&'); i >= 0 && !strings.Contains(cut[i:], ";") {
		cut = cut[:i]
	}
	return cut + "…"
}

var entityUnescaper = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

// unescape turns the text of a Slack message back into what its author typed, as far as
// Slack's own escaping of &, < and > goes (mention tokens like <@U123> stay as they are).
func unescape(s string) string { return entityUnescaper.Replace(s) }

// cut shortens s to at most max runes.
func cut(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	return string([]rune(s)[:max-1]) + "…"
}
