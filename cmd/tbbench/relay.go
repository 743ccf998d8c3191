package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ticketbot/ticketbot/adapters/slack/slacktest"
	"github.com/ticketbot/ticketbot/core"
)

// Relay benchmark shape (issue 8): staff members (members of the private triage channel)
// write public messages in ticket cards' threads at relayRate per second for relayDuration,
// each a signed event_callback posted to /slack/events; each must be copied, once, into the
// requester card's thread in the reporter's DM. A message's latency runs from the moment its
// event is sent to the moment the fake Slack receives its copy's chat.postMessage (so it
// includes the adapter's acknowledgement).
//
//	relay_p99_ms, relay_missing, relay_doubled: every message in one ticket's thread, as
//	issue 8 asks; missing counts copies not posted relayWait after the load ended.
//	relay_spread_p99_ms, relay_spread_missing, relay_spread_doubled: the same rate spread
//	over relaySpread tickets, so no DM channel gets more than Slack's one message a second.
const (
	relayRate     = 50
	relayDuration = 20 * time.Second
	relayMaxP99   = 250 * time.Millisecond
	relayWait     = 10 * time.Second // for the last copies after the load ends
	relaySpread   = relayRate        // tickets of the spread run: one message a second each
	relayTriage   = "CBTRIAGE"
	relayOrigin   = "CBORIGIN"
	relayAdmin    = "UBADMIN"
	relayStaff    = "UBSTAFF"
)

// relayResult is what one relay run measured.
type relayResult struct {
	sent             int
	p50, p99         time.Duration
	missing, doubled int
}

// relayMark finds a relayed message's number in a copy's text.
var relayMark = regexp.MustCompile(`rb-(\d{7})`)

// relayTicket is a ticket's two Slack places: the card's thread in the triage channel and
// the requester card's thread in the reporter's DM.
type relayTicket struct{ triage, dm core.Place }

// relayBench sets the live server's workspace up through the real flow and runs relay loads
// on it; it numbers messages across runs.
type relayBench struct {
	l      *slackLive
	db     *sql.DB // the live server's database, read to split latencies at the commit
	client slacktest.Client
	seq    atomic.Int64
}

// runRelay builds a live server of its own (a fresh database and team, so no backlog of
// cards from the slash-command runs competes with it), sets up a private triage channel
// with the bot in it (/ticket setup), opens tickets with signed /ticket commands, waits for
// their cards and requester cards, then measures the spread run and the one-ticket run (in
// that order: the one-ticket run leaves a backlog of paced copies behind).
func runRelay(ctx context.Context, e *env) (spread, one relayResult, err error) {
	dbURL, err := e.freshDatabase(ctx)
	if err != nil {
		return spread, one, err
	}
	l, err := slackLiveServer(ctx, e, dbURL, "TB"+strings.ToUpper(slackRandomHex(4)))
	if err != nil {
		return spread, one, err
	}
	defer l.close()
	db, err := e.openRaw(dbURL)
	if err != nil {
		return spread, one, err
	}
	defer db.Close()
	b := &relayBench{l: l, db: db, client: slacktest.Client{BaseURL: l.url, Signer: slacktest.Signer{Secret: slackSecret}}}
	l.fake.AddUser(slacktest.User{ID: relayAdmin, Name: "ada", Admin: true})
	l.fake.AddUser(slacktest.User{ID: relayStaff, Name: "sam"})
	l.fake.AddChannel(slacktest.Channel{ID: relayTriage, Name: "helpdesk", Private: true,
		Members: []string{relayAdmin, relayStaff, slacktest.BotUserID}})
	r, err := b.command(ctx, relayAdmin, relayTriage, "setup <#"+relayTriage+"|helpdesk>")
	if err != nil || !strings.HasPrefix(r.Text("text"), "Done") {
		return spread, one, fmt.Errorf("relay: setup: %d %s %v", r.Status, r.Body, err)
	}
	tickets, err := b.open(ctx, relaySpread+1)
	if err != nil {
		return spread, one, err
	}
	if spread, err = b.run(ctx, "spread", tickets[1:]); err != nil {
		return spread, one, err
	}
	one, err = b.run(ctx, "one ticket", tickets[:1])
	return spread, one, err
}

