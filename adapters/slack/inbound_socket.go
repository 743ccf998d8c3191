package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// Socket Mode reconnect backoff, after slack-go's own reconnecting gave up.
const (
	socketBackoffMin = time.Second
	socketBackoffMax = time.Minute
	ackTimeout       = 5 * time.Second
)

// fatalSocketErrors are answers to apps.connections.open that no retry mends.
var fatalSocketErrors = map[string]bool{
	"invalid_auth": true, "not_authed": true, "account_inactive": true, "token_revoked": true,
	"not_allowed_token_type": true,
}

// runSocket holds a Socket Mode connection until ctx ends, feeding every envelope through the
// same handlers as HTTP and acknowledging each one. slack-go reconnects when Slack asks or the
// connection dies; should its loop still end, this one starts it again.
func (a *Adapter) runSocket(ctx context.Context) error {
	sm := socketmode.New(a.client)
	ctx, cancel := context.WithCancel(ctx)
	events := make(chan struct{})
	go func() {
		defer close(events)
		a.socketEvents(ctx, sm)
	}()
	defer func() {
		cancel()
		<-events
	}()
	backoff := socketBackoffMin
	for {
		started := time.Now()
		err := sm.RunContext(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err == nil {
			err = errors.New("connection closed")
		}
		if fatalSocketErrors[err.Error()] || fatalSocketErrors[slackCode(err)] {
			return fmt.Errorf("slack: Socket Mode refused (%v); check SLACK_APP_TOKEN", err)
		}
		if time.Since(started) > socketBackoffMax {
			backoff = socketBackoffMin
		}
		a.log.Warn("slack: Socket Mode connection ended; reconnecting", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, socketBackoffMax)
	}
}

// socketEvents reads the Socket Mode client's events until ctx ends.
func (a *Adapter) socketEvents(ctx context.Context, sm *socketmode.Client) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-sm.Events:
			a.socketEvent(ctx, sm, ev)
		}
	}
}

// socketEvent handles one envelope in the background (so a slow one does not hold up the
// others) and acknowledges it, with the reply payload for slash commands and view submissions.
func (a *Adapter) socketEvent(ctx context.Context, sm *socketmode.Client, ev socketmode.Event) {
	switch ev.Type {
	case socketmode.EventTypeConnecting:
		a.log.Debug("slack: Socket Mode connecting")
	case socketmode.EventTypeConnected:
		a.log.Info("slack: Socket Mode connected")
	case socketmode.EventTypeConnectionError, socketmode.EventTypeIncomingError, socketmode.EventTypeErrorWriteFailed:
		a.log.Warn("slack: Socket Mode trouble", "type", ev.Type, "err", socketErr(ev.Data))
	case socketmode.EventTypeInvalidAuth:
		a.log.Error("slack: Socket Mode refused the app token (SLACK_APP_TOKEN)")
	case socketmode.EventTypeErrorBadMessage:
		// Unparsable to slack-go (e.g. an event type it does not know): acknowledge it anyway so
		// Slack does not redeliver it.
		if bad, ok := ev.Data.(*socketmode.ErrorBadMessage); ok {
			var req struct {
				EnvelopeID string `json:"envelope_id"`
			}
			if json.Unmarshal(bad.Message, &req) == nil && req.EnvelopeID != "" {
				a.ack(ctx, sm, req.EnvelopeID, nil)
			}
		}
	case socketmode.EventTypeEventsAPI:
		req := ev.Request
		if req == nil {
			return
		}
		a.ack(ctx, sm, req.EnvelopeID, nil)
		a.envelope(ctx, func(ctx context.Context) {
			env, err := parseEnvelope(req.Payload)
			if err != nil {
				a.log.Warn("slack: malformed Socket Mode event", "envelope", req.EnvelopeID)
				return
			}
			if err := a.handleEvent(ctx, env); err != nil {
				a.log.Warn("slack: event not processed; lost unless Slack redelivers it", "envelope", req.EnvelopeID, "err", err)
			}
		})
	case socketmode.EventTypeSlashCommand:
		sc, ok := ev.Data.(slackgo.SlashCommand)
		if !ok || ev.Request == nil {
			return
		}
		id := ev.Request.EnvelopeID
		a.envelope(ctx, func(hctx context.Context) {
			var payload any
			if validCommand(sc) {
				payload = a.handleCommand(hctx, sc)
			}
			a.ack(ctx, sm, id, payload)
		})
	case socketmode.EventTypeInteractive:
		cb, ok := ev.Data.(slackgo.InteractionCallback)
		if !ok || ev.Request == nil {
			return
		}
		id := ev.Request.EnvelopeID
		a.envelope(ctx, func(hctx context.Context) {
			payload, err := a.handleInteraction(hctx, cb)
			if err != nil {
				payload = nil
			}
			a.ack(ctx, sm, id, payload)
		})
	}
}

// envelope runs f in the background with Slack's time budget; it is waited for by Run.
func (a *Adapter) envelope(ctx context.Context, f func(ctx context.Context)) {
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), handlerTimeout)
	a.bg.Go(func() {
		defer cancel()
		f(hctx)
	})
}

// ack acknowledges envelope id with payload (nil for none).
func (a *Adapter) ack(ctx context.Context, sm *socketmode.Client, id string, payload any) {
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ackTimeout)
	defer cancel()
	if err := sm.AckCtx(actx, id, payload); err != nil {
		a.log.Warn("slack: could not acknowledge a Socket Mode envelope", "envelope", id, "err", err)
	}
}

func socketErr(data any) error {
	switch d := data.(type) {
	case *slackgo.ConnectionErrorEvent:
		return d.ErrorObj
	case *slackgo.IncomingEventError:
		return d.ErrorObj
	case *socketmode.ErrorWriteFailed:
		return d.Cause
	case error:
		return d
	}
	return errors.New("unknown")
}
