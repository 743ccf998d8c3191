package slack_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/adapters/slack/slacktest"
	"github.com/ticketbot/ticketbot/core"
)

// A command whose database work outlasts Slack's 3 s is acknowledged in time as queued, is
// finished rather than cut short, and its answer follows through response_url; a replay of
// the same request finds the ticket the first attempt opened instead of opening a ghost.
func TestBusyDatabaseQueuesTheCommandAndFinishesIt(t *testing.T) {
	s := newStack(t, backends()[0], stackOptions{})
	hold := make(chan struct{})
	s.faults.hold.Store(&hold)
	form := s.commandForm(reporter, origin, "The printer is on fire")
	form.Set("trigger_id", "trig-"+randomHex(4))
	ack := s.send("/slack/commands", formType, []byte(form.Encode()), nil)
	if text, _ := ack.JSON["text"].(string); !strings.Contains(text, "queued") {
		t.Fatalf("ack = %d %s; want the request queued", ack.Status, ack.Body)
	}
	if _, err := s.store.TicketByNumber(context.Background(), s.ws, 1); !core.IsCode(err, core.ENotFound) {
		t.Fatalf("a ticket before the database answered: %v", err)
	}
	// A replay while the request waits (its trigger mark lost with Redis) is told it is
	// queued: the intake knows the request by its key, and stores nothing twice.
	if err := s.bot.Dedupe().Forget(context.Background(), "slack:trigger:"+form.Get("trigger_id")); err != nil {
		t.Fatal(err)
	}
	if r := s.send("/slack/commands", formType, []byte(form.Encode()), nil); !strings.Contains(r.Text("text"), "queued") {
		t.Fatalf("replay while queued = %s; want it told the request is queued", r.Body)
	}
	close(hold)
	late := s.fake.Wait(t, "response_url", slacktest.Containing("Ticket #1 opened"))
	if want := strings.TrimPrefix(form.Get("response_url"), s.fake.URL()); late.Params["url"] != want {
		t.Errorf("late answer went to %s, want the command's response_url %s", late.Params["url"], want)
	}

	s.settle()
	t.Run("a replay of the request is not a second ticket", func(t *testing.T) {
		// The replay is refused by its trigger id; with that mark gone (Redis lost), by
		// the request id the ticket keeps in the database.
		if r := s.send("/slack/commands", formType, []byte(form.Encode()), nil); len(r.Body) != 0 {
			t.Errorf("replay answered %s; want an empty acknowledgement", r.Body)
		}
		if err := s.bot.Dedupe().Forget(context.Background(), "slack:trigger:"+form.Get("trigger_id")); err != nil {
			t.Fatal(err)
		}
		r := s.send("/slack/commands", formType, []byte(form.Encode()), nil)
		if text, _ := r.JSON["text"].(string); !strings.Contains(text, "already opened as #1") {
			t.Errorf("replay after the mark was lost = %s; want already opened as #1", r.Body)
		}
		if _, err := s.store.TicketByNumber(context.Background(), s.ws, 2); !core.IsCode(err, core.ENotFound) {
			t.Errorf("a second ticket: %v", err)
		}
	})
}
