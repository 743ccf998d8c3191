package core

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"
)

// PlatformWebhook is the target of outbox events meant for webhook endpoints: the store
// writes a twin of each ticket.opened, ticket.changed and message.added event with this
// platform while an endpoint could want it, so webhook deliveries keep their own order per
// ticket and an outage of Slack or Discord does not hold them up (nor the reverse).
const PlatformWebhook Platform = "webhook"

// EventWebhookTest is a test event sent to one endpoint (its id in Change "endpoint").
const EventWebhookTest EventKind = "webhook.test"

// WebhookEvents are the event kinds an endpoint may subscribe to.
func WebhookEvents() []EventKind {
	return []EventKind{EventTicketOpened, EventTicketChanged, EventMessageAdded}
}

// WebhookEndpoint is an admin's registered receiver of events.
type WebhookEndpoint struct {
	ID int64
	// Workspace limits the endpoint to one workspace's events; zero: every workspace.
	Workspace Workspace
	URL       string
	// Events the endpoint receives; empty: all of WebhookEvents.
	Events []EventKind
	Active bool
	// Secret signs deliveries; sealed with "webhook:<id>" as context.
	Secret    Sealed
	CreatedBy UserRef
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Wants reports whether the endpoint receives events of kind.
func (e WebhookEndpoint) Wants(kind EventKind) bool {
	return e.Active && (len(e.Events) == 0 || slices.Contains(e.Events, kind))
}

// WebhookDelivery is one attempt to deliver an event to an endpoint.
type WebhookDelivery struct {
	ID         int64
	EndpointID int64
	EventID    int64
	Kind       EventKind
	TicketID   int64
	Attempt    int
	// StatusCode is the receiver's HTTP status (0: no answer).
	StatusCode int
	Duration   time.Duration
	OK         bool
	// Permanent marks a refusal (a 4xx other than 408/429) that is not retried.
	Permanent bool
	Error     string
	At        time.Time
	// NextAttempt is when the event is tried again (nil: not pending), read from the outbox.
	NextAttempt *time.Time
}

// Done reports whether the delivery needs no further attempt.
func (d WebhookDelivery) Done() bool { return d.OK || d.Permanent }

// WebhookStore keeps endpoints and their delivery log.
type WebhookStore interface {
	// CreateWebhook stores e, giving it an ID, then sets e.Secret from seal(id) in the same
	// transaction. Errors: unavailable, internal, and seal's.
	CreateWebhook(ctx context.Context, e *WebhookEndpoint, seal func(id int64) (Sealed, error)) error
	// Webhook returns one endpoint. Errors: not_found, unavailable, internal.
	Webhook(ctx context.Context, id int64) (WebhookEndpoint, error)
	// Webhooks lists endpoints by id: with a non-zero ws, those of ws and those of every
	// workspace; with all, every endpoint. Errors: unavailable, internal.
	Webhooks(ctx context.Context, ws Workspace, all bool) ([]WebhookEndpoint, error)
	// UpdateWebhook saves e's URL, events, active flag and secret. Errors: not_found, unavailable, internal.
	UpdateWebhook(ctx context.Context, e WebhookEndpoint) error
	// DeleteWebhook removes an endpoint and its log. Errors: not_found, unavailable, internal.
	DeleteWebhook(ctx context.Context, id int64) error
	// RecordDelivery appends d to the log. Errors: unavailable, internal.
	RecordDelivery(ctx context.Context, d WebhookDelivery) error
	// Deliveries returns an endpoint's latest attempts, newest first, with NextAttempt set on
	// the latest attempt of each event still pending. Errors: unavailable, internal.
	Deliveries(ctx context.Context, endpointID int64, limit int) ([]WebhookDelivery, error)
	// FinishedEndpoints lists the endpoints that need no further attempt for eventID (an
	// attempt was answered 2xx or refused permanently). Errors: unavailable, internal.
	FinishedEndpoints(ctx context.Context, eventID int64) ([]int64, error)
	// SendTestEvent writes a webhook.test event for endpoint e into the outbox.
	// Errors: unavailable, internal.
	SendTestEvent(ctx context.Context, e WebhookEndpoint, by UserRef, at time.Time) error
}

// WebhooksConfig builds Webhooks.
type WebhooksConfig struct {
	Store WebhookStore
	// Sealer seals the secrets; without one, Create refuses (TICKETBOT_SECRET_KEY).
	Sealer *Sealer
	// CheckURL refuses an endpoint URL that may not be called (scheme, private addresses).
	CheckURL func(ctx context.Context, rawURL string) error
	Clock    Clock
	// Committed is called after a test event was written (the dispatcher's Kick).
	Committed func()
}

// Webhooks is the rules of webhook endpoints: only admins see and change them, an admin bound
// to a workspace only that workspace's, a secret is shown once and kept sealed.
type Webhooks struct{ c WebhooksConfig }

// NewWebhooks builds the service. Errors: invalid (no store).
func NewWebhooks(c WebhooksConfig) (*Webhooks, error) {
	if c.Store == nil {
		return nil, Errorf(EInvalid, "core.NewWebhooks: a Store is required")
	}
	if c.Clock == nil {
		c.Clock = SystemClock{}
	}
	if c.CheckURL == nil {
		c.CheckURL = func(context.Context, string) error { return nil }
	}
	if c.Committed == nil {
		c.Committed = func() {}
	}
	return &Webhooks{c: c}, nil
}

// WebhookInput is what an admin sets on an endpoint; nil fields are left as they are.
type WebhookInput struct {
	Workspace *Workspace
	URL       *string
	Events    *[]EventKind
	Active    *bool
}

func webhookContext(id int64) string { return "webhook:" + strconv.FormatInt(id, 10) }

func (w *Webhooks) admin(a Actor) error {
	if a.Role != RoleAdmin {
		return Errorf(EForbidden, "only admins manage webhooks")
	}
	return nil
}

// visible reports whether a may see e (an admin bound to a workspace sees its own only).
func visible(a Actor, e WebhookEndpoint) bool {
	return a.Workspace.IsZero() || e.Workspace == a.Workspace
}

func (w *Webhooks) apply(ctx context.Context, a Actor, e *WebhookEndpoint, in WebhookInput) error {
	if in.Workspace != nil {
		if !a.Workspace.IsZero() && *in.Workspace != a.Workspace {
			return &Error{Code: EInvalid, Field: "workspace", Message: "this token may only register endpoints of " + a.Workspace.String()}
		}
		e.Workspace = *in.Workspace
	}
	if in.URL != nil {
		u, err := url.Parse(*in.URL)
		if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || len(*in.URL) > 2000 {
			return &Error{Code: EInvalid, Field: "url", Message: "url must be an absolute https URL"}
		}
		if err := w.c.CheckURL(ctx, *in.URL); err != nil {
			return withFieldErr(err, "url")
		}
		e.URL = *in.URL
	}
	if in.Events != nil {
		for _, k := range *in.Events {
			if !slices.Contains(WebhookEvents(), k) {
				return &Error{Code: EInvalid, Field: "events", Message: fmt.Sprintf("unknown event %q (use ticket.opened, ticket.changed, message.added)", k)}
			}
		}
		e.Events = slices.Clone(*in.Events)
	}
	if in.Active != nil {
		e.Active = *in.Active
	}
	return nil
}

func withFieldErr(err error, field string) error {
	if ce, ok := err.(*Error); ok && ce.Field == "" {
		c := *ce
		c.Field = field
		return &c
	}
	return err
}

// Create registers an endpoint and returns it with its secret, which is never shown again.
// Errors: forbidden, invalid (url, events, workspace; no TICKETBOT_SECRET_KEY), unavailable, internal.
func (w *Webhooks) Create(ctx context.Context, a Actor, in WebhookInput) (WebhookEndpoint, string, error) {
	if err := w.admin(a); err != nil {
		return WebhookEndpoint{}, "", err
	}
	if w.c.Sealer == nil {
		return WebhookEndpoint{}, "", Errorf(EInvalid, "set TICKETBOT_SECRET_KEY to store webhook secrets")
	}
	if in.URL == nil {
		return WebhookEndpoint{}, "", &Error{Code: EInvalid, Field: "url", Message: "url is required"}
	}
	now := w.c.Clock.Now()
	e := WebhookEndpoint{Workspace: a.Workspace, Active: true, CreatedBy: a.User, CreatedAt: now, UpdatedAt: now}
	if err := w.apply(ctx, a, &e, in); err != nil {
		return WebhookEndpoint{}, "", err
	}
	secret, err := newWebhookSecret()
	if err != nil {
		return WebhookEndpoint{}, "", err
	}
	err = w.c.Store.CreateWebhook(ctx, &e, func(id int64) (Sealed, error) { return w.c.Sealer.Seal(secret, webhookContext(id)) })
	if err != nil {
		return WebhookEndpoint{}, "", err
	}
	return e, secret, nil
}

func newWebhookSecret() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", Internal("core.newWebhookSecret", err)
	}
	return "whsec_" + hex.EncodeToString(b), nil
}

