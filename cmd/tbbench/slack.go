package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ticketbot/ticketbot/adapters/slack"
	"github.com/ticketbot/ticketbot/adapters/slack/slacktest"
	"github.com/ticketbot/ticketbot/core"
)

// Slack benchmark shape: signed "/ticket TEXT" slash commands, each from a new user in one of
// slackChannels channels, fired by vegeta at the real /slack/commands handler (MariaDB and
// Redis behind it, the outbox posting cards to a fake Slack Web API) — first at a fixed rate,
// then at doubling and bisected rates to find the highest sustained one. The baseline handler
// verifies the same signature and does one raw INSERT into the same database.
const (
	slackFixedRate     = 500 // issue 14: slack_open_500_*
	slackFixedDuration = 20 * time.Second
	slackWarmDuration  = 2 * time.Second
	slackFirstStep     = 250
	slackCeiling       = 16000
	slackStepDuration  = 3 * time.Second
	slackSearchBudget  = 35 * time.Second // per handler: about a minute for both
	slackMaxP99        = 250 * time.Millisecond
	slackMinSuccess    = 0.99
	slackChannels      = 2000
	slackMaxWorkers    = 1024 // in-flight requests (and connections): each costs two descriptors here
	slackSecret        = "tbbench-slack-signing-secret"
)

// runSlack measures the Slack slash-command path against its baseline, then the relay of
// triage-thread messages into the requester's DM thread (relay.go) on the same live server.
func runSlack(ctx context.Context, e *env) error {
	dbURL, err := e.freshDatabase(ctx)
	if err != nil {
		return err
	}
	team := "TB" + strings.ToUpper(slackRandomHex(4)) // Redis is shared between runs
	live, err := slackLiveServer(ctx, e, dbURL, team)
	if err != nil {
		return err
	}
	defer live.close()
	base, closeBase, err := slackBaselineServer(ctx, e, dbURL)
	if err != nil {
		return err
	}
	defer closeBase()

	liveTr := slackTargeter(live.url+"/slack/commands", team, live.fake.URL())
	baseTr := slackTargeter(base+"/slack/commands", team, live.fake.URL())
	// Answered: the ticket opened, or (the database busy) the request queued and finished
	// after the acknowledgement. Anything else is refused.
	liveOK := func(r *vegeta.Result) bool {
		return r.Code == http.StatusOK && (bytes.Contains(r.Body, []byte(" opened: ")) || bytes.Contains(r.Body, []byte("queued")))
	}
	baseOK := func(r *vegeta.Result) bool {
		return r.Code == http.StatusOK && bytes.Contains(r.Body, []byte(`"ephemeral"`))
	}
	settle := func() { slackSettle(ctx, live.pending) }

	// Warm both up (connections, pools, buffer pool), then the fixed rate.
	for _, w := range []struct {
		tr vegeta.Targeter
		ok func(*vegeta.Result) bool
	}{{liveTr, liveOK}, {baseTr, baseOK}} {
		if r := slackAttack(ctx, w.tr, w.ok, 50, slackWarmDuration); r.success() < slackMinSuccess {
			return fmt.Errorf("warm-up failed: %d of %d ok; first failure: %s", r.ok, r.sent, r.firstErr)
		}
	}
	settle()
	resetPeakRSS()
	before := live.tickets(ctx)
	liveFixed := slackAttack(ctx, liveTr, liveOK, slackFixedRate, slackFixedDuration)
	liveRSS := peakRSS()
	// The queued commands are finished after their acknowledgement: wait for the backlog to
	// be done (so the baseline does not run beside it), then count the tickets they opened.
	drained := time.Now()
	drainErr := live.drain(ctx, slackDrainLimit)
	drainTook := time.Since(drained)
	opened := live.tickets(ctx) - before
	settle()
	resetPeakRSS()
	baseFixed := slackAttack(ctx, baseTr, baseOK, slackFixedRate, slackFixedDuration)
	baseRSS := peakRSS()
	settle()
	report("slack_open_500_p99_ms", ms(liveFixed.p99), "ms")
	report("slack_baseline_500_p99_ms", ms(baseFixed.p99), "ms")
	report("slack_open_500_refused", float64(liveFixed.sent-liveFixed.ok), "requests")
	report("slack_open_500_queued", float64(liveFixed.queued), "requests")
	report("slack_baseline_500_refused", float64(baseFixed.sent-baseFixed.ok), "requests")
	// Acknowledged (opened or queued) but no ticket once the backlog was done: must be 0.
	report("slack_open_500_lost", float64(int64(liveFixed.ok)-opened), "requests")
	report("slack_open_500_backlog_drain_s", drainTook.Seconds(), "s")
	if drainErr != nil {
		fmt.Fprintf(os.Stderr, "tbbench: slack: %v\n", drainErr)
	}
	// This process's peaks (server, vegeta and fake together); the server's own is the rss suite's.
	report("bench_process_rss_peak_mb", liveRSS, "MB")
	report("bench_process_rss_baseline_peak_mb", baseRSS, "MB")
	for _, r := range []struct {
		name string
		run  slackRun
	}{{"ticketbot", liveFixed}, {"baseline", baseFixed}} {
		fmt.Fprintf(os.Stderr, "tbbench: slack %s at %d/s: %d sent, %.2f%% ok, p50 %.2f ms, p99 %.2f ms%s\n", r.name,
			slackFixedRate, r.run.sent, 100*r.run.success(), ms(r.run.p50), ms(r.run.p99), r.run.failure())
	}
	// A failed slash-command run still lets the relay (a server of its own) be measured.
	var openErr error
	if liveFixed.success() < slackMinSuccess {
		openErr = fmt.Errorf("slack_open at %d/s: only %d of %d ok; first failure: %s", slackFixedRate, liveFixed.ok, liveFixed.sent, liveFixed.firstErr)
	} else {
		liveMax := slackMaxRate(ctx, "ticketbot", liveTr, liveOK, settle)
		baseMax := slackMaxRate(ctx, "baseline", baseTr, baseOK, settle)
		report("slack_open_max_rps", liveMax, "req/s")
		report("slack_baseline_max_rps", baseMax, "req/s")
	}

	// Stop the slash-command server first: its outbox backlog must not weigh on the relay.
	live.close()
	return errors.Join(openErr, runRelaySuite(ctx, e))
}

