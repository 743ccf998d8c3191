package slack_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/adapters/slack/slacktest"
	"github.com/ticketbot/ticketbot/core"
)

// TestBatchDeliversCardsAndRecordsTheirPlacesOnFinish: a batch of ticket.opened events
// delivered through Batch posts each card once, and its Finish records every card's place,
// so the ticket's next event finds its card (and a redelivery posts nothing again).
func TestBatchDeliversCardsAndRecordsTheirPlacesOnFinish(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			s := newNotifyFixture(t, b)
			ctx := context.Background()
			var evs []core.Event
			var tks []core.Ticket
			for i := range 3 {
				tk := s.openIn(fmt.Sprintf("Batched %d", i), fmt.Sprintf("CBATCH%d", i))
				ev := s.outboxEvent(core.EventTicketOpened, tk.ID)
				ev.Attempts = 1 // as claimed
				tks, evs = append(tks, tk), append(evs, ev)
			}
			n, err := s.adapter.Batch(ctx, evs)
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range evs {
				if err := n.Notify(ctx, ev); err != nil {
					t.Fatal(err)
				}
			}
			f, ok := n.(core.BatchFinisher)
			if !ok {
				t.Fatal("a batch of ticket.opened events has nothing to finish")
			}
			if err := f.Finish(ctx); err != nil {
				t.Fatal(err)
			}
			for i, tk := range tks {
				cards := s.fake.Find("chat.postMessage", slacktest.Param("channel", fmt.Sprintf("CBATCH%d", i)))
				if len(cards) != 1 {
					t.Fatalf("ticket %q: %d cards posted, want 1", tk.Title, len(cards))
				}
				if got := s.ticket(tk.Number).Thread; got.CardID != cards[0].TS {
					t.Errorf("ticket %q: recorded place %+v, want the card %s", tk.Title, got, cards[0].TS)
				}
			}
			// Redelivered one by one (the marks lost): each finds its place, posts nothing.
			for _, ev := range evs {
				ev.Attempts = 2
				if err := s.adapter.Notify(ctx, ev); err != nil {
					t.Fatal(err)
				}
			}
			if n := len(s.fake.Find("chat.postMessage")); n != 3 {
				t.Errorf("%d posts after the redelivery, want the 3 cards only", n)
			}
		})
	}
}

// TestPacedRetryReadsNoHistory: an event that waits its channel's turn again (its attempt is
// not the first) is told to wait before it looks for an earlier attempt's post, so a backlog
// in one channel reads no conversation history while it waits.
func TestPacedRetryReadsNoHistory(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			s := newNotifyFixture(t, b)
			ctx := context.Background()
			tk := s.openIn("Waits its turn", "CPACED")
			for range 10 { // the channel's burst, used up
				s.bot.Throttle().Allow(ctx, "slack:post:"+s.ws.ExternalID+":CPACED", core.Limit{Rate: 1, Period: time.Second, Burst: 3})
			}
			ev := s.outboxEvent(core.EventTicketOpened, tk.ID)
			ev.Attempts = 3 // paced twice before
			err := s.adapter.Notify(ctx, ev)
			if !core.IsPaced(err) {
				t.Fatalf("Notify = %v, want a wait for the channel's turn", err)
			}
			if n := len(s.fake.Attempts("conversations.history")) + len(s.fake.Attempts("conversations.replies")); n != 0 {
				t.Errorf("%d history reads by an event waiting its turn, want none", n)
			}
		})
	}
}

// TestBatchRemembersItsSteps: the steps a batch's deliveries did are remembered, so a retry
// repeats none of them: a failed delivery's at once (its retry may come before the batch is
// finished), a delivered one's by the batch's Finish.
func TestBatchRemembersItsSteps(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			s := newNotifyFixture(t, b)
			ctx := context.Background()
			deliver := func(t *testing.T, ev core.Event, finish bool) error {
				t.Helper()
				n, err := s.adapter.Batch(ctx, []core.Event{ev})
				if err != nil {
					t.Fatal(err)
				}
				err = n.Notify(ctx, ev)
				if f, ok := n.(core.BatchFinisher); ok && finish {
					if err := f.Finish(ctx); err != nil {
						t.Fatal(err)
					}
				}
				return err
			}
			changed := func(tk core.Ticket) core.Event {
				ev := s.outboxEvent(core.EventTicketChanged, tk.ID)
				ev.Attempts = 1
				ev.Changes = []core.Change{{Field: "status", From: "open", To: "resolved", Actor: core.UserRef{ID: "USTAFF", Name: "Sam"}}}
				return ev
			}
			open := func(title, channel string) core.Ticket {
				tk := s.openIn(title, channel)
				ev := s.outboxEvent(core.EventTicketOpened, tk.ID)
				ev.Attempts = 1
				if err := deliver(t, ev, true); err != nil {
					t.Fatal(err)
				}
				return tk
			}
			updates := func(channel string) int {
				return len(s.fake.Find("chat.update", slacktest.Param("channel", channel)))
			}

			t.Run("a failed delivery's steps, before the batch is finished", func(t *testing.T) {
				tk := open("Fails after its update", "CSTEPFAIL")
				ev := changed(tk)
				s.fake.Inject(slacktest.Fault{Method: "chat.postMessage", Status: 502, Times: 1})
				if err := deliver(t, ev, false); err == nil {
					t.Fatal("the status line's post failed, yet the delivery did not")
				}
				ev.Attempts = 2
				if err := s.adapter.Notify(ctx, ev); err != nil {
					t.Fatal(err)
				}
				if n := updates("CSTEPFAIL"); n != 1 {
					t.Errorf("%d chat.update calls of the card, want 1 (the retry repeated the step)", n)
				}
			})
			t.Run("a delivered one's, by the batch's Finish", func(t *testing.T) {
				tk := open("Delivered in a batch", "CSTEPOK")
				ev := changed(tk)
				if err := deliver(t, ev, true); err != nil {
					t.Fatal(err)
				}
				ev.Attempts = 2
				if err := s.adapter.Notify(ctx, ev); err != nil {
					t.Fatal(err)
				}
				if n := updates("CSTEPOK"); n != 1 {
					t.Errorf("%d chat.update calls of the card, want 1 (the retry repeated the step)", n)
				}
			})
		})
	}
}