// List returns the endpoints a may see. Errors: forbidden, unavailable, internal.
func (w *Webhooks) List(ctx context.Context, a Actor) ([]WebhookEndpoint, error) {
	if err := w.admin(a); err != nil {
		return nil, err
	}
	all, err := w.c.Store.Webhooks(ctx, a.Workspace, a.Workspace.IsZero())
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, e := range all {
		if visible(a, e) {
			out = append(out, e)
		}
	}
	return out, nil
}

// Get returns one endpoint. Errors: forbidden, not_found (also another workspace's), unavailable, internal.
func (w *Webhooks) Get(ctx context.Context, a Actor, id int64) (WebhookEndpoint, error) {
	if err := w.admin(a); err != nil {
		return WebhookEndpoint{}, err
	}
	e, err := w.c.Store.Webhook(ctx, id)
	if err != nil {
		return WebhookEndpoint{}, err
	}
	if !visible(a, e) {
		return WebhookEndpoint{}, Errorf(ENotFound, "no webhook %d", id)
	}
	return e, nil
}

// Update changes an endpoint. Errors: those of Get and Create.
func (w *Webhooks) Update(ctx context.Context, a Actor, id int64, in WebhookInput) (WebhookEndpoint, error) {
	e, err := w.Get(ctx, a, id)
	if err != nil {
		return WebhookEndpoint{}, err
	}
	if err := w.apply(ctx, a, &e, in); err != nil {
		return WebhookEndpoint{}, err
	}
	e.UpdatedAt = w.c.Clock.Now()
	return e, w.c.Store.UpdateWebhook(ctx, e)
}

