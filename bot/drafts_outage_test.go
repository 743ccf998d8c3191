package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
)

// downState is a state store and limiter that refuse every call, like a Redis that is gone.
type downState struct{}

func (downState) err() error {
	return &core.Error{Code: core.EUnavailable, Dependency: core.DepStateStore}
}
func (s downState) Get(context.Context, string) ([]byte, error)              { return nil, s.err() }
func (s downState) Set(context.Context, string, []byte, time.Duration) error { return s.err() }
func (s downState) Delete(context.Context, string) error                     { return s.err() }
func (s downState) MarkSeen(context.Context, string, time.Duration) (bool, error) {
	return false, s.err()
}
func (s downState) Ping(context.Context) error { return s.err() }
func (s downState) Allow(context.Context, string, core.Limit) (core.Decision, error) {
	return core.Decision{}, s.err()
}

// Drafts survive a state store outage: a draft made while Redis is down opens its ticket,
// once, and only expiry (by the injected clock) makes it read as expired.
func TestDraftsSurviveAStateStoreOutage(t *testing.T) {
	ctx := t.Context()
	st := openSQLite(t)
	fo := core.NewFailOpen(downState{}, downState{}, nil)
	svc := core.NewService(core.ServiceConfig{Store: st, State: fo, Limiter: fo})
	clock := coretest.NewFakeClock(time.Now())
	b, err := bot.New(bot.Config{Service: svc, State: fo, Drafts: core.NewDrafts(core.DraftsConfig{Store: st, Clock: clock, TTL: bot.DraftTTL})})
	if err != nil {
		t.Fatal(err)
	}
	id, err := b.SaveDraft(ctx, ws, "U1", "printer on fire\nthird floor")
	if err != nil {
		t.Fatalf("SaveDraft with the state store down: %v", err)
	}
	r := b.OpenDraft(ctx, req("U1", core.RoleRequester, bot.Command{}), id)
	if r.Error != nil || r.Card == nil || r.Card.Number != 1 {
		t.Fatalf("OpenDraft with the state store down = %+v (%q)", r.Error, r.Text)
	}
	if again := b.OpenDraft(ctx, req("U1", core.RoleRequester, bot.Command{}), id); again.Error == nil || !strings.Contains(again.Text, "already opened as ticket #1") {
		t.Fatalf("second press = %q; want already opened", again.Text)
	}
	if tickets, _ := st.ListTickets(ctx, core.ListFilter{Workspace: ws, Limit: 10}); len(tickets) != 1 {
		t.Fatalf("%d tickets, want 1", len(tickets))
	}

	late, err := b.SaveDraft(ctx, ws, "U1", "another one")
	if err != nil {
		t.Fatal(err)
	}
	if text, err := b.TakeDraft(ctx, ws, "U2", late); err == nil {
		t.Fatalf("another user took the draft: %q", text)
	}
	clock.Advance(bot.DraftTTL + time.Second)
	if r := b.OpenDraft(ctx, req("U1", core.RoleRequester, bot.Command{}), late); r.Error == nil || !strings.Contains(r.Text, "expired") {
		t.Fatalf("OpenDraft after the TTL = %q; want expired", r.Text)
	}
}
