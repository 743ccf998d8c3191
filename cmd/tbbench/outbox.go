package main

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ticketbot/ticketbot/adapters/slack/slacktest"
	"github.com/ticketbot/ticketbot/core"
)

// Outbox benchmark shape (issue 14): outboxTickets tickets are opened (through the service,
// each by a new user in a channel of its own, so no channel's pace applies and each
// ticket.opened is one chat.postMessage of the card), then the dispatcher is started on the
// backlog; outbox_rate is the cards posted per second until the outbox is empty. The
// baseline does the least a delivery needs with as many workers as the dispatcher has: one
// POST of the same card (the fields of the first card the drain posted, each to a channel of
// its own) to the same fake Slack, then one UPDATE of a row, per notification.
// outbox_lag_p99_ms opens tickets at outboxLagRate a second for outboxLagDuration with the
// dispatcher running, and times each from the open's commit to its card reaching the fake.
// outbox_cpu_us_per_post and outbox_baseline_cpu_us_per_post are this process's CPU time
// (user + system, the fake Slack's included, the database's not) per card posted in each: on
// 2 cores both are CPU-bound, so they say where the rates' difference goes.
// The fake runs in this process, so its work (a third of either side's) and its heap (the
// calls and messages it keeps, ~100 MB after the drain) are in both figures and in this
// process's collections, which the tbbench line after the drain prints for each.
const (
	outboxTickets     = 10000 // a drain of ~4 s: 3,000 (~1.3 s) varied by ±10 % from run to run
	outboxWorkers     = 4     // the dispatcher's default Workers
	outboxLagRate     = 200
	outboxLagDuration = 10 * time.Second
	outboxLagMaxP99   = time.Second
	outboxDrain       = 2 * time.Minute
)

