// Package slacktest fakes the parts of Slack that ticketbot talks to, for tests and
// benchmarks: a Web API (httptest) speaking Slack's wire formats that keeps a workspace's
// users, channels, user groups, messages, reactions and views, records every call and can
// inject faults per method (error codes, 5xx, hangs, 429 with Retry-After, late answers) and
// show the calls a fault holds; response_url endpoints that keep what was posted to each;
// Socket Mode (apps.connections.open and a websocket that delivers envelopes and reads
// acknowledgements); OAuth v2 installs and Sign in with Slack (OpenID
// Connect with an RS256-signed ID token and its JWKS); builders and a v0 HMAC signer for
// inbound requests; and scanners for live mentions and for text that leaked to a place it
// must not reach.
package slacktest
