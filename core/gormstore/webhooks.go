package gormstore

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/ticketbot/ticketbot/core"
)

var _ core.WebhookStore = (*Store)(nil)

type webhookRow struct {
	ID            int64 `gorm:"primaryKey"`
	Workspace     string
	URL           string
	Events        string // comma-separated event kinds; empty: all
	Active        bool
	Secret        string
	CreatedByID   string
	CreatedByName string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

func (webhookRow) TableName() string { return "webhook_endpoints" }

func toWebhookRow(e core.WebhookEndpoint) webhookRow {
	evs := make([]string, len(e.Events))
	for i, k := range e.Events {
		evs[i] = string(k)
	}
	return webhookRow{ID: e.ID, Workspace: e.Workspace.String(), URL: e.URL, Events: strings.Join(evs, ","),
		Active: e.Active, Secret: string(e.Secret), CreatedByID: e.CreatedBy.ID, CreatedByName: e.CreatedBy.Name,
		CreatedAt: stamp(e.CreatedAt), UpdatedAt: stamp(e.UpdatedAt)}
}

func (r webhookRow) core() core.WebhookEndpoint {
	e := core.WebhookEndpoint{ID: r.ID, Workspace: parseWorkspace(r.Workspace), URL: r.URL, Active: r.Active,
		Secret: core.Sealed(r.Secret), CreatedBy: core.UserRef{ID: r.CreatedByID, Name: r.CreatedByName},
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if r.Events != "" {
		for _, k := range strings.Split(r.Events, ",") {
			e.Events = append(e.Events, core.EventKind(k))
		}
	}
	return e
}

type deliveryRow struct {
	ID         int64 `gorm:"primaryKey"`
	EndpointID int64
	EventID    int64
	Kind       string
	TicketID   int64
	Attempt    int
	StatusCode int
	DurationMS int64 `gorm:"column:duration_ms"`
	OK         bool  `gorm:"column:ok"`
	Permanent  bool
	Error      string
	At         time.Time
}

func (deliveryRow) TableName() string { return "webhook_deliveries" }

// CreateWebhook stores e and seals its secret with its new id, in one transaction.
func (s *Store) CreateWebhook(ctx context.Context, e *core.WebhookEndpoint, seal func(id int64) (core.Sealed, error)) error {
	const op = "gormstore.CreateWebhook"
	return s.inTx(ctx, op, func(tx *gorm.DB) error {
		row := toWebhookRow(*e)
		row.ID = 0
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		sealed, err := seal(row.ID)
		if err != nil {
			return fnError{err}
		}
		if err := tx.Model(&webhookRow{}).Where("id = ?", row.ID).Update("secret", string(sealed)).Error; err != nil {
			return err
		}
		e.ID, e.Secret = row.ID, sealed
		return nil
	})
}

// Webhook returns one endpoint. Errors: not_found, unavailable, internal.
func (s *Store) Webhook(ctx context.Context, id int64) (core.WebhookEndpoint, error) {
	var row webhookRow
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return core.WebhookEndpoint{}, fail("gormstore.Webhook", notFound("webhook "+strconv.FormatInt(id, 10)))
	}
	if err != nil {
		return core.WebhookEndpoint{}, fail("gormstore.Webhook", err)
	}
	return row.core(), nil
}

// Webhooks lists ws's endpoints and those of every workspace, or with all every endpoint.
func (s *Store) Webhooks(ctx context.Context, ws core.Workspace, all bool) ([]core.WebhookEndpoint, error) {
	q := s.db.WithContext(ctx).Order("id")
	if !all {
		q = q.Where("workspace IN ?", []string{ws.String(), ""})
	}
	var rows []webhookRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, fail("gormstore.Webhooks", err)
	}
	out := make([]core.WebhookEndpoint, len(rows))
	for i, r := range rows {
		out[i] = r.core()
	}
	return out, nil
}

// UpdateWebhook saves e. Errors: not_found, unavailable, internal.
func (s *Store) UpdateWebhook(ctx context.Context, e core.WebhookEndpoint) error {
	row := toWebhookRow(e)
	res := s.db.WithContext(ctx).Model(&webhookRow{}).Where("id = ?", e.ID).Updates(map[string]any{
		"workspace": row.Workspace, "url": row.URL, "events": row.Events, "active": row.Active,
		"secret": row.Secret, "updated_at": row.UpdatedAt,
	})
	if res.Error != nil {
		return fail("gormstore.UpdateWebhook", res.Error)
	}
	if res.RowsAffected == 0 {
		return fail("gormstore.UpdateWebhook", notFound("webhook "+strconv.FormatInt(e.ID, 10)))
	}
	return nil
}

// DeleteWebhook removes an endpoint and its log. Errors: not_found, unavailable, internal.
func (s *Store) DeleteWebhook(ctx context.Context, id int64) error {
	const op = "gormstore.DeleteWebhook"
	return s.inTx(ctx, op, func(tx *gorm.DB) error {
		res := tx.Where("id = ?", id).Delete(&webhookRow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return fnError{fail(op, notFound("webhook "+strconv.FormatInt(id, 10)))}
		}
		return tx.Where("endpoint_id = ?", id).Delete(&deliveryRow{}).Error
	})
}