func (b *relayBench) command(ctx context.Context, user, channel, text string) (slacktest.Response, error) {
	return b.client.Command(ctx, slacktest.Command{Team: b.l.team, Channel: channel, User: user, Text: text})
}

// open opens n tickets, each by a reporter of its own, one after the other: each once the
// previous one has its card's thread in the triage channel and its requester card's thread
// in the DM (cards into the triage channel are paced at about one a second).
func (b *relayBench) open(ctx context.Context, n int) ([]relayTicket, error) {
	ws := core.Workspace{Platform: core.PlatformSlack, ExternalID: b.l.team}
	st := b.l.stack.store
	tickets := make([]relayTicket, n)
	for i := range n {
		reporter := fmt.Sprintf("UBREP%04d", i)
		r, err := b.command(ctx, reporter, relayOrigin, fmt.Sprintf("Relay printer %d jams\nEvery page since Monday.", i))
		var number int64
		if err == nil {
			_, err = fmt.Sscanf(r.Text("text"), "Ticket #%d", &number)
		}
		if err != nil {
			return nil, fmt.Errorf("relay: open: %d %s %v", r.Status, r.Body, err)
		}
		rt := &tickets[i]
		load := func() bool {
			t, err := st.TicketByNumber(ctx, ws, number)
			if err != nil {
				return false
			}
			ps, err := st.Places(ctx, t.ID)
			if err != nil {
				return false
			}
			for _, p := range ps {
				switch p.Kind {
				case core.PlaceTriage:
					rt.triage = p
				case core.PlaceRequesterDM:
					rt.dm = p
				}
			}
			return rt.triage.ThreadID != "" && rt.dm.ThreadID != ""
		}
		if !b.l.fake.WaitUntil(30*time.Second, load) {
			return nil, fmt.Errorf("relay: ticket #%d never got its card (%+v) and requester card (%+v)", number, rt.triage, rt.dm)
		}
		if rt.triage.ChannelID != relayTriage || rt.dm.ChannelID != slacktest.DMChannel(reporter) {
			return nil, fmt.Errorf("relay: ticket #%d's card is in %s and its requester card in %s", number, rt.triage.ChannelID, rt.dm.ChannelID)
		}
	}
	return tickets, nil
}

