package slack

import (
	"regexp"

	"github.com/ticketbot/ticketbot/core"
)

// Slack sends mentions in slash-command text as <@U123|name> and <#C123|name> when the command
// has "escape channels, users, and links" on (the manifest sets should_escape).
var (
	userToken    = regexp.MustCompile(`^<@([UW][A-Z0-9]{2,})(?:\|([^>]*))?>$`)
	channelToken = regexp.MustCompile(`^<#([CG][A-Z0-9]{2,})(?:\|([^>]*))?>$`)
	groupToken   = regexp.MustCompile(`^<!subteam\^(S[A-Z0-9]{2,})(?:\|([^>]*))?>$`)
	userID       = regexp.MustCompile(`^[UW][A-Z0-9]{2,}$`)
	channelID    = regexp.MustCompile(`^[CGD][A-Z0-9]{2,}$`)
)

// syntax is bot.Syntax for Slack's mention tokens.
type syntax struct{}

// User reads <@U123|bob> or <@U123>.
func (syntax) User(tok string) (core.UserRef, bool) {
	m := userToken.FindStringSubmatch(tok)
	if m == nil {
		return core.UserRef{}, false
	}
	return core.UserRef{ID: m[1], Name: m[2]}, true
}

// Channel reads <#C123|help>, <#C123> or a bare channel id.
func (syntax) Channel(tok string) (string, bool) {
	if m := channelToken.FindStringSubmatch(tok); m != nil {
		return m[1], true
	}
	if channelID.MatchString(tok) && tok[0] != 'D' {
		return tok, true
	}
	return "", false
}

// isUserID reports whether id looks like a Slack user id (and not, say, a dashboard account).
func isUserID(id string) bool { return userID.MatchString(id) }

// Group reads <!subteam^S123|@helpdesk> (a user group mention).
func (syntax) Group(tok string) (string, bool) {
	if m := groupToken.FindStringSubmatch(tok); m != nil {
		return m[1], true
	}
	return "", false
}
