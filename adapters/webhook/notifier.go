package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// Tickets is what the deliverer reads to build payloads.
type Tickets interface {
	Ticket(ctx context.Context, id int64) (core.Ticket, error)
	Message(ctx context.Context, id int64) (core.Message, error)
}

// Config builds a Notifier; zero fields take the defaults in brackets.
type Config struct {
	Webhooks *core.Webhooks
	Tickets  Tickets
	Guard    Guard
	Clock    core.Clock
	Log      *slog.Logger
	// Timeout bounds one POST [10s].
	Timeout time.Duration
	// GiveUpAfter is how long an event is retried for an endpoint that keeps failing before
	// that endpoint's delivery is given up, so one dead receiver does not hold a ticket's
	// later events forever [24h].
	GiveUpAfter time.Duration
}

// Notifier is the outbox Notifier of the webhook platform: it POSTs each event to every
// endpoint that wants it and has not had it yet, and records every attempt.
type Notifier struct {
	c      Config
	client *http.Client
}

// New builds the Notifier. Errors: invalid (no Webhooks or Tickets).
func New(c Config) (*Notifier, error) {
	if c.Webhooks == nil || c.Tickets == nil {
		return nil, core.Errorf(core.EInvalid, "webhook.New: Webhooks and Tickets are required")
	}
	if c.Clock == nil {
		c.Clock = core.SystemClock{}
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.GiveUpAfter <= 0 {
		c.GiveUpAfter = 24 * time.Hour
	}
	tr := &http.Transport{DialContext: c.Guard.DialContext, ForceAttemptHTTP2: true,
		TLSHandshakeTimeout: 10 * time.Second, MaxIdleConnsPerHost: 4, IdleConnTimeout: time.Minute}
	client := &http.Client{Transport: tr, Timeout: c.Timeout,
		// A redirect is an answer, not a new place to send the event to.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &Notifier{c: c, client: client}, nil
}

// Platform is core.PlatformWebhook.
func (n *Notifier) Platform() core.Platform { return core.PlatformWebhook }

// Sign is the X-Ticketbot-Signature of body sent at t: t=UNIX,v1=HEX(HMAC-SHA256(secret, "t.body")).
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "."))
	m.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

// Notify delivers ev to the endpoints that want it and are not done with it. It returns nil
// once every such endpoint answered 2xx or refused for good (a 4xx other than 408 and 429),
// and an error otherwise, so the dispatcher retries the rest with backoff.
func (n *Notifier) Notify(ctx context.Context, ev core.Event) error {
	targets, err := n.targets(ctx, ev)
	if err != nil || len(targets) == 0 {
		return err
	}
	body, err := n.payload(ctx, ev)
	if err != nil {
		return err
	}
	var pending []error
	var retryAfter time.Duration
	for _, e := range targets {
		d, after := n.post(ctx, e, ev, body)
		if rerr := n.c.Webhooks.Store().RecordDelivery(context.WithoutCancel(ctx), d); rerr != nil {
			pending = append(pending, rerr)
			continue
		}
		if !d.Done() {
			pending = append(pending, fmt.Errorf("webhook %d: %s", e.ID, d.Error))
			retryAfter = max(retryAfter, after)
		}
	}
	if len(pending) == 0 {
		return nil
	}
	err = errors.Join(pending...)
	if retryAfter > 0 {
		return core.RetryAfter(err, retryAfter)
	}
	return err
}

// targets are the endpoints that want ev and still need it.
func (n *Notifier) targets(ctx context.Context, ev core.Event) ([]core.WebhookEndpoint, error) {
	st := n.c.Webhooks.Store()
	var eps []core.WebhookEndpoint
	if ev.Kind == core.EventWebhookTest {
		id, _ := strconv.ParseInt(endpointOf(ev), 10, 64)
		e, err := st.Webhook(ctx, id)
		if core.IsCode(err, core.ENotFound) {
			return nil, nil // deleted since
		}
		if err != nil {
			return nil, err
		}
		eps = []core.WebhookEndpoint{e}
	} else {
		all, err := st.Webhooks(ctx, ev.Workspace, false)
		if err != nil {
			return nil, err
		}
		for _, e := range all {
			if e.Wants(ev.Kind) {
				eps = append(eps, e)
			}
		}
	}
	if len(eps) == 0 {
		return nil, nil
	}
	done, err := st.FinishedEndpoints(ctx, ev.ID)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(eps, func(e core.WebhookEndpoint) bool { return slices.Contains(done, e.ID) }), nil
}

func endpointOf(ev core.Event) string {
	for _, c := range ev.Changes {
		if c.Field == "endpoint" {
			return c.To
		}
	}
	return ""
}

// post sends body to e once and describes the attempt; after is a Retry-After the receiver asked for.
func (n *Notifier) post(ctx context.Context, e core.WebhookEndpoint, ev core.Event, body []byte) (core.WebhookDelivery, time.Duration) {
	start := n.c.Clock.Now()
	d := core.WebhookDelivery{EndpointID: e.ID, EventID: ev.ID, Kind: ev.Kind, TicketID: ev.TicketID, Attempt: max(ev.Attempts, 1), At: start}
	giveUp := func() {
		if !d.OK && !d.Permanent && start.Sub(ev.CreatedAt) >= n.c.GiveUpAfter {
			d.Permanent, d.Error = true, d.Error+" (given up after "+n.c.GiveUpAfter.String()+")"
		}
	}
	defer giveUp()
	secret, err := n.c.Webhooks.Secret(e)
	if err != nil {
		d.Error = "the endpoint's secret cannot be opened: " + core.ErrorMessage(err)
		return d, 0
	}
	if err := n.c.Guard.CheckURL(ctx, e.URL); err != nil {
		d.Error, d.Permanent = core.ErrorMessage(err), isRefusal(err)
		return d, 0
	}
	rctx, cancel := context.WithTimeout(ctx, n.c.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, e.URL, bytes.NewReader(body))
	if err != nil {
		d.Error, d.Permanent = err.Error(), true
		return d, 0
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "ticketbot-webhooks/1")
	req.Header.Set("X-Ticketbot-Event", string(ev.Kind))
	req.Header.Set("X-Ticketbot-Delivery", strconv.FormatInt(ev.ID, 10))
	req.Header.Set("X-Ticketbot-Signature", Sign(secret, start, body))
	began := time.Now() // the duration is measured on the wall clock, whatever Clock says
	resp, err := n.client.Do(req)
	d.Duration = time.Since(began)
	if err != nil {
		d.Error = err.Error()
		return d, 0
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	d.StatusCode = resp.StatusCode
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		d.OK = true
	case resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode == http.StatusTooManyRequests:
		d.Error = resp.Status
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
			return d, min(time.Duration(s)*time.Second, time.Hour)
		}
	case resp.StatusCode >= 400 && resp.StatusCode < 500:
		d.Error, d.Permanent = resp.Status+" (not retried)", true
	default:
		d.Error = resp.Status
	}
	return d, 0
}

// isRefusal tells a URL the guard refuses (for good) from a lookup that failed for now.
func isRefusal(err error) bool {
	var ce *core.Error
	return errors.As(err, &ce) && ce.Err == nil
}
