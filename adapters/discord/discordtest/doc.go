// Package discordtest fakes the parts of Discord that ticketbot talks to, for tests and
// benchmarks: a REST API (httptest) that records calls, keeps threads and messages and can
// inject 429s and error codes; a gateway (websocket) that identifies clients and dispatches
// events; builders of interaction and message payloads; and an Ed25519 request signer.
package discordtest