// runRelaySuite measures the relay of triage-thread messages into the requester's DM thread
// (relay.go) on a live server of its own and reports its figures; `-suite relay` runs it alone.
func runRelaySuite(ctx context.Context, e *env) error {
	spread, one, err := runRelay(ctx, e)
	if err != nil {
		return err
	}
	report("relay_p99_ms", ms(one.p99), "ms")
	report("relay_missing", float64(one.missing), "messages")
	report("relay_doubled", float64(one.doubled), "messages")
	report("relay_spread_p99_ms", ms(spread.p99), "ms")
	report("relay_spread_missing", float64(spread.missing), "messages")
	report("relay_spread_doubled", float64(spread.doubled), "messages")
	for _, r := range []struct {
		name string
		res  relayResult
	}{{"relay", one}, {"relay_spread", spread}} {
		if r.res.missing > 0 || r.res.p99 > relayMaxP99 {
			fmt.Fprintf(os.Stderr, "tbbench: %s misses its target: p99 %.2f ms (target %v), %d of %d copies not posted within %v\n",
				r.name, ms(r.res.p99), relayMaxP99, r.res.missing, r.res.sent, relayWait)
		}
	}
	// A copy posted twice is a bug whatever the load; so is one missing while no channel is
	// over Slack's rate.
	if one.doubled > 0 || spread.doubled > 0 || spread.missing > 0 {
		return fmt.Errorf("relay: %d+%d copies posted twice, %d missing in the spread run", one.doubled, spread.doubled, spread.missing)
	}
	return nil
}

