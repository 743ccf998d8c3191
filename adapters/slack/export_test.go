package slack

import (
	"context"
	"net/http"

	slackgo "github.com/slack-go/slack"
)

// PostMessage is chat.postMessage of text, blocks, broadcast and metadata into channel
// (thread when set) with token at apiURL, the lean way when lean, through slack-go otherwise
// (for tests that compare the two).
func PostMessage(ctx context.Context, apiURL, token string, lean bool, channel, thread, text string, blocks []slackgo.Block, broadcast bool, md *slackgo.SlackMetadata) (string, string, error) {
	api := sdkAPI{c: slackgo.New(token, slackgo.OptionAPIURL(apiURL))}
	if lean {
		api = newSDKAPI(token, apiURL, http.DefaultClient, []slackgo.Option{slackgo.OptionAPIURL(apiURL)})
	}
	return api.post(ctx, channel, thread, message{Text: text, Blocks: blocks, Broadcast: broadcast, Metadata: md})
}
