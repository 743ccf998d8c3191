package slack

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	slackgo "github.com/slack-go/slack"
)

// leanPost is chat.postMessage without slack-go, for the one call the outbox makes per card,
// copy and line. slack-go decodes Slack's whole answer, including the posted message with
// every block (slack.Blocks' own UnmarshalJSON), only for the adapter to keep its channel and
// ts: profiled on a backlog of cards, that decode was about a third of a delivery's CPU.
// leanPost sends the form slack-go sends (the same fields, the token among them) and reads
// only ok, error, channel, ts and the scope diagnostics; it answers with slack-go's own error
// types (RateLimitedError for a 429 with Retry-After, StatusCodeError for another non-200,
// SlackErrorResponse for ok: false), so classify and slackCode treat its errors as before.
// Every other call still goes through slack-go.
type leanPost struct {
	hc       *http.Client
	endpoint string // the API URL + "chat.postMessage"
	token    string
}

// postAnswer is the part of chat.postMessage's answer the adapter uses.
type postAnswer struct {
	OK               bool                     `json:"ok"`
	Error            string                   `json:"error"`
	Channel          string                   `json:"channel"`
	TS               string                   `json:"ts"`
	Needed           string                   `json:"needed"`
	Provided         string                   `json:"provided"`
	ResponseMetadata slackgo.ResponseMetadata `json:"response_metadata"`
}

// maxPostAnswer bounds how much of an answer is read; the fields wanted come first in
// Slack's answers, and an answer larger than this is not one of Slack's.
const maxPostAnswer = 4 << 20

// form is m as chat.postMessage's form into channel (thread when set), field for field what
// slack-go's PostMessage sends for the same options.
func (p *leanPost) form(channel, thread string, m message) (url.Values, error) {
	v := url.Values{"token": {p.token}, "channel": {channel}, "text": {m.Text}}
	if len(m.Blocks) > 0 {
		b, err := json.Marshal(m.Blocks)
		if err != nil {
			return nil, err
		}
		v.Set("blocks", string(b))
	}
	if m.Broadcast {
		v.Set("reply_broadcast", "true")
	}
	if m.Metadata != nil {
		b, err := json.Marshal(*m.Metadata)
		if err != nil {
			return nil, err
		}
		v.Set("metadata", string(b))
	}
	if thread != "" {
		v.Set("thread_ts", thread)
	}
	return v, nil
}

// post is chat.postMessage; it returns the channel and ts of Slack's answer.
func (p *leanPost) post(ctx context.Context, channel, thread string, m message) (string, string, error) {
	v, err := p.form(channel, thread, m)
	if err != nil {
		return "", "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.endpoint, strings.NewReader(v.Encode()))
	if err != nil {
		return "", "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := p.hc.Do(req)
	if err != nil {
		return "", "", err
	}
	defer func() {
		// Read what is left (a little), so the connection is kept for the next post.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
	}()
	if resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") != "" {
		s, err := strconv.ParseInt(resp.Header.Get("Retry-After"), 10, 64)
		if err != nil {
			return "", "", err
		}
		return "", "", &slackgo.RateLimitedError{RetryAfter: time.Duration(s) * time.Second}
	}
	if resp.StatusCode != http.StatusOK {
		return "", "", slackgo.StatusCodeError{Code: resp.StatusCode, Status: resp.Status}
	}
	var a postAnswer
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxPostAnswer)).Decode(&a); err != nil {
		return "", "", err
	}
	if !a.OK && strings.TrimSpace(a.Error) != "" {
		return "", "", slackgo.SlackErrorResponse{Err: a.Error, ResponseMetadata: a.ResponseMetadata, Needed: a.Needed, Provided: a.Provided}
	}
	return a.Channel, a.TS, nil
}
