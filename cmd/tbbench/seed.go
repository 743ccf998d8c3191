package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// seedTickets bulk-inserts n tickets into ws (and its counter) with multi-row INSERTs, with
// descriptions and assignees of a realistic size so the JSON is what a real page weighs.
func seedTickets(ctx context.Context, e *env, url string, ws core.Workspace, n int) error {
	db, err := e.openRaw(url)
	if err != nil {
		return err
	}
	defer db.Close()
	statuses := []string{"open", "in_progress", "waiting", "resolved", "closed", "closed"}
	priorities := []string{"low", "normal", "normal", "high", "urgent"}
	desc := strings.Repeat("The printer on floor 3 jams on every job since the firmware update. ", 3)
	const batch = 1000
	base := time.Now().UTC().Add(-time.Duration(n) * time.Minute)
	for from := 0; from < n; from += batch {
		var sb strings.Builder
		args := make([]any, 0, batch*11)
		sb.WriteString(`INSERT INTO tickets (workspace, number, title, description, status, priority, reporter_id,
			reporter_name, assignee_id, assignee_name, origin_channel, thread_channel, thread_id, card_id, status_note,
			created_at, updated_at) VALUES `)
		for i := from; i < min(from+batch, n); i++ {
			if i > from {
				sb.WriteByte(',')
			}
			sb.WriteString("(?,?,?,?,?,?,?,?,?,?,'C01','C01',?,?,'',?,?)")
			at := base.Add(time.Duration(i) * time.Minute)
			assignee, assigneeName := "", ""
			if i%3 == 0 {
				assignee, assigneeName = fmt.Sprintf("U%05d", i%40), fmt.Sprintf("agent %d", i%40)
			}
			ts := fmt.Sprintf("1700000000.%06d", i)
			args = append(args, ws.String(), i+1, fmt.Sprintf("Seeded ticket %d: printer jams on floor %d", i+1, i%9),
				desc, statuses[i%len(statuses)], priorities[i%len(priorities)], fmt.Sprintf("U%05d", i%500),
				fmt.Sprintf("user %d", i%500), assignee, assigneeName, ts, ts, at, at)
		}
		if _, err := db.ExecContext(ctx, sb.String(), args...); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO workspace_counters (workspace, last_number) VALUES (?, ?)`, ws.String(), n); err != nil {
		return fmt.Errorf("seed counter: %w", err)
	}
	return nil
}
