package discord

import (
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

// zwsp breaks a mention without changing how the text reads.
const zwsp = "\u200b"

// escapeText makes user text render literally in Discord markdown: markdown characters are
// backslash-escaped (block markers only at the start of a line) and every "@" is followed by a zero-width space, so "@everyone", "@here",
// "<@123>" and "<@&456>" never become mentions (allowed_mentions is the second guard).
func escapeText(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	lineStart := true
	for _, r := range s {
		switch r {
		case '\\', '*', '_', '~', '`', '|', '[', ']':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '#', '-', '>': // headings, lists and quotes only start a line
			if lineStart {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		case '@':
			b.WriteString("@" + zwsp)
		default:
			b.WriteRune(r)
		}
		lineStart = r == '\n' || (lineStart && (r == ' ' || r == '\t'))
	}
	return b.String()
}

// truncate cuts s to at most n runes, ending with "…" when it had to cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// noMentions is allowed_mentions that pings nobody. Parse must be an empty slice, not nil:
// nil marshals as "parse": null, and only an explicit [] is unambiguous.
func noMentions() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}

// mentionUsers is allowed_mentions that pings exactly users.
func mentionUsers(users ...string) *discordgo.MessageAllowedMentions {
	m := noMentions()
	for _, u := range users {
		if u != "" {
			m.Users = append(m.Users, u)
		}
	}
	return m
}

// userMention renders a user mention (in embeds it never pings); an id that is not a Discord
// snowflake (a dashboard account, say) is shown as escaped text instead.
func userMention(id string) string {
	if !isSnowflake(id) {
		return escapeText(id)
	}
	return "<@" + id + ">"
}

// isSnowflake reports whether id looks like a Discord id.
func isSnowflake(id string) bool {
	if id == "" || len(id) > 20 {
		return false
	}
	for _, c := range id {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// channelMention renders a channel link.
func channelMention(id string) string { return "<#" + id + ">" }
