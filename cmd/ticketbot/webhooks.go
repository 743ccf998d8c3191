package main

import (
	"log/slog"

	"github.com/ticketbot/ticketbot/adapters/webhook"
	"github.com/ticketbot/ticketbot/config"
	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/gormstore"
)

// newWebhooks builds the webhooks service and registers its deliverer with the dispatcher.
// Secrets are sealed with TICKETBOT_SECRET_KEY; without a key endpoints cannot be registered
// (and stored ones are not signed, so their deliveries wait).
func newWebhooks(cfg config.Config, st *gormstore.Store, disp *core.Dispatcher, log *slog.Logger) (*core.Webhooks, error) {
	keys, err := cfg.SecretKeys()
	if err != nil {
		return nil, err
	}
	var sealer *core.Sealer
	if len(keys) > 0 {
		if sealer, err = core.NewSealer(keys...); err != nil {
			return nil, err
		}
	}
	guard := webhook.Guard{AllowPrivate: cfg.WebhookAllowPrivate}
	hooks, err := core.NewWebhooks(core.WebhooksConfig{Store: st, Sealer: sealer, CheckURL: guard.CheckURL, Committed: disp.Kick})
	if err != nil {
		return nil, err
	}
	n, err := webhook.New(webhook.Config{Webhooks: hooks, Tickets: st, Guard: guard, Log: log})
	if err != nil {
		return nil, err
	}
	if err := disp.Register(n); err != nil {
		return nil, err
	}
	return hooks, nil
}
