package main

import (
	"context"
	"fmt"
	"time"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/redisstate"
)

// runStore measures the core against MariaDB and Redis:
//   - open_ticket (Service.OpenTicket: counter, ticket, history and outbox in one transaction)
//     against raw_insert (one plain INSERT of the same row with database/sql);
//   - limiter_allow (one GCRA round trip) against redis_ping;
//   - list_first_page p99 in a workspace of 100,000 tickets.
func runStore(ctx context.Context, e *env) error {
	url, err := e.freshDatabase(ctx)
	if err != nil {
		return err
	}
	sk, err := e.newStack(ctx, url)
	if err != nil {
		return err
	}
	svc, rs := sk.svc, sk.redis
	if err := benchOpen(ctx, e, url, svc); err != nil {
		return err
	}
	if err := benchLimiter(ctx, rs); err != nil {
		return err
	}
	return benchList(ctx, e, url, svc)
}

const openOps, openWorkers = 3000, 8

func benchOpen(ctx context.Context, e *env, url string, svc *core.Service) error {
	// All opens in one workspace: they all wait for its counter row, the strictest case.
	opens := func(workspaces int) (result, error) {
		return measure(ctx, openOps, openWorkers, func(ctx context.Context, i int) error {
			ws := core.Workspace{Platform: core.PlatformSlack, ExternalID: fmt.Sprintf("TBENCH%d", i%workspaces)}
			a := core.Actor{User: core.UserRef{ID: fmt.Sprintf("U%d", i)}, Role: core.RoleRequester, Workspace: ws}
			_, err := svc.OpenTicket(ctx, a, core.OpenInput{Title: "Benchmark ticket", Description: "the printer is on fire"})
			return err
		})
	}
	open, err := opens(1)
	if err != nil {
		return fmt.Errorf("open_ticket: %w", err)
	}
	spread, err := opens(64)
	if err != nil {
		return fmt.Errorf("open_ticket_64_workspaces: %w", err)
	}
	db, err := e.openRaw(url)
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(openWorkers * 2)
	if _, err := db.ExecContext(ctx, `CREATE TABLE raw_tickets LIKE tickets`); err != nil {
		return err
	}
	raw, err := measure(ctx, openOps, openWorkers, func(ctx context.Context, i int) error {
		now := time.Now().UTC()
		_, err := db.ExecContext(ctx, `INSERT INTO raw_tickets (workspace, number, title, description, status, priority,
			reporter_id, reporter_name, assignee_id, assignee_name, origin_channel, thread_channel, thread_id, card_id,
			status_note, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,'','','','','','','',?,?)`,
			"slack:TRAW", i+1, "Benchmark ticket", "the printer is on fire", "open", "normal", fmt.Sprintf("U%d", i), "", now, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("raw_insert: %w", err)
	}
	report("open_ticket", open.opsPerSec(), "ops/s")
	report("open_ticket_64_workspaces", spread.opsPerSec(), "ops/s")
	report("raw_insert", raw.opsPerSec(), "ops/s")
	report("open_ticket_vs_raw", open.opsPerSec()/raw.opsPerSec(), "x")
	return nil
}

const limiterOps, limiterWorkers = 20000, 1

func benchLimiter(ctx context.Context, rs *redisstate.Store) error {
	l := core.Limit{Rate: 1_000_000, Period: time.Second, Burst: 1_000_000}
	// Interleave rounds so that both see the same machine load.
	var allow, ping time.Duration
	var n int
	for round := range 4 {
		a, err := measure(ctx, limiterOps/4, limiterWorkers, func(ctx context.Context, i int) error {
			_, err := rs.Allow(ctx, fmt.Sprintf("tb:bench:%d", i%64), l)
			return err
		})
		if err != nil {
			return fmt.Errorf("limiter_allow: %w", err)
		}
		p, err := measure(ctx, limiterOps/4, limiterWorkers, func(ctx context.Context, i int) error { return rs.Ping(ctx) })
		if err != nil {
			return fmt.Errorf("redis_ping: %w", err)
		}
		if round == 0 {
			continue // warm-up
		}
		allow += a.elapsed
		ping += p.elapsed
		n += limiterOps / 4
	}
	ar, pr := float64(n)/allow.Seconds(), float64(n)/ping.Seconds()
	report("limiter_allow", ar, "ops/s")
	report("redis_ping", pr, "ops/s")
	report("limiter_allow_vs_ping", ar/pr, "x")
	return nil
}

const listTickets = 100_000

func benchList(ctx context.Context, e *env, url string, svc *core.Service) error {
	ws := core.Workspace{Platform: core.PlatformSlack, ExternalID: "TBENCHLIST"}
	if err := seedTickets(ctx, e, url, ws, listTickets); err != nil {
		return err
	}
	staff := core.Actor{User: core.UserRef{ID: "S1"}, Role: core.RoleStaff, Workspace: ws}
	active := []core.Status{core.StatusOpen, core.StatusInProgress, core.StatusWaiting}
	r, err := measure(ctx, 2000, 1, func(ctx context.Context, i int) error {
		f := core.ListFilter{Limit: 50}
		if i%2 == 1 {
			f.Statuses = active // what /ticket list asks
		}
		ts, err := svc.ListTickets(ctx, staff, f)
		if err == nil && len(ts) != 50 {
			err = fmt.Errorf("got %d tickets", len(ts))
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("list_first_page: %w", err)
	}
	report("list_first_page_p50", ms(r.p50), "ms")
	report("list_first_page_p99", ms(r.p99), "ms")
	return nil
}