// slackTargeter makes signed slash commands: /ticket TEXT from a new user each time, with a
// response_url on the fake Slack at fake (where queued commands are answered).
func slackTargeter(endpoint, team, fake string) vegeta.Targeter {
	var n atomic.Int64
	return func(t *vegeta.Target) error {
		i := n.Add(1)
		body := []byte(slacktest.Command{
			Team: team, TeamDomain: "bench", ChannelName: "bench",
			Channel:     fmt.Sprintf("CB%05d", i%slackChannels),
			User:        fmt.Sprintf("UB%09d", i),
			UserName:    fmt.Sprintf("bench%d", i),
			Text:        fmt.Sprintf("Printer %d on floor 3 is jammed\nIt shows error E%d and will not print.", i, i%97),
			AppID:       "ABENCH",
			TriggerID:   team + "." + strconv.FormatInt(i, 10), // unique across runs too: Redis remembers trigger ids
			ResponseURL: fake + "/response/" + team + "/" + strconv.FormatInt(i, 10),
		}.Form().Encode())
		slackSigned(t, endpoint, slacktest.FormType, body)
		return nil
	}
}

// slackSigned makes t a POST of body to endpoint signed with slackSecret now.
func slackSigned(t *vegeta.Target, endpoint, contentType string, body []byte) {
	t.Method, t.URL, t.Body = http.MethodPost, endpoint, body
	t.Header = slacktest.Sign(slackSecret, time.Now(), body)
	t.Header.Set("Content-Type", contentType)
}

// slackRun is the outcome of one constant-rate attack.
type slackRun struct {
	rate     int
	sent, ok int
	queued   int // answered "queued" (finished after the acknowledgement)
	p50, p99 time.Duration
	sendRate float64 // requests per second vegeta managed to send
	okPerSec float64 // successful answers per second
	firstErr string
}

func (r slackRun) success() float64 {
	if r.sent == 0 {
		return 0
	}
	return float64(r.ok) / float64(r.sent)
}

// sustained: nearly every request answered well, fast enough, at the rate asked for.
func (r slackRun) sustained() bool {
	return r.success() >= slackMinSuccess && r.p99 <= slackMaxP99 && r.sendRate >= 0.95*float64(r.rate)
}

func (r slackRun) failure() string {
	if r.firstErr == "" {
		return ""
	}
	return "; first failure: " + r.firstErr
}

// slackAttack fires tr at rate per second for d.
func slackAttack(ctx context.Context, tr vegeta.Targeter, ok func(*vegeta.Result) bool, rate int, d time.Duration) slackRun {
	atk := vegeta.NewAttacker(vegeta.Timeout(5*time.Second), vegeta.Workers(64), vegeta.MaxWorkers(slackMaxWorkers),
		vegeta.Connections(slackMaxWorkers), vegeta.MaxConnections(slackMaxWorkers),
		vegeta.MaxBody(8192), vegeta.KeepAlive(true))
	run := slackRun{rate: rate}
	var (
		m   vegeta.Metrics
		lat []time.Duration
	)
	results := atk.Attack(tr, vegeta.Rate{Freq: rate, Per: time.Second}, d, "slack")
	for r := range results {
		if ctx.Err() != nil {
			atk.Stop()
		}
		m.Add(r)
		run.sent++
		lat = append(lat, r.Latency)
		if ok(r) {
			run.ok++
			if bytes.Contains(r.Body, []byte("queued")) {
				run.queued++
			}
		} else if run.firstErr == "" {
			b := r.Body
			if len(b) > 200 {
				b = b[:200]
			}
			run.firstErr = fmt.Sprintf("%d %s %s", r.Code, r.Error, b)
		}
	}
	m.Close()
	slices.Sort(lat)
	if len(lat) > 0 {
		run.p50 = lat[len(lat)/2]
		run.p99 = lat[min(len(lat)-1, len(lat)*99/100)]
	}
	run.sendRate = m.Rate
	if total := (m.Duration + m.Wait).Seconds(); total > 0 {
		run.okPerSec = float64(run.ok) / total
	}
	return run
}