func runOutbox(ctx context.Context, e *env) error {
	dbURL, err := e.freshDatabase(ctx)
	if err != nil {
		return err
	}
	team := "TB" + strings.ToUpper(slackRandomHex(4))
	l, err := slackLiveServerIdle(ctx, e, dbURL, team)
	if err != nil {
		return err
	}
	defer l.close()
	ws := core.Workspace{Platform: core.PlatformSlack, ExternalID: team}
	open := func(ctx context.Context, i int, prefix string) (core.Ticket, error) {
		a := core.Actor{User: core.UserRef{ID: fmt.Sprintf("U%s%07d", prefix, i)}, Role: core.RoleRequester, Workspace: ws}
		return l.stack.svc.OpenTicket(ctx, a, core.OpenInput{Title: fmt.Sprintf("Printer %d on floor 3 is jammed", i),
			Description: "It shows error E42 and will not print.", OriginChannel: fmt.Sprintf("C%s%07d", prefix, i)})
	}
	if _, err := measure(ctx, outboxTickets, 8, func(ctx context.Context, i int) error { _, err := open(ctx, i, "O"); return err }); err != nil {
		return fmt.Errorf("outbox: open the backlog: %w", err)
	}
	var posts atomic.Int64
	var lagMu sync.Mutex
	opened := map[string]time.Time{} // channel → commit time, for the lag run
	posted := map[string]time.Time{} // channel → post time of a card that beat its open's return
	var lags []time.Duration
	lagRun := false
	var card url.Values // the first card posted, for the baseline
	f := func(c slacktest.Call) {
		if c.Method != "chat.postMessage" || c.Error != "" {
			return
		}
		posts.Add(1)
		now := time.Now()
		lagMu.Lock()
		defer lagMu.Unlock()
		if card == nil {
			card = url.Values{}
			for k, v := range c.Params {
				card.Set(k, v)
			}
		}
		if !lagRun {
			return
		}
		if at, ok := opened[c.Params["channel"]]; ok {
			lags = append(lags, now.Sub(at))
			delete(opened, c.Params["channel"])
		} else {
			posted[c.Params["channel"]] = now
		}
	}
	l.onCall.Store(&f)
	cpu0, gc0 := cpuTime(), numGC()
	start := time.Now()
	l.startOutbox()
	if err := waitDrained(ctx, l, outboxDrain); err != nil {
		return err
	}
	elapsed := time.Since(start)
	cpu, gcs := cpuTime()-cpu0, numGC()-gc0
	cards := posts.Load() // the baseline's posts and the lag run's are counted too, later
	rate := float64(cards) / elapsed.Seconds()
	st := l.stack.disp.Stats()
	fmt.Fprintf(os.Stderr, "tbbench: outbox drained %d events (%d cards posted) in %v; %d failed, %d dropped\n",
		st.Delivered, cards, elapsed.Round(time.Millisecond), st.Failed, st.Dropped)

	lagMu.Lock()
	first := card
	lagMu.Unlock()
	if first == nil {
		return fmt.Errorf("outbox: the drain posted no card")
	}
	cpu1, gc1 := cpuTime(), numGC()
	base, err := outboxBaseline(ctx, e, dbURL, l.fake.APIURL(), first, int(cards))
	if err != nil {
		return err
	}
	baseCPU, baseGCs := cpuTime()-cpu1, numGC()-gc1
	fmt.Fprintf(os.Stderr, "tbbench: outbox CPU of this process: drain %v (%d collections), baseline %v (%d collections)\n",
		cpu.Round(time.Millisecond), gcs, baseCPU.Round(time.Millisecond), baseGCs)

	// The lag run: opens at a steady rate, the dispatcher keeping up as it goes. A card's
	// lag runs from its open's return (the commit) to the post reaching the fake; a card
	// posted before the open returned counts 0.
	lagMu.Lock()
	lagRun = true
	lagMu.Unlock()
	tick := time.NewTicker(time.Second / outboxLagRate)
	defer tick.Stop()
	var wg sync.WaitGroup
	var failed atomic.Int64
	n := int(outboxLagRate * outboxLagDuration / time.Second)
	openLat := make([]time.Duration, n)
	for i := range n {
		<-tick.C
		wg.Go(func() {
			t0 := time.Now()
			_, err := open(ctx, i, "L")
			now := time.Now()
			openLat[i] = now.Sub(t0)
			if err != nil {
				failed.Add(1)
				return
			}
			ch := fmt.Sprintf("CL%07d", i)
			lagMu.Lock()
			if at, ok := posted[ch]; ok {
				lags = append(lags, max(0, at.Sub(now)))
				delete(posted, ch)
			} else {
				opened[ch] = now
			}
			lagMu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(openLat)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		lagMu.Lock()
		left := len(opened)
		lagMu.Unlock()
		if left == 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	lagMu.Lock()
	missing := len(opened)
	slices.Sort(lags)
	var p50, p99 time.Duration
	if len(lags) > 0 {
		p50, p99 = lags[len(lags)/2], lags[min(len(lags)-1, len(lags)*99/100)]
	}
	lagMu.Unlock()
	fmt.Fprintf(os.Stderr, "tbbench: outbox lag at %d tickets/s: %d opened (%d failed; open p99 %.2f ms), p50 %.2f ms, p99 %.2f ms, %d cards not posted within 10 s\n",
		outboxLagRate, n, failed.Load(), ms(openLat[n*99/100]), ms(p50), ms(p99), missing)
	report("outbox_rate", rate, "posts/s")
	report("outbox_baseline_rate", base, "posts/s")
	report("outbox_vs_baseline", rate/base, "x")
	report("outbox_cpu_us_per_post", float64(cpu.Microseconds())/float64(max(cards, 1)), "µs")
	report("outbox_baseline_cpu_us_per_post", float64(baseCPU.Microseconds())/float64(max(cards, 1)), "µs")
	report("outbox_lag_p99_ms", ms(p99), "ms")
	report("outbox_lag_missing", float64(missing), "cards")
	return nil
}

// waitDrained waits until l's outbox has no undelivered event.
func waitDrained(ctx context.Context, l *slackLive, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for ctx.Err() == nil {
		if l.pending(ctx) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("outbox: %d events still pending after %v", l.pending(ctx), limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return ctx.Err()
}

// outboxBaseline posts card n times to the fake Slack, each time to a channel of its own, with
// outboxWorkers workers, each post followed by one UPDATE of its row, and returns the posts
// per second.
func outboxBaseline(ctx context.Context, e *env, dbURL, apiURL string, card url.Values, n int) (float64, error) {
	db, err := e.openRaw(dbURL)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(outboxWorkers)
	if _, err := db.ExecContext(ctx, `CREATE TABLE outbox_baseline (id BIGINT PRIMARY KEY, delivered_at DATETIME(6) NULL)`); err != nil {
		return 0, err
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO outbox_baseline (id) SELECT seq FROM seq_1_to_`+fmt.Sprint(n)); err != nil {
		return 0, err
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: outboxWorkers}}
	r, err := measure(ctx, n, outboxWorkers, func(ctx context.Context, i int) error {
		form := maps.Clone(card)
		form.Set("channel", fmt.Sprintf("CBASE%07d", i))
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, apiURL+"chat.postMessage", strings.NewReader(form.Encode()))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Bearer xoxb-bench")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("baseline post: %s", resp.Status)
		}
		_, err = db.ExecContext(ctx, `UPDATE outbox_baseline SET delivered_at = ? WHERE id = ?`, time.Now().UTC(), i+1)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("outbox baseline: %w", err)
	}
	return r.opsPerSec(), nil
}

// numGC is how many garbage collections this process has finished.
func numGC() uint32 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.NumGC
}