// TestBatchTakesItsCardsTurnsAtOnce: a batch takes the turns of the cards it will post in
// their channels' pace when it is read, and its deliveries post with those turns.
func TestBatchTakesItsCardsTurnsAtOnce(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			s := newNotifyFixture(t, b)
			ctx := context.Background()
			var evs []core.Event
			for i := range 3 { // the channel's burst
				ev := s.outboxEvent(core.EventTicketOpened, s.openIn(fmt.Sprintf("Turn %d", i), "CTURNS").ID)
				ev.Attempts = 1
				evs = append(evs, ev)
			}
			n, err := s.adapter.Batch(ctx, evs)
			if err != nil {
				t.Fatal(err)
			}
			if d := s.bot.Throttle().Allow(ctx, "slack:post:"+s.ws.ExternalID+":CTURNS", core.Limit{Rate: 1, Period: time.Second, Burst: 3}); d.Allowed {
				t.Fatal("the channel still had a turn after the batch was read: its cards' turns were not taken")
			}
			for _, ev := range evs {
				if err := n.Notify(ctx, ev); err != nil {
					t.Fatalf("event %d: %v, want posted with the turn its batch took", ev.ID, err)
				}
			}
			if got := len(s.fake.Find("chat.postMessage", slacktest.Param("channel", "CTURNS"))); got != 3 {
				t.Errorf("%d cards posted, want 3", got)
			}
		})
	}
}

// TestBatchRecordsAFailedDeliverysCardsWithoutFinish: a ticket.opened whose triage card was
// posted and whose requester card then failed has the triage card's place recorded without
// the batch's Finish: its event may be claimed again by another batch first, and must not
// post the card again even when the step was not remembered.
func TestBatchRecordsAFailedDeliverysCardsWithoutFinish(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			s := newNotifyFixture(t, b)
			s.setup()
			ctx := context.Background()
			tk := s.openIn("Its DM fails", "CPLACEFAIL")
			ev := s.outboxEvent(core.EventTicketOpened, tk.ID)
			ev.Attempts = 1
			n, err := s.adapter.Batch(ctx, []core.Event{ev})
			if err != nil {
				t.Fatal(err)
			}
			s.fake.Inject(slacktest.Fault{Method: "conversations.open", Status: 502, Times: 1})
			if err := n.Notify(ctx, ev); err == nil {
				t.Fatal("the requester card could not be posted, yet the delivery did not fail")
			}
			cards := s.fake.Find("chat.postMessage", slacktest.Param("channel", helpdesk))
			if len(cards) != 1 {
				t.Fatalf("%d cards in the triage channel, want 1", len(cards))
			}
			s.waitTicket(tk.Number, "its triage card's place, the batch not finished", func(t tkt) bool { return t.Thread.CardID == cards[0].TS })
		})
	}
}

// TestBatchRecordsItsPlacesBeforeFinish: the places of delivered cards are recorded while
// the batch's other deliveries go on, so a reply in a new card's thread finds its ticket
// even when the batch takes long to finish.
func TestBatchRecordsItsPlacesBeforeFinish(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			s := newNotifyFixture(t, b)
			ctx := context.Background()
			tk := s.openIn("Delivered early in a long batch", "CFLUSH")
			ev := s.outboxEvent(core.EventTicketOpened, tk.ID)
			ev.Attempts = 1
			n, err := s.adapter.Batch(ctx, []core.Event{ev})
			if err != nil {
				t.Fatal(err)
			}
			if err := n.Notify(ctx, ev); err != nil {
				t.Fatal(err)
			}
			cards := s.fake.Find("chat.postMessage", slacktest.Param("channel", "CFLUSH"))
			if len(cards) != 1 {
				t.Fatalf("%d cards posted, want 1", len(cards))
			}
			s.waitTicket(tk.Number, "its card's place, the batch not finished", func(t tkt) bool {
				return t.Origin.CardID == cards[0].TS || t.Thread.CardID == cards[0].TS
			})
			if err := n.(core.BatchFinisher).Finish(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}
