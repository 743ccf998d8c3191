// Package bot is the chat-neutral layer shared by the Slack and Discord adapters: the /ticket
// grammar and its subcommands (one file each, one registry), the dispatcher that resolves
// roles, applies rate limits and deadlines, recovers panics and turns core errors into short
// replies, and the neutral reply model (cards, fields, buttons) each adapter renders.
package bot
