package slacktest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Signature is Slack's v0 request signature of body sent at timestamp (Unix seconds):
// "v0=" + hex(HMAC-SHA256(secret, "v0:" + timestamp + ":" + body)).
func Signature(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + timestamp + ":"))
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// Sign returns the X-Slack-Request-Timestamp and X-Slack-Signature headers of body sent at ts.
func Sign(secret string, ts time.Time, body []byte) http.Header {
	stamp := strconv.FormatInt(ts.Unix(), 10)
	h := http.Header{}
	h.Set("X-Slack-Request-Timestamp", stamp)
	h.Set("X-Slack-Signature", Signature(secret, stamp, body))
	return h
}

// Signer signs inbound requests with a signing secret at the time its clock reads.
type Signer struct {
	Secret string
	// Clock is when requests are signed [time.Now]; set it to sign stale or future requests.
	Clock func() time.Time
}

// Headers returns the signature headers of body.
func (s Signer) Headers(body []byte) http.Header {
	now := time.Now
	if s.Clock != nil {
		now = s.Clock
	}
	return Sign(s.Secret, now(), body)
}

// Form and JSON are the content types of Slack's inbound requests.
const (
	FormType = "application/x-www-form-urlencoded"
	JSONType = "application/json"
)

// Response is the adapter's answer to an inbound request.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	// JSON is the body decoded, when it is a JSON object.
	JSON map[string]any
	Took time.Duration
}

// Text returns the string at a dotted path of the JSON answer ("errors.title").
func (r Response) Text(path string) string {
	var v any = r.JSON
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[k]
	}
	s, _ := v.(string)
	return s
}

// Client posts signed requests to ticketbot's Slack endpoints under BaseURL (/slack/commands,
// /slack/events, /slack/interactivity).
type Client struct {
	BaseURL string
	Signer  Signer
	HTTP    *http.Client // [http.DefaultClient]
}

// Post sends body to path signed, with extra headers (which may replace the signature's).
func (c Client) Post(ctx context.Context, path, contentType string, body []byte, extra http.Header) (Response, error) {
	h := c.Signer.Headers(body)
	for k, vs := range extra {
		h[k] = vs
	}
	return c.Raw(ctx, path, contentType, body, h)
}

// Raw sends body to path with exactly the headers h (and contentType).
func (c Client) Raw(ctx context.Context, path, contentType string, body []byte, h http.Header) (Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(c.BaseURL, "/")+path, bytes.NewReader(body))
	if err != nil {
		return Response{}, err
	}
	req.Header = h.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	req.Header.Set("Content-Type", contentType)
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	start := time.Now()
	res, err := hc.Do(req)
	if err != nil {
		return Response{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	r := Response{Status: res.StatusCode, Header: res.Header, Body: b, Took: time.Since(start)}
	_ = json.Unmarshal(b, &r.JSON)
	return r, err
}

// Command posts a slash command.
func (c Client) Command(ctx context.Context, cmd Command) (Response, error) {
	return c.Post(ctx, "/slack/commands", FormType, []byte(cmd.Form().Encode()), nil)
}

// Event posts an Events API body (EventCallback); retry > 0 marks it as Slack's retry number retry.
func (c Client) Event(ctx context.Context, body []byte, retry int) (Response, error) {
	var h http.Header
	if retry > 0 {
		h = http.Header{"X-Slack-Retry-Num": {strconv.Itoa(retry)}, "X-Slack-Retry-Reason": {"http_timeout"}}
	}
	return c.Post(ctx, "/slack/events", JSONType, body, h)
}

// Interact posts an interaction payload (payload= form field).
func (c Client) Interact(ctx context.Context, it Interaction) (Response, error) {
	return c.Post(ctx, "/slack/interactivity", FormType, it.Form(), nil)
}
