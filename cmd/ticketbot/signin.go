package main

import (
	"github.com/ticketbot/ticketbot/adapters/web"
	"github.com/ticketbot/ticketbot/config"
)

// slackSignIn is Sign in with Slack's configuration, or nil when SLACK_CLIENT_ID and
// SLACK_CLIENT_SECRET are not set. Token and userInfo calls go to SLACK_API_URL; the
// sign-in page and the ID token keys are Slack's own. roles may be nil (no Slack adapter):
// everyone then signs in as a requester.
func slackSignIn(c config.Slack, roles web.PlatformRoles) *web.SlackSignIn {
	if !c.SignIn() {
		return nil
	}
	return &web.SlackSignIn{ClientID: c.ClientID, ClientSecret: c.ClientSecret.Reveal(), APIURL: c.APIURL, Roles: roles}
}

// discordSignIn is Sign in with Discord's configuration, or nil when DISCORD_APP_ID and
// DISCORD_CLIENT_SECRET are not set; its calls go to DISCORD_API_URL (the sign-in page to
// that URL's host).
func discordSignIn(c config.Discord, roles web.PlatformRoles) *web.DiscordSignIn {
	if !c.SignIn() {
		return nil
	}
	return &web.DiscordSignIn{ClientID: c.AppID, ClientSecret: c.ClientSecret.Reveal(), APIURL: c.APIURL, Roles: roles}
}
