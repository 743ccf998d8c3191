package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
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
	buffers  sync.Pool // scratch *bytes.Buffer for forms and answers
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
// slack-go's PostMessage sends for the same options, encoded as url.Values.Encode encodes it
// (keys in order).
//
// It is written into one pooled buffer instead of through url.Values: Encode allocates an
// escaped copy of every value and grows its builder by doubling, and a card's blocks are
// about 1.7 KB of JSON, 5 KB escaped. Profiled on a backlog of 10,000 cards (tbbench -suite
// outbox), a post allocated 21 KB, most of it there (7 KB now, the body string the largest
// part of it). The blocks are marshalled into a pooled buffer too (json.Encoder, whose
// output is json.Marshal's and a newline).
func (p *leanPost) form(channel, thread string, m message) (string, error) {
	js := p.buffer()
	defer p.release(js)
	body := p.buffer()
	defer p.release(body)
	field := func(k string, v []byte) {
		if body.Len() > 0 {
			body.WriteByte('&')
		}
		body.WriteString(k) // every key is made of unreserved characters
		body.WriteByte('=')
		body.Write(appendQueryEscape(body.AvailableBuffer(), v))
	}
	marshal := func(v any) ([]byte, error) {
		js.Reset()
		if err := json.NewEncoder(js).Encode(v); err != nil {
			return nil, err
		}
		return bytes.TrimSuffix(js.Bytes(), []byte("\n")), nil
	}
	body.Grow(3*len(m.Text) + 512)
	if len(m.Blocks) > 0 {
		b, err := marshal(m.Blocks)
		if err != nil {
			return "", err
		}
		body.Grow(3 * len(b))
		field("blocks", b)
	}
	field("channel", []byte(channel))
	if m.Metadata != nil {
		b, err := marshal(*m.Metadata)
		if err != nil {
			return "", err
		}
		field("metadata", b)
	}
	if m.Broadcast {
		field("reply_broadcast", []byte("true"))
	}
	field("text", []byte(m.Text))
	if thread != "" {
		field("thread_ts", []byte(thread))
	}
	field("token", []byte(p.token))
	return body.String(), nil
}

// appendQueryEscape appends s escaped as url.QueryEscape escapes it (RFC 3986's unreserved
// characters kept, a space as '+', every other byte as %XX), without its allocation.
func appendQueryEscape(dst, s []byte) []byte {
	const hex = "0123456789ABCDEF"
	for _, c := range s {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == '~':
			dst = append(dst, c)
		case c == ' ':
			dst = append(dst, '+')
		default:
			dst = append(dst, '%', hex[c>>4], hex[c&15])
		}
	}
	return dst
}

// maxPooled is the largest buffer kept for the next post; a larger one is let go.
const maxPooled = 64 << 10

// buffer is an empty scratch buffer, from the pool when it has one.
func (p *leanPost) buffer() *bytes.Buffer {
	if b, ok := p.buffers.Get().(*bytes.Buffer); ok {
		b.Reset()
		return b
	}
	return new(bytes.Buffer)
}

// release gives b back to the pool; nothing may use it after.
func (p *leanPost) release(b *bytes.Buffer) {
	if b.Cap() <= maxPooled {
		p.buffers.Put(b)
	}
}

// post is chat.postMessage; it returns the channel and ts of Slack's answer.
func (p *leanPost) post(ctx context.Context, channel, thread string, m message) (string, string, error) {
	body, err := p.form(channel, thread, m)
	if err != nil {
		return "", "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.endpoint, strings.NewReader(body))
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
	// The answer is read into a pooled buffer and decoded from there: a json.Decoder grows a
	// buffer of its own for each answer (Slack's echoes the posted message, blocks and all).
	buf := p.buffer()
	defer p.release(buf)
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, maxPostAnswer)); err != nil {
		return "", "", err
	}
	var a postAnswer
	if err := json.Unmarshal(buf.Bytes(), &a); err != nil {
		return "", "", err
	}
	if !a.OK && strings.TrimSpace(a.Error) != "" {
		return "", "", slackgo.SlackErrorResponse{Err: a.Error, ResponseMetadata: a.ResponseMetadata, Needed: a.Needed, Provided: a.Provided}
	}
	return a.Channel, a.TS, nil
}
