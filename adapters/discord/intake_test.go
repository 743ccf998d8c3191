package discord_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/adapters/discord/discordtest"
	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
)

// original is the path of the edits of interaction it's first response.
func original(it discordtest.Interaction) string {
	return "webhooks/" + discordtest.AppID + "/tok-" + it.ID() + "/messages/@original"
}

// An open whose ticket cannot be made for now (the ticket table refuses, the intake stores
// it) is answered as queued, kept, and opened once the database is back, the answer replacing
// the queued one — also when Discord did not know the response yet at the first edit (404,
// as when a worker is quicker than the first response); a redelivery opens nothing more.
func TestAnOpenKeptThroughAnOutageIsOpenedOnce(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			s := newStack(t, stackOptions{backend: b})
			s.setup()
			setFault(&s.db.createTicket, databaseDown)
			it := discordtest.Command(s.guild, s.support, s.reporter, "ticket", "open", str("title", "Opened during an outage"))
			r := s.interact(it)
			if r.Type != 4 || r.Data.Flags != 64 || !strings.Contains(r.Data.Content, "queued") {
				t.Fatalf("reply during the outage = %d %q; want an ephemeral answer that it is queued", r.Type, r.Data.Content)
			}
			coretest.Eventually(t, wait, "the open tried again", func() bool { return s.intake.Stats().Retried > 0 })
			s.api.Fail("PATCH", original(it), http.StatusNotFound, 10015, 1) // Unknown Webhook
			setFault(&s.db.createTicket, nil)
			edit := s.api.WaitFor(t, wait, "PATCH", original(it), 2)
			if edit[0].Status != http.StatusNotFound || edit[1].Status != http.StatusOK || !strings.Contains(string(edit[1].Body), "Ticket #1 opened") {
				t.Fatalf("the edits of the queued answer: %d then %d %s; want a 404 tried again until the ticket is shown", edit[0].Status, edit[1].Status, edit[1].Body)
			}
			if again := s.interact(it); again.Type == 4 && strings.Contains(again.Data.Content, "opened") && !strings.Contains(again.Data.Content, "already") {
				t.Fatalf("a redelivery = %q; want no new ticket", again.Data.Content)
			}
			s.settle()
			if n := len(s.api.Find("PATCH", original(it))); n != 2 {
				t.Errorf("the answer was edited %d times, want once after the 404", n)
			}
			if _, err := s.store.TicketByNumber(context.Background(), s.ws(), 2); !core.IsCode(err, core.ENotFound) {
				t.Fatalf("a second ticket: %v", err)
			}
		})
	}
}

// While MaxInline opens wait for a database that does not answer, the next open — a
// command, and a submitted form — is answered as queued at once instead of waiting for the
// deferral; once the database answers every one is opened and each first response is
// replaced by its ticket, once.
func TestOpensBehindBusyOnesAreQueuedAtOnce(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			s := newStack(t, stackOptions{backend: b})
			s.setup()
			gate := make(chan struct{})
			var once sync.Once
			release := func() { once.Do(func() { close(gate) }) }
			t.Cleanup(release)
			setFault(&s.db.createTicket, func(ctx context.Context) error {
				select {
				case <-gate:
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			})
			const inline = 4 // core.IntakeConfig.MaxInline's default
			var its []discordtest.Interaction
			firsts := make([]reply, inline)
			var wg sync.WaitGroup
			for i := range inline {
				it := discordtest.Command(s.guild, s.support, requester(i), "ticket", "open", str("title", "Printer "+string(rune('A'+i))+" jammed"))
				its = append(its, it)
				wg.Go(func() { firsts[i] = s.interact(it) })
			}
			coretest.Eventually(t, wait, "four opens at work inline", func() bool { return s.intake.Stats().Inline == inline })
			cmd := discordtest.Command(s.guild, s.support, requester(inline), "ticket", "open", str("title", "Scanner on fire"))
			form := discordtest.ModalSubmit(s.guild, s.support, requester(inline+1), "tbd:open", [2]string{"title", "Toner everywhere"})
			for _, it := range []discordtest.Interaction{cmd, form} {
				start := time.Now()
				r := s.interact(it)
				if took := time.Since(start); r.Type != 4 || !strings.Contains(r.Data.Content, "queued") || took > time.Second {
					t.Fatalf("first response after %v = %d %q; want queued at once", took, r.Type, r.Data.Content)
				}
				its = append(its, it)
			}
			if st := s.intake.Stats(); st.Queued != 2 {
				t.Fatalf("intake %+v; want the command and the form stored for the workers", st)
			}
			release()
			wg.Wait()
			for _, it := range its[inline:] {
				s.api.WaitFor(t, wait, "PATCH", original(it), 1)
			}
			s.settle()
			// The four inline ones answer in their first response, or, when that was a
			// deferral (the database held them past ackBudget), in its one edit.
			for i, it := range its {
				edits := s.api.Find("PATCH", original(it))
				answers := len(edits)
				opened := answers == 1 && strings.Contains(string(edits[0].Body), " opened")
				first := "queued"
				if i < inline {
					first = firsts[i].Data.Content
					if firsts[i].Type == 4 {
						answers++
						opened = strings.Contains(first, " opened")
					}
				}
				if answers != 1 || !opened {
					t.Errorf("open %d: first response %q and %d edits (%v); want one answer that its ticket was opened", i, first, len(edits), edits)
				}
			}
			if _, err := s.store.TicketByNumber(context.Background(), s.ws(), inline+2); err != nil {
				t.Fatalf("ticket #%d: %v", inline+2, err)
			}
			if _, err := s.store.TicketByNumber(context.Background(), s.ws(), inline+3); !core.IsCode(err, core.ENotFound) {
				t.Fatalf("a ticket more than the opens: %v", err)
			}
		})
	}
}

// requester is the i-th of a few members without roles (each opens within their own limit).
func requester(i int) discordtest.User {
	return discordtest.User{ID: discordtest.ID(), Name: "Requester " + string(rune('A'+i))}
}
