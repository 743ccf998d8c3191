package bot_test

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/bot"
)

// Credentials that travel in URLs never reach a log line, whichever adapter made the call,
// and the error stays inspectable.
func TestRedact(t *testing.T) {
	for _, u := range []string{
		"https://hooks.slack.com/actions/T1/123/SECRET-token",                       // a Slack response_url
		"wss://wss-primary.slack.com/link/?ticket=SECRET-ticket&app_id=A1",          // a Socket Mode URL
		"https://discord.com/api/v9/interactions/123/SECRET-token_x/callback",       // a Discord interaction
		"https://discord.com/api/v9/webhooks/456/SECRET-token_x/messages/@original", // its follow-up
	} {
		ue := &url.Error{Op: "Post", URL: u, Err: errors.New("dial tcp: connection refused")}
		err := bot.Redact(fmt.Errorf("wrapped: %w", ue))
		if strings.Contains(err.Error(), "SECRET") || strings.Contains(ue.URL, "SECRET") {
			t.Errorf("%s: redacted to %q (url %q)", u, err, ue.URL)
		}
		var got *url.Error
		if !errors.As(err, &got) || !strings.Contains(err.Error(), "connection refused") || !bot.IsRedacted(err) {
			t.Errorf("%s: the cause is lost: %v", u, err)
		}
	}
	copied := "https://discord.com/api/v9/webhooks/456/SECRET-x"
	err := bot.Redact(fmt.Errorf("429 on %s", copied), &copied)
	if strings.Contains(err.Error(), "SECRET") || strings.Contains(copied, "SECRET") {
		t.Errorf("an extra URL was kept: %q, %q", err, copied)
	}
	if bot.Redact(nil) != nil {
		t.Error("Redact(nil) != nil")
	}
	plain := errors.New("no url here")
	if bot.Redact(plain) != plain {
		t.Error("an error without URLs should come back as it is")
	}
}
