// Package discord is ticketbot's Discord adapter: slash commands, buttons and modals arrive
// over the gateway or as Ed25519-signed HTTP interactions and run through the shared bot
// layer; each ticket gets a private thread with its card, and the adapter is the outbox's
// Notifier for Discord guilds (cards, thread messages, DMs), with discordgo kept behind a
// narrow interface of its own.
package discord
