package slack_test

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"testing"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/ticketbot/ticketbot/adapters/slack"
	"github.com/ticketbot/ticketbot/adapters/slack/slacktest"
	"github.com/ticketbot/ticketbot/core"
)

// The lean chat.postMessage sends what slack-go sends, answers with the same channel and ts,
// and fails with the same errors, classified the same way (429 Retry-After, permanent codes).
func TestLeanPostMessageIsSlackGos(t *testing.T) {
	ctx := context.Background()
	fake := slacktest.Start(t, slacktest.Options{})
	blocks := []slackgo.Block{slackgo.NewSectionBlock(slackgo.NewTextBlockObject(slackgo.MarkdownType, "*#1* a & b <c>", false, false), nil, nil)}
	md := &slackgo.SlackMetadata{EventType: "ticketbot_post", EventPayload: map[string]any{"id": "1.2.card"}}
	post := func(lean bool, channel, thread string, broadcast bool) (string, string, error) {
		return slack.PostMessage(ctx, fake.APIURL(), slacktest.DefaultBotToken, lean, channel, thread, "a card & more", blocks, broadcast, md)
	}
	t.Run("sends the same form and reads the same answer", func(t *testing.T) {
		for _, tc := range []struct {
			name, thread string
			broadcast    bool
		}{{"top level", "", false}, {"thread reply, broadcast", "1.000001", true}} {
			t.Run(tc.name, func(t *testing.T) {
				var got [2]slacktest.Call
				for i, lean := range []bool{false, true} {
					ch, ts, err := post(lean, "CLEAN", tc.thread, tc.broadcast)
					if err != nil {
						t.Fatalf("lean=%v: %v", lean, err)
					}
					calls := fake.Find("chat.postMessage", slacktest.Param("thread_ts", tc.thread))
					got[i] = calls[len(calls)-1]
					if ch != got[i].Channel || ts != got[i].TS || ts == "" {
						t.Errorf("lean=%v: answered %q %q, want %q %q", lean, ch, ts, got[i].Channel, got[i].TS)
					}
				}
				if !maps.Equal(got[0].Params, got[1].Params) || got[0].Token != got[1].Token {
					t.Errorf("lean post sent %v (token %q), slack-go %v (token %q)", got[1].Params, got[1].Token, got[0].Params, got[0].Token)
				}
			})
		}
	})
	t.Run("fails as slack-go fails", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			fault  slacktest.Fault
			check  func(error) bool
			reason string
		}{
			{"429", slacktest.Fault{Method: "chat.postMessage", Status: http.StatusTooManyRequests, RetryAfter: 7 * time.Second, Times: 1},
				func(err error) bool { return core.RetryAfterOf(err) == 7*time.Second }, "Retry-After 7s"},
			{"5xx", slacktest.Fault{Method: "chat.postMessage", Status: http.StatusBadGateway, Times: 1},
				func(err error) bool {
					_, ok := errors.AsType[slackgo.StatusCodeError](err)
					return ok && !core.IsPermanent(err)
				}, "a retried status error"},
			{"permanent code", slacktest.Fault{Method: "chat.postMessage", Error: "channel_not_found", Times: 1},
				func(err error) bool { return core.IsPermanent(err) && errors.As(err, new(slackgo.SlackErrorResponse)) }, "permanent channel_not_found"},
			{"other code", slacktest.Fault{Method: "chat.postMessage", Error: "ratelimited_internal", Times: 1},
				func(err error) bool { return !core.IsPermanent(err) && errors.As(err, new(slackgo.SlackErrorResponse)) }, "a retried Slack error"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var msgs [2]string
				for i, lean := range []bool{false, true} {
					fake.Inject(tc.fault)
					_, _, err := post(lean, "CLEAN", "", false)
					if err == nil || !tc.check(err) {
						t.Fatalf("lean=%v: err = %v, want %s", lean, err, tc.reason)
					}
					msgs[i] = err.Error()
				}
				if msgs[0] != msgs[1] {
					t.Errorf("lean post's error %q, slack-go's %q", msgs[1], msgs[0])
				}
			})
		}
	})
}