// slackMaxRate doubles the rate from slackFirstStep until a step is not sustained (twice), then
// bisects between the last good and the first bad rate while the budget lasts. It returns the
// successful answers per second of the best sustained step.
func slackMaxRate(ctx context.Context, name string, tr vegeta.Targeter, ok func(*vegeta.Result) bool, settle func()) float64 {
	deadline := time.Now().Add(slackSearchBudget)
	fits := func() bool { return time.Now().Add(slackStepDuration).Before(deadline) && ctx.Err() == nil }
	good, bad := 0, 0
	best := 0.0
	// A step that fails is run once more before the rate counts as too high: on a shared
	// machine one stall of a neighbour can spoil three seconds.
	step := func(rate int) bool {
		for try := range 2 {
			if try > 0 && !fits() {
				break
			}
			r := slackAttack(ctx, tr, ok, rate, slackStepDuration)
			fmt.Fprintf(os.Stderr, "tbbench: slack %s at %d/s: sent %.0f/s, %.2f%% ok, p99 %.2f ms%s\n",
				name, rate, r.sendRate, 100*r.success(), ms(r.p99), r.failure())
			settle()
			if r.sustained() {
				best = max(best, r.okPerSec)
				return true
			}
		}
		return false
	}
	for rate := slackFirstStep; rate <= slackCeiling && fits(); rate *= 2 {
		if !step(rate) {
			bad = rate
			break
		}
		good = rate
	}
	for bad != 0 && bad-good > max(good/10, 25) && fits() {
		mid := (good + bad) / 2
		if step(mid) {
			good = mid
		} else {
			bad = mid
		}
	}
	return best
}

// slackSettle lets the outbox catch up between steps (at most a few seconds), so one step's
// backlog does not weigh on the next.
func slackSettle(ctx context.Context, pending func(context.Context) int64) {
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if pending(ctx) == 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	select {
	case <-ctx.Done():
	case <-time.After(300 * time.Millisecond):
	}
}

// slackLive is the production stack behind the Slack adapter's HTTP routes, the adapter
// talking to slacktest's fake Slack.
type slackLive struct {
	url   string
	team  string
	fake  *slacktest.Server
	stack *stack
	// onCall, when set, sees every call the fake records (the relay times copies with it).
	onCall      atomic.Pointer[func(slacktest.Call)]
	startOutbox func()
	close       func()
}

// slackDrainLimit bounds the wait for the intake's backlog after the fixed-rate run.
const slackDrainLimit = 5 * time.Minute

// drain waits until no stored command is left to do, at most limit.
func (l *slackLive) drain(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for ctx.Err() == nil {
		n, err := l.stack.store.PendingIntake(ctx)
		if err == nil && n == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d stored commands still to do after %v", n, limit)
		}
		time.Sleep(200 * time.Millisecond)
	}
	return ctx.Err()
}

// tickets counts the tickets of the live server's team.
func (l *slackLive) tickets(ctx context.Context) int64 {
	c, err := l.stack.store.CountTickets(ctx, core.ListFilter{Workspace: core.Workspace{Platform: core.PlatformSlack, ExternalID: l.team}})
	if err != nil {
		return -1
	}
	return c.Total()
}

// pending counts the undelivered outbox events and the stored commands not yet done.
func (l *slackLive) pending(ctx context.Context) int64 {
	n, err := l.stack.store.PendingEvents(ctx)
	m, ierr := l.stack.store.PendingIntake(ctx)
	if err != nil || ierr != nil {
		return 0
	}
	return n + m
}

// slackLiveServer builds the production stack on the fresh database and Redis: gormstore,
// redisstate (fail-open), the service, the outbox dispatcher with the Slack adapter as its
// Notifier, the bot with its default limits, and the adapter's routes — the adapter talking to
// slacktest's fake Web API (every user id known, the call log bounded).
func slackLiveServer(ctx context.Context, e *env, dbURL, team string) (*slackLive, error) {
	l, err := slackLiveServerIdle(ctx, e, dbURL, team)
	if err != nil {
		return nil, err
	}
	l.startOutbox()
	return l, nil
}

