package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/ticketbot/ticketbot/bot"
)

// Socket Mode reconnect backoff, after slack-go's own reconnecting gave up.
const (
	socketBackoffMin = time.Second
	socketBackoffMax = time.Minute
	ackTimeout       = 5 * time.Second
	// eventBudget bounds processing an events_api envelope, which is acknowledged only
	// afterwards: Slack redelivers an envelope not acknowledged within 3 s.
	eventBudget = 2500 * time.Millisecond
)

// fatalSocketErrors are answers to apps.connections.open that no retry mends.
var fatalSocketErrors = map[string]bool{
	"invalid_auth": true, "not_authed": true, "account_inactive": true, "token_revoked": true,
	"not_allowed_token_type": true,
}

// runSocket holds a Socket Mode connection until ctx ends, feeding every envelope through the
// same handlers as HTTP and acknowledging it (an event only once it was processed). slack-go
// reconnects when Slack asks or the connection dies; should its loop still end, this one
// starts it again.
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
			return fmt.Errorf("slack: Socket Mode refused (%v); check SLACK_APP_TOKEN", bot.Redact(err))
		}
		if time.Since(started) > socketBackoffMax {
			backoff = socketBackoffMin
		}
		a.log.Warn("slack: Socket Mode connection ended; reconnecting", "err", bot.Redact(err), "in", backoff)
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
// An events_api envelope is acknowledged only once its event was processed (or needs no
// processing): left unacknowledged, Slack delivers it again.
func (a *Adapter) socketEvent(ctx context.Context, sm *socketmode.Client, ev socketmode.Event) {
	defer func() {
		// A panic here would end the process (this is the reading goroutine), not one request.
		if v := recover(); v != nil {
			a.log.Error("slack: Socket Mode event panicked", "error_id", newErrorID(), "type", ev.Type,
				"panic", v, "stack", string(debug.Stack()))
		}
	}()
	switch ev.Type {
	case socketmode.EventTypeConnecting:
		a.log.Debug("slack: Socket Mode connecting")
	case socketmode.EventTypeConnected:
		a.log.Info("slack: Socket Mode connected")
	case socketmode.EventTypeConnectionError, socketmode.EventTypeIncomingError, socketmode.EventTypeErrorWriteFailed:
		a.log.Warn("slack: Socket Mode trouble", "type", ev.Type, "err", bot.Redact(socketErr(ev.Data)))
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
		id := req.EnvelopeID
		a.envelope(ctx, sm, id, ev.Type, eventBudget, func(hctx context.Context) (any, bool) {
			env, err := parseEnvelope(req.Payload)
			if err != nil {
				// A redelivery would be just as malformed.
				a.log.Warn("slack: malformed Socket Mode event; dropped", "envelope", id)
				return nil, true
			}
			if err := a.handleEnvelope(hctx, env); err != nil {
				// Only "the database is unavailable" (or out of time) gets here, and handleEvent
				// forgot the event id: unacknowledged, the envelope comes again and is processed.
				a.log.Warn("slack: event not processed; not acknowledged, so Slack delivers it again",
					"envelope", id, "retry_attempt", req.RetryAttempt, "err", err)
				return nil, false
			}
			return nil, true
		})
	case socketmode.EventTypeSlashCommand:
		sc, ok := ev.Data.(slackgo.SlashCommand)
		if !ok || ev.Request == nil {
			return
		}
		a.envelope(ctx, sm, ev.Request.EnvelopeID, ev.Type, handlerTimeout, func(hctx context.Context) (any, bool) {
			if !validCommand(sc) {
				return nil, true
			}
			return a.handleCommand(withTeam(hctx, sc.TeamID), sc), true
		})
	case socketmode.EventTypeInteractive:
		cb, ok := ev.Data.(slackgo.InteractionCallback)
		if !ok || ev.Request == nil {
			return
		}
		a.envelope(ctx, sm, ev.Request.EnvelopeID, ev.Type, handlerTimeout, func(hctx context.Context) (any, bool) {
			payload, err := a.handleInteraction(withTeam(hctx, cb.Team.ID), cb)
			if err != nil {
				payload = nil
			}
			return payload, true
		})
	}
}

// envelope runs handle in the background within budget (it is waited for by Run), then
// acknowledges envelope id with the payload handle returns, unless handle says not to. A panic
// in handle is logged with an error id, and the envelope is still acknowledged (a slash
// command with a reply naming that id): redelivering it would only panic again.
func (a *Adapter) envelope(ctx context.Context, sm *socketmode.Client, id string, typ socketmode.EventType,
	budget time.Duration, handle func(ctx context.Context) (payload any, ack bool)) {
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), budget)
	a.bg.Go(func() {
		defer cancel()
		acked := false
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			errID := newErrorID()
			a.log.Error("slack: Socket Mode handler panicked", "error_id", errID, "type", typ, "envelope", id,
				"panic", v, "stack", string(debug.Stack()))
			if acked {
				return
			}
			var payload any
			if typ == socketmode.EventTypeSlashCommand {
				payload = commandReply(bot.Reply{Ephemeral: true, Text: panicText(errID)})
			}
			a.ack(ctx, sm, id, payload)
		}()
		payload, ok := handle(hctx)
		if ok {
			acked = true
			a.ack(ctx, sm, id, payload)
		}
	})
}

// ack acknowledges envelope id with payload (nil for none).
func (a *Adapter) ack(ctx context.Context, sm *socketmode.Client, id string, payload any) {
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ackTimeout)
	defer cancel()
	if err := sm.AckCtx(actx, id, payload); err != nil {
		a.log.Warn("slack: could not acknowledge a Socket Mode envelope", "envelope", id, "err", bot.Redact(err))
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