// Delete removes an endpoint. Errors: those of Get.
func (w *Webhooks) Delete(ctx context.Context, a Actor, id int64) error {
	if _, err := w.Get(ctx, a, id); err != nil {
		return err
	}
	return w.c.Store.DeleteWebhook(ctx, id)
}

// Deliveries returns an endpoint's latest delivery attempts. Errors: those of Get.
func (w *Webhooks) Deliveries(ctx context.Context, a Actor, id int64, limit int) ([]WebhookDelivery, error) {
	if _, err := w.Get(ctx, a, id); err != nil {
		return nil, err
	}
	return w.c.Store.Deliveries(ctx, id, limit)
}

// SendTest queues a webhook.test event for the endpoint. Errors: those of Get.
func (w *Webhooks) SendTest(ctx context.Context, a Actor, id int64) error {
	e, err := w.Get(ctx, a, id)
	if err != nil {
		return err
	}
	if err := w.c.Store.SendTestEvent(ctx, e, a.User, w.c.Clock.Now()); err != nil {
		return err
	}
	w.c.Committed()
	return nil
}

// Secret opens an endpoint's signing secret, for the deliverer. Errors: invalid (no key, or
// sealed by another key).
func (w *Webhooks) Secret(e WebhookEndpoint) (string, error) {
	if w.c.Sealer == nil {
		return "", Errorf(EInvalid, "set TICKETBOT_SECRET_KEY to sign webhook deliveries")
	}
	return w.c.Sealer.Open(e.Secret, webhookContext(e.ID))
}

// Store is the endpoint store, for the deliverer.
func (w *Webhooks) Store() WebhookStore { return w.c.Store }
