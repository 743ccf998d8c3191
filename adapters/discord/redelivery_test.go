package discord_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/adapters/discord/discordtest"
	"github.com/ticketbot/ticketbot/core"
)

// messagesOf returns ticket id's stored messages.
func (s *stack) messagesOf(id int64) []core.Message {
	s.t.Helper()
	ms, err := s.store.Messages(context.Background(), id)
	if err != nil {
		s.t.Fatal(err)
	}
	return ms
}

// waitMessages waits until ticket id's stored messages satisfy cond.
func (s *stack) waitMessages(id int64, timeout time.Duration, what string, cond func([]core.Message) bool) []core.Message {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ms := s.messagesOf(id)
		if cond(ms) {
			return ms
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%s did not happen within %v: %d messages", what, timeout, len(ms))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A thread message whose storing failed because the database was down is stored when Discord
// delivers it again (the copy a RESUME replays): its de-duplication mark was dropped.
func TestGatewayThreadMessageFailedUnavailableIsStoredOnRedelivery(t *testing.T) {
	s := newStack(t, stackOptions{backend: backends()[0], gateway: true})
	s.gw.WaitConnected(t, wait)
	s.setup()
	tk := s.open(s.reporter, 1, "Database outage")

	setFault(&s.db.addMessage, databaseDown)
	id := discordtest.ID()
	ev := discordtest.MessageEvent(id, s.guild, tk.Thread.ThreadID, s.reporter, "written while the database was down", false)
	if _, err := s.gw.Dispatch("MESSAGE_CREATE", ev); err != nil {
		t.Fatal(err)
	}
	s.waitLog("could not store a thread message; a redelivery will be stored", "message="+id)
	if ms := s.messagesOf(tk.ID); len(ms) != 0 {
		t.Fatalf("stored while the database was down: %+v", ms)
	}

	setFault(&s.db.addMessage, nil)
	if _, err := s.gw.Dispatch("MESSAGE_CREATE", ev); err != nil { // the replayed copy
		t.Fatal(err)
	}
	ms := s.waitMessages(tk.ID, wait, "storing the redelivered message", func(ms []core.Message) bool { return len(ms) == 1 })
	if ms[0].ExternalID != id || ms[0].Content != "written while the database was down" {
		t.Fatalf("message = %+v", ms[0])
	}
}

// An interaction that failed because the database was down, before anything was stored, is
// handled when it is delivered again instead of being answered "already handled".
func TestInteractionFailedUnavailableIsHandledOnRedelivery(t *testing.T) {
	s := newStack(t, stackOptions{backend: backends()[0]})
	s.setup()
	setFault(&s.db.createTicket, databaseDown)
	setFault(&s.intakes.add, databaseDown)
	it := discordtest.Command(s.guild, s.support, s.reporter, "ticket", "open", str("title", "Opened during an outage"))
	if r := s.interact(it); !strings.Contains(r.Data.Content, "can't reach its database") {
		t.Fatalf("reply during the outage = %q", r.Data.Content)
	}

	setFault(&s.db.createTicket, nil)
	setFault(&s.intakes.add, nil)
	if r := s.interact(it); !strings.Contains(r.Data.Content, "Ticket #1 opened") {
		t.Fatalf("reply to the redelivery = %q, want the ticket opened", r.Data.Content)
	}
	if again := s.interact(it); !strings.Contains(again.Data.Content, "already handled") {
		t.Fatalf("a third delivery after success = %q, want already handled", again.Data.Content)
	}
	ts, err := s.store.ListTickets(context.Background(), core.ListFilter{Workspace: s.ws(), Limit: 10})
	if err != nil || len(ts) != 1 {
		t.Fatalf("tickets = %d (%v), want 1", len(ts), err)
	}
}

// A slow database fills a thread-message lane; the gateway reader must not wait for room: the
// overflow is dropped (counted and logged) and other events, here an interaction, still flow.
func TestGatewayFullMessageQueueDropsInsteadOfStallingTheReader(t *testing.T) {
	s := newStack(t, stackOptions{backend: backends()[0], gateway: true})
	s.gw.WaitConnected(t, wait)
	s.setup()
	tk := s.open(s.reporter, 1, "Slow database")

	gate := make(chan struct{})
	var once sync.Once
	release := func() { once.Do(func() { close(gate) }) }
	t.Cleanup(release) // before the stack's cleanup, which waits for the lanes to drain
	setFault(&s.db.addMessage, func(ctx context.Context) error {
		select {
		case <-gate:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})

	const n = 256 + 40 // one lane's depth and then some, all in the same thread (one lane)
	for i := range n {
		ev := discordtest.MessageEvent(discordtest.ID(), s.guild, tk.Thread.ThreadID, s.reporter, "message "+itoa(int64(i)), false)
		if _, err := s.gw.Dispatch("MESSAGE_CREATE", ev); err != nil {
			t.Fatal(err)
		}
	}
	s.waitLog("thread-message queue is full", "dropped_total=1")

	// The reader is still reading: an interaction sent now is answered while the lane is stuck.
	it := discordtest.Command(s.guild, s.support, s.reporter, "ticket", "list")
	if _, err := s.gw.Dispatch("INTERACTION_CREATE", it); err != nil {
		t.Fatal(err)
	}
	s.api.WaitFor(t, wait, "POST", "interactions/"+it.ID()+"/*/callback", 1)
	if s.gw.Connected() != 1 {
		t.Fatalf("the gateway connection was lost")
	}

	release()
	var dropped uint64
	ms := s.waitMessages(tk.ID, 3*time.Minute, "storing the queued messages", func(ms []core.Message) bool {
		dropped = s.adapter.DroppedGatewayEvents()
		return uint64(len(ms))+dropped == n
	})
	if dropped == 0 || len(ms) < 256 {
		t.Fatalf("stored %d, dropped %d of %d; want the queue's 256 (+ the one in progress) stored and the rest dropped", len(ms), dropped, n)
	}
	if c := strings.Count(s.logs.String(), "thread-message queue is full"); c != 1 {
		t.Fatalf("the drop was logged %d times, want once (rate-limited)", c)
	}
}
