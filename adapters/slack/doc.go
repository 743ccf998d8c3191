// Package slack is ticketbot's Slack adapter: it takes /ticket slash commands, modals, button
// presses and thread messages from Slack (signed HTTP requests or Socket Mode) into the bot and
// core layers, and delivers the core's outbox events back to Slack as Block Kit ticket cards,
// thread notes and direct messages.
package slack
