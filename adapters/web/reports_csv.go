package web

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// reportTables are the tables StatsCSV writes, in the page's order.
var reportTables = []string{"days", "backlog", "backlog_days", "times", "assignees", "sla", "csat"}

// StatsCSV renders one table of st as CSV: days, backlog, backlog_days, times, assignees,
// sla or csat. Times are whole seconds of running support time; rates and averages have
// four decimals.
func StatsCSV(st core.Stats, table string) ([]byte, error) {
	var buf bytes.Buffer
	c := csv.NewWriter(&buf)
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	secs := func(d time.Duration) string { return n(int64(d / time.Second)) }
	f4 := func(v float64) string { return strconv.FormatFloat(v, 'f', 4, 64) }
	times := func(t core.TimeStats) []string { return []string{n(t.Count), secs(t.Median), secs(t.P90)} }
	switch table {
	case "days":
		_ = c.Write([]string{"day", "opened", "closed"})
		for _, d := range st.Days {
			_ = c.Write([]string{d.Day, n(d.Opened), n(d.Closed)})
		}
	case "backlog":
		_ = c.Write([]string{"status", "tickets"})
		for _, s := range core.Statuses() {
			_ = c.Write([]string{string(s), n(st.Backlog[s])})
		}
	case "backlog_days":
		head := []string{"day"}
		for _, s := range core.Statuses() {
			head = append(head, string(s))
		}
		_ = c.Write(head)
		for _, d := range st.BacklogDays {
			row := []string{d.Day}
			for _, s := range core.Statuses() {
				row = append(row, n(d.Counts[s]))
			}
			_ = c.Write(row)
		}
	case "times":
		_ = c.Write([]string{"measure", "tickets", "median_seconds", "p90_seconds"})
		_ = c.Write(append([]string{"first_response"}, times(st.FirstResponse)...))
		_ = c.Write(append([]string{"resolution"}, times(st.Resolution)...))
	case "assignees":
		_ = c.Write([]string{"assignee_id", "assignee_name", "tickets", "resolved",
			"first_responses", "first_response_median_seconds", "first_response_p90_seconds",
			"resolutions", "resolution_median_seconds", "resolution_p90_seconds"})
		for _, a := range st.Assignees {
			row := append([]string{csvSafe(a.Assignee.ID), csvSafe(a.Assignee.Name), n(a.Tickets), n(a.Resolved)}, times(a.FirstResponse)...)
			_ = c.Write(append(row, times(a.Resolution)...))
		}
	case "sla":
		_ = c.Write([]string{"priority", "first_response_targets", "first_response_met", "resolution_targets", "resolution_met"})
		for _, p := range st.SLA {
			_ = c.Write([]string{string(p.Priority), n(p.FirstResponseTargets), n(p.FirstMet), n(p.ResolutionTargets), n(p.ResolutionMet)})
		}
	case "csat":
		_ = c.Write([]string{"measure", "value"})
		_ = c.Write([]string{"asked", n(st.CSAT.Asked)})
		_ = c.Write([]string{"rated", n(st.CSAT.Rated)})
		_ = c.Write([]string{"response_rate", f4(st.CSAT.ResponseRate())})
		_ = c.Write([]string{"average", f4(st.CSAT.Average())})
		for i, k := range st.CSAT.Scores {
			_ = c.Write([]string{"score_" + strconv.Itoa(i+core.MinRating), n(k)})
		}
	default:
		return nil, core.Errorf(core.ENotFound, "no report table %q", table)
	}
	c.Flush()
	return buf.Bytes(), c.Error()
}

// csvSafe keeps a spreadsheet from reading a name as a formula.
func csvSafe(v string) string {
	if v != "" && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@') {
		return "'" + v
	}
	return v
}