// slackLiveServerIdle is slackLiveServer with the outbox dispatcher not yet running: start
// it with startOutbox (the outbox benchmark lets a backlog build first).
func slackLiveServerIdle(ctx context.Context, e *env, dbURL, team string) (*slackLive, error) {
	sk, err := e.newStack(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	l := &slackLive{team: team, stack: sk}
	l.fake = slacktest.New(slacktest.Options{Team: team, BotToken: "xoxb-bench", ImplicitUsers: true, MaxCalls: 4096,
		OnCall: func(c slacktest.Call) {
			if f := l.onCall.Load(); f != nil {
				(*f)(c)
			}
		}})
	a, err := slack.New(ctx, slack.Config{Bot: sk.bot, Service: sk.svc, BotToken: "xoxb-bench", SigningSecret: slackSecret,
		APIURL: l.fake.APIURL(), Log: e.log, Intake: sk.intake})
	if err != nil {
		l.fake.Close()
		return nil, err
	}
	if err := sk.disp.Register(a); err != nil {
		l.fake.Close()
		return nil, err
	}
	rctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	l.startOutbox = sync.OnceFunc(func() { wg.Go(func() { sk.disp.Run(rctx) }) })
	wg.Go(func() { _ = a.Run(rctx) })
	wg.Go(func() { sk.intake.Run(rctx) })
	mux := http.NewServeMux()
	a.Routes(mux)
	srv := httptest.NewServer(mux)
	l.url = srv.URL
	l.close = sync.OnceFunc(func() {
		srv.Close()
		cancel()
		wg.Wait()
		l.fake.Close()
	})
	return l, nil
}

// slackBaselineServer serves a handler that verifies the signature and does one raw INSERT.
func slackBaselineServer(ctx context.Context, e *env, dbURL string) (string, func(), error) {
	db, err := e.openRaw(dbURL)
	if err != nil {
		return "", nil, err
	}
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(32)
	if _, err := db.ExecContext(ctx, `CREATE TABLE slack_baseline (
		id BIGINT AUTO_INCREMENT PRIMARY KEY,
		team VARCHAR(32) NOT NULL, user_id VARCHAR(32) NOT NULL, channel_id VARCHAR(32) NOT NULL,
		text TEXT NOT NULL, created_at DATETIME(6) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`); err != nil {
		db.Close()
		return "", nil, err
	}
	srv := httptest.NewServer(slackBaseline(db))
	return srv.URL, func() { srv.Close(); db.Close() }, nil
}

var errSlackSignature = errors.New("bad signature")

// slackBaseline is the least a slash-command endpoint can do: read the capped body, check the
// v0 signature and its 5-minute window, parse the form, INSERT one row, answer.
func slackBaseline(db *sql.DB) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			http.Error(w, "too large", http.StatusRequestEntityTooLarge)
			return
		}
		if err := slackVerify(r.Header, body); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		if _, err := db.ExecContext(r.Context(), `INSERT INTO slack_baseline (team, user_id, channel_id, text, created_at) VALUES (?, ?, ?, ?, ?)`,
			form.Get("team_id"), form.Get("user_id"), form.Get("channel_id"), form.Get("text"), time.Now().UTC()); err != nil {
			http.Error(w, "insert failed", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"response_type":"ephemeral","text":"Ticket opened."}`))
	})
}

func slackVerify(h http.Header, body []byte) error {
	ts := h.Get("X-Slack-Request-Timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errSlackSignature
	}
	if d := time.Since(time.Unix(sec, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return errSlackSignature
	}
	if !hmac.Equal([]byte(h.Get("X-Slack-Signature")), []byte(slacktest.Signature(slackSecret, ts, body))) {
		return errSlackSignature
	}
	return nil
}

func slackRandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
