package web

import (
	"strconv"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

type statsJSON struct {
	Workspace     *string            `json:"workspace"`
	From          string             `json:"from"`
	To            string             `json:"to"`
	Days          []dayJSON          `json:"days"`
	Backlog       map[string]int64   `json:"backlog"`
	BacklogDays   []backlogDayJSON   `json:"backlog_days"`
	Assignees     []assigneeStatJSON `json:"assignees"`
	SLA           []slaStatJSON      `json:"sla"`
	FirstResponse timeStatsJSON      `json:"first_response"`
	Resolution    timeStatsJSON      `json:"resolution"`
	CSAT          csatJSON           `json:"csat"`
}

type dayJSON struct {
	Day    string `json:"day"`
	Opened int64  `json:"opened"`
	Closed int64  `json:"closed"`
}

type backlogDayJSON struct {
	Day    string           `json:"day"`
	Counts map[string]int64 `json:"counts"`
}

type assigneeStatJSON struct {
	Assignee      *userJSON     `json:"assignee"`
	Tickets       int64         `json:"tickets"`
	Resolved      int64         `json:"resolved"`
	FirstResponse timeStatsJSON `json:"first_response"`
	Resolution    timeStatsJSON `json:"resolution"`
}

// timeStatsJSON is core.TimeStats in whole seconds of running support time.
type timeStatsJSON struct {
	Count         int64 `json:"count"`
	MedianSeconds int64 `json:"median_seconds"`
	P90Seconds    int64 `json:"p90_seconds"`
}

type csatJSON struct {
	Asked        int64            `json:"asked"`
	Rated        int64            `json:"rated"`
	ResponseRate float64          `json:"response_rate"`
	Average      float64          `json:"average"`
	Scores       map[string]int64 `json:"scores"`
}

type slaStatJSON struct {
	Priority             string `json:"priority"`
	FirstResponseTargets int64  `json:"first_response_targets"`
	FirstResponseMet     int64  `json:"first_response_met"`
	ResolutionTargets    int64  `json:"resolution_targets"`
	ResolutionMet        int64  `json:"resolution_met"`
}

func toTimeStatsJSON(t core.TimeStats) timeStatsJSON {
	return timeStatsJSON{t.Count, int64(t.Median / time.Second), int64(t.P90 / time.Second)}
}

func statusCountsJSON(c core.StatusCounts) map[string]int64 {
	out := map[string]int64{}
	for _, s := range core.Statuses() {
		out[string(s)] = c[s]
	}
	return out
}

func toStatsJSON(st core.Stats) statsJSON {
	out := statsJSON{From: st.From.Format("2006-01-02"), To: st.To.Add(-24 * time.Hour).Format("2006-01-02"),
		Days: []dayJSON{}, Backlog: statusCountsJSON(st.Backlog), BacklogDays: []backlogDayJSON{},
		Assignees: []assigneeStatJSON{}, SLA: []slaStatJSON{},
		FirstResponse: toTimeStatsJSON(st.FirstResponse), Resolution: toTimeStatsJSON(st.Resolution),
		CSAT: csatJSON{Asked: st.CSAT.Asked, Rated: st.CSAT.Rated, ResponseRate: round4(st.CSAT.ResponseRate()),
			Average: round4(st.CSAT.Average()), Scores: map[string]int64{}}}
	if !st.Workspace.IsZero() {
		w := st.Workspace.String()
		out.Workspace = &w
	}
	for _, d := range st.Days {
		out.Days = append(out.Days, dayJSON{d.Day, d.Opened, d.Closed})
	}
	for _, d := range st.BacklogDays {
		out.BacklogDays = append(out.BacklogDays, backlogDayJSON{d.Day, statusCountsJSON(d.Counts)})
	}
	for _, a := range st.Assignees {
		out.Assignees = append(out.Assignees, assigneeStatJSON{toUserJSON(a.Assignee), a.Tickets, a.Resolved,
			toTimeStatsJSON(a.FirstResponse), toTimeStatsJSON(a.Resolution)})
	}
	for _, p := range st.SLA {
		out.SLA = append(out.SLA, slaStatJSON{string(p.Priority), p.FirstResponseTargets, p.FirstMet, p.ResolutionTargets, p.ResolutionMet})
	}
	for i, n := range st.CSAT.Scores {
		out.CSAT.Scores[strconv.Itoa(i+core.MinRating)] = n
	}
	return out
}

// round4 keeps four decimals, as the CSV does.
func round4(v float64) float64 {
	f, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', 4, 64), 64)
	return f
}
