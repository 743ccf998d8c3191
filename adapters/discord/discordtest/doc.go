// Package discordtest fakes the parts of Discord that ticketbot talks to, for tests and
// benchmarks: a REST API (httptest) that records calls, keeps guilds, roles, members,
// channels with permission overwrites, threads, messages (nonce with enforce_nonce, files,
// edits, deletions) and DM channels, serves OAuth2 (authorisation code with PKCE) and can
// inject faults (error codes, 429 with retry_after, slow, hung and late answers); a gateway
// (websocket) that identifies clients and dispatches events; builders of interaction and
// message payloads; an Ed25519 request signer; and scanners for text leaked to
// requester-facing channels and for messages that could ping.
package discordtest