// run sends relayRate messages a second for relayDuration, round robin over tickets, and
// measures their copies into the requester cards' threads.
func (b *relayBench) run(ctx context.Context, name string, tickets []relayTicket) (relayResult, error) {
	l := b.l
	byThread := map[string]int{}
	for i, t := range tickets {
		byThread[t.dm.ChannelID+"/"+t.dm.ThreadID] = i
	}
	var (
		mu     sync.Mutex
		copies = map[int][]time.Time{} // message number → when each copy reached the fake
		sentAt = map[int]time.Time{}
		tsOf   = map[int]string{} // the message's ts in the triage thread
		wrong  int                // copies in another ticket's thread
	)
	hook := func(c slacktest.Call) {
		if c.Method != "chat.postMessage" || !c.OK() {
			return
		}
		m := relayMark.FindStringSubmatch(c.Params["text"])
		if m == nil {
			return
		}
		i, _ := strconv.Atoi(m[1])
		mu.Lock()
		defer mu.Unlock()
		if _, ours := sentAt[i]; !ours {
			return
		}
		if k, ok := byThread[c.Channel+"/"+c.Thread]; !ok || k != i%len(tickets) {
			if strings.HasPrefix(c.Channel, "D") {
				wrong++
			}
			return
		}
		copies[i] = append(copies[i], c.At)
	}
	l.onCall.Store(&hook)
	defer l.onCall.Store(nil)

	first := int(b.seq.Load()) + 1
	endpoint := l.url + "/slack/events"
	tr := func(t *vegeta.Target) error {
		i := int(b.seq.Add(1))
		tk := tickets[i%len(tickets)]
		text := fmt.Sprintf("rb-%07d: tried the other tray too, it still jams", i)
		ts := l.fake.Post(tk.triage.ChannelID, tk.triage.ThreadID, relayStaff, text) // the message as Slack holds it
		body := slacktest.EventCallback(l.team, slacktest.NewEventID(),
			slacktest.MessageEvent(tk.triage.ChannelID, "group", relayStaff, text, ts, tk.triage.ThreadID))
		slackSigned(t, endpoint, slacktest.JSONType, body)
		mu.Lock()
		sentAt[i], tsOf[i] = time.Now(), ts
		mu.Unlock()
		return nil
	}
	before := l.stack.disp.Stats()
	accepted := slackAttack(ctx, tr, func(r *vegeta.Result) bool { return r.Code == http.StatusOK }, relayRate, relayDuration)
	last := int(b.seq.Load())
	arrived := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(copies) >= last-first+1
	}
	l.fake.WaitUntil(relayWait, arrived)
	if arrived() {
		// A copy posted twice would come after the first: let the outbox run dry first.
		slackSettle(ctx, l.pending)
	}
	after := l.stack.disp.Stats()

	mu.Lock()
	defer mu.Unlock()
	res := relayResult{sent: last - first + 1, doubled: wrong}
	lat := make([]time.Duration, 0, res.sent)
	for i := first; i <= last; i++ {
		cs := copies[i]
		switch {
		case len(cs) == 0:
			res.missing++
		case len(cs) > 1:
			res.doubled += len(cs) - 1
		}
		if len(cs) > 0 {
			lat = append(lat, slices.MinFunc(cs, time.Time.Compare).Sub(sentAt[i]))
		}
	}
	res.p50, res.p99 = percentiles(lat)
	// Where the time goes: from the event sent to the message stored (the adapter and the
	// core's transaction), and from stored to the copy posted (the outbox and the notifier).
	stored, err := b.storedAt(ctx, tickets)
	if err != nil {
		return res, err
	}
	var in, out []time.Duration
	for i := first; i <= last; i++ {
		at, ok := stored[tsOf[i]]
		if !ok {
			continue
		}
		in = append(in, at.Sub(sentAt[i]))
		if cs := copies[i]; len(cs) > 0 {
			out = append(out, slices.MinFunc(cs, time.Time.Compare).Sub(at))
		}
	}
	in50, in99 := percentiles(in)
	out50, out99 := percentiles(out)
	fmt.Fprintf(os.Stderr, "tbbench: relay (%s): sent → stored p50 %.2f ms, p99 %.2f ms; stored → copy posted p50 %.2f ms, p99 %.2f ms\n",
		name, ms(in50), ms(in99), ms(out50), ms(out99))
	fmt.Fprintf(os.Stderr, "tbbench: relay (%s, %d tickets) at %d/s: %d sent, %.2f%% accepted (p99 %.2f ms to the answer); "+
		"copies p50 %.2f ms, p99 %.2f ms (target %v); %d missing, %d doubled; outbox meanwhile: %d delivered, %d deferred (paced or failed), %d events pending%s\n",
		name, len(tickets), relayRate, res.sent, 100*accepted.success(), ms(accepted.p99), ms(res.p50), ms(res.p99), relayMaxP99,
		res.missing, res.doubled, after.Delivered-before.Delivered, after.Failed-before.Failed, l.pending(ctx), accepted.failure())
	if accepted.success() < 1 {
		return res, fmt.Errorf("relay (%s): only %d of %d events accepted; first failure: %s", name, accepted.ok, accepted.sent, accepted.firstErr)
	}
	return res, nil
}

// percentiles sorts d and returns its p50 and p99 (zero when empty).
func percentiles(d []time.Duration) (p50, p99 time.Duration) {
	if len(d) == 0 {
		return 0, 0
	}
	slices.Sort(d)
	return d[len(d)/2], d[min(len(d)-1, len(d)*99/100)]
}

// storedAt returns when each message of tickets was stored, by its Slack ts.
func (b *relayBench) storedAt(ctx context.Context, tickets []relayTicket) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	for _, t := range tickets {
		rows, err := b.db.QueryContext(ctx, "SELECT external_id, created_at FROM ticket_messages WHERE ticket_id = ?", t.triage.TicketID)
		if err != nil {
			return nil, fmt.Errorf("relay: read stored messages: %w", err)
		}
		for rows.Next() {
			var ts string
			var at time.Time
			if err := rows.Scan(&ts, &at); err != nil {
				rows.Close()
				return nil, fmt.Errorf("relay: read stored messages: %w", err)
			}
			out[ts] = at
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("relay: read stored messages: %w", err)
		}
	}
	return out, nil
}
