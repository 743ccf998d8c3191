package main

import (
	"context"
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

// Relay benchmark shape (issue 8): a staff member (a member of the private triage channel)
// writes public messages in a ticket card's thread at relayRate per second for
// relayDuration, each a signed event_callback posted to /slack/events; each must be copied,
// once, into the requester card's thread in the reporter's DM. relay_p99_ms is the p99 from
// the moment the event is sent to the moment the fake Slack receives the copy's
// chat.postMessage (so it includes the adapter's acknowledgement); relay_missing and
// relay_doubled count copies that never came or came twice.
const (
	relayRate     = 50
	relayDuration = 20 * time.Second
	relayMaxP99   = 250 * time.Millisecond
	relayWait     = 30 * time.Second // for the last copies after the load ends
	relayTriage   = "CBTRIAGE"
	relayOrigin   = "CBORIGIN"
	relayAdmin    = "UBADMIN"
	relayStaff    = "UBSTAFF"
	relayReporter = "UBREPORTER"
)

// relayResult is what one relay run measured.
type relayResult struct {
	sent             int
	p50, p99         time.Duration
	missing, doubled int
}

// relayMark finds a relayed message's number in a copy's text.
var relayMark = regexp.MustCompile(`rb-(\d{6})`)

// runRelay sets the live server's workspace up through the real flow (a private triage
// channel with the bot in it, /ticket setup, a ticket opened with a signed /ticket, its card
// and requester card), then measures the relay of staff messages into the requester's DM.
func runRelay(ctx context.Context, e *env, l *slackLive) (relayResult, error) {
	l.fake.AddUser(slacktest.User{ID: relayAdmin, Name: "ada", Admin: true})
	l.fake.AddUser(slacktest.User{ID: relayStaff, Name: "sam"})
	l.fake.AddUser(slacktest.User{ID: relayReporter, Name: "rita"})
	l.fake.AddChannel(slacktest.Channel{ID: relayTriage, Name: "helpdesk", Private: true,
		Members: []string{relayAdmin, relayStaff, slacktest.BotUserID}})
	client := slacktest.Client{BaseURL: l.url, Signer: slacktest.Signer{Secret: slackSecret}}
	command := func(user, channel, text string) (slacktest.Response, error) {
		return client.Command(ctx, slacktest.Command{Team: l.team, Channel: channel, User: user, Text: text})
	}
	r, err := command(relayAdmin, relayTriage, "setup <#"+relayTriage+"|helpdesk>")
	if err != nil || !strings.HasPrefix(r.Text("text"), "Done") {
		return relayResult{}, fmt.Errorf("relay: setup: %d %s %v", r.Status, r.Body, err)
	}
	r, err = command(relayReporter, relayOrigin, "The relay printer jams\nEvery page since Monday.")
	var number int64
	if err == nil {
		_, err = fmt.Sscanf(r.Text("text"), "Ticket #%d", &number)
	}
	if err != nil {
		return relayResult{}, fmt.Errorf("relay: open: %d %s %v", r.Status, r.Body, err)
	}
	triage, dm, err := relayPlaces(ctx, l, number)
	if err != nil {
		return relayResult{}, err
	}

	// Every copy into the requester card's thread, by message number, as the fake got it.
	var (
		mu     sync.Mutex
		copies = map[int][]time.Time{}
		sentAt = map[int]time.Time{}
	)
	hook := func(c slacktest.Call) {
		if c.Method != "chat.postMessage" || !c.OK() || c.Channel != dm.ChannelID || c.Thread != dm.ThreadID {
			return
		}
		m := relayMark.FindStringSubmatch(c.Params["text"])
		if m == nil {
			return
		}
		i, _ := strconv.Atoi(m[1])
		mu.Lock()
		copies[i] = append(copies[i], c.At)
		mu.Unlock()
	}
	l.onCall.Store(&hook)
	defer l.onCall.Store(nil)

	var n atomic.Int64
	endpoint := l.url + "/slack/events"
	tr := func(t *vegeta.Target) error {
		i := int(n.Add(1))
		text := fmt.Sprintf("rb-%06d: tried the other tray too, it still jams (%d)", i, i)
		ts := l.fake.Post(triage.ChannelID, triage.ThreadID, relayStaff, text) // the message as Slack holds it
		body := slacktest.EventCallback(l.team, slacktest.NewEventID(),
			slacktest.MessageEvent(triage.ChannelID, "group", relayStaff, text, ts, triage.ThreadID))
		slackSigned(t, endpoint, slacktest.JSONType, body)
		mu.Lock()
		sentAt[i] = time.Now()
		mu.Unlock()
		return nil
	}
	accepted := slackAttack(ctx, tr, func(r *vegeta.Result) bool { return r.Code == http.StatusOK }, relayRate, relayDuration)
	sent := int(n.Load())
	arrived := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(copies) >= sent
	}
	l.fake.WaitUntil(relayWait, arrived)
	// A copy posted twice would come after the first: let the outbox run dry before counting.
	slackSettle(ctx, l.pending)

	mu.Lock()
	defer mu.Unlock()
	res := relayResult{sent: sent}
	lat := make([]time.Duration, 0, sent)
	for i := 1; i <= sent; i++ {
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
	slices.Sort(lat)
	if len(lat) > 0 {
		res.p50, res.p99 = lat[len(lat)/2], lat[min(len(lat)-1, len(lat)*99/100)]
	}
	fmt.Fprintf(os.Stderr, "tbbench: relay at %d/s: %d sent, %.2f%% accepted (p99 %.2f ms to the answer), copies p50 %.2f ms, p99 %.2f ms (target %v), %d missing, %d doubled%s\n",
		relayRate, sent, 100*accepted.success(), ms(accepted.p99), ms(res.p50), ms(res.p99), relayMaxP99, res.missing, res.doubled, accepted.failure())
	return res, nil
}

// relayPlaces waits until ticket number has its card's thread in the triage channel and its
// requester card's thread in the reporter's DM, and returns both places.
func relayPlaces(ctx context.Context, l *slackLive, number int64) (triage, dm core.Place, err error) {
	ws := core.Workspace{Platform: core.PlatformSlack, ExternalID: l.team}
	load := func() bool {
		t, err := l.stack.store.TicketByNumber(ctx, ws, number)
		if err != nil {
			return false
		}
		ps, err := l.stack.store.Places(ctx, t.ID)
		if err != nil {
			return false
		}
		for _, p := range ps {
			switch p.Kind {
			case core.PlaceTriage:
				triage = p
			case core.PlaceRequesterDM:
				dm = p
			}
		}
		return triage.ThreadID != "" && dm.ThreadID != ""
	}
	if !l.fake.WaitUntil(15*time.Second, load) {
		return triage, dm, fmt.Errorf("relay: ticket #%d never got its card (%+v) and requester card (%+v)", number, triage, dm)
	}
	if triage.ChannelID != relayTriage || dm.ChannelID != slacktest.DMChannel(relayReporter) {
		return triage, dm, fmt.Errorf("relay: ticket #%d's card is in %s and its requester card in %s", number, triage.ChannelID, dm.ChannelID)
	}
	return triage, dm, nil
}