// RecordDelivery appends d to the log. Errors: unavailable, internal.
func (s *Store) RecordDelivery(ctx context.Context, d core.WebhookDelivery) error {
	if len(d.Error) > 1000 {
		d.Error = strings.ToValidUTF8(d.Error[:1000], "")
	}
	row := deliveryRow{EndpointID: d.EndpointID, EventID: d.EventID, Kind: string(d.Kind), TicketID: d.TicketID,
		Attempt: d.Attempt, StatusCode: d.StatusCode, DurationMS: d.Duration.Milliseconds(), OK: d.OK,
		Permanent: d.Permanent, Error: d.Error, At: stamp(d.At)}
	return fail("gormstore.RecordDelivery", s.db.WithContext(ctx).Create(&row).Error)
}

// Deliveries returns an endpoint's latest attempts, newest first; the latest attempt of an
// event that is not done and whose outbox event is undelivered carries its next attempt.
func (s *Store) Deliveries(ctx context.Context, endpointID int64, limit int) ([]core.WebhookDelivery, error) {
	const op = "gormstore.Deliveries"
	if limit <= 0 {
		limit = 50
	}
	db := s.db.WithContext(ctx)
	var rows []deliveryRow
	if err := db.Where("endpoint_id = ?", endpointID).Order("at DESC, id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fail(op, err)
	}
	pending := map[int64]bool{}
	var ids []int64
	for _, r := range rows {
		if !pending[r.EventID] {
			ids = append(ids, r.EventID)
			pending[r.EventID] = true
		}
	}
	next := map[int64]time.Time{}
	if len(ids) > 0 {
		var evs []eventRow
		if err := db.Select("id", "next_attempt_at").Where("id IN ? AND delivered_at IS NULL", ids).Find(&evs).Error; err != nil {
			return nil, fail(op, err)
		}
		for _, e := range evs {
			next[e.ID] = e.NextAttemptAt.UTC()
		}
	}
	seen := map[int64]bool{}
	out := make([]core.WebhookDelivery, len(rows))
	for i, r := range rows {
		out[i] = core.WebhookDelivery{ID: r.ID, EndpointID: r.EndpointID, EventID: r.EventID, Kind: core.EventKind(r.Kind),
			TicketID: r.TicketID, Attempt: r.Attempt, StatusCode: r.StatusCode, Duration: time.Duration(r.DurationMS) * time.Millisecond,
			OK: r.OK, Permanent: r.Permanent, Error: r.Error, At: r.At.UTC()}
		if t, ok := next[r.EventID]; ok && !seen[r.EventID] && !out[i].Done() {
			out[i].NextAttempt = &t
		}
		seen[r.EventID] = true
	}
	return out, nil
}

// FinishedEndpoints lists the endpoints done with eventID. Errors: unavailable, internal.
func (s *Store) FinishedEndpoints(ctx context.Context, eventID int64) ([]int64, error) {
	var ids []int64
	err := s.db.WithContext(ctx).Model(&deliveryRow{}).Distinct("endpoint_id").
		Where("event_id = ? AND (ok = ? OR permanent = ?)", eventID, true, true).Pluck("endpoint_id", &ids).Error
	return ids, fail("gormstore.FinishedEndpoints", err)
}

// SendTestEvent writes a webhook.test event for e. Errors: unavailable, internal.
func (s *Store) SendTestEvent(ctx context.Context, e core.WebhookEndpoint, by core.UserRef, at time.Time) error {
	return s.inTx(ctx, "gormstore.SendTestEvent", func(tx *gorm.DB) error {
		return s.writeEvent(tx, core.Event{Kind: core.EventWebhookTest, Workspace: e.Workspace, Platform: core.PlatformWebhook,
			Actor: by, CreatedAt: at, Changes: []core.Change{{Field: "endpoint", To: strconv.FormatInt(e.ID, 10), At: at}}})
	})
}

// webhookKinds are the events that get a twin for webhook endpoints.
var webhookKinds = map[core.EventKind]bool{
	core.EventTicketOpened: true, core.EventTicketChanged: true, core.EventMessageAdded: true,
}

// writeWebhookTwin writes e again with the webhook platform when an active endpoint of its
// workspace (or of every workspace) exists, inside tx: the webhook deliverer then gets it
// through the outbox like every other notifier, ordered per ticket among webhook events.
func (s *Store) writeWebhookTwin(tx *gorm.DB, e core.Event) error {
	if e.Platform != "" || !webhookKinds[e.Kind] {
		return nil
	}
	var n int64
	if err := tx.Model(&webhookRow{}).Where("workspace IN ? AND active = ?", []string{e.Workspace.String(), ""}, true).
		Limit(1).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	e.Platform = core.PlatformWebhook
	row, err := toEventRow(e)
	if err != nil {
		return err
	}
	return tx.Create(&row).Error
}
