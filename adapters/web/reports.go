package web

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// statsRange reads workspace, from and to (dates, to inclusive; default the last 30 days).
// Errors: invalid, naming the parameter.
func (s *Server) statsRange(r *http.Request) (core.Workspace, time.Time, time.Time, error) {
	q := r.URL.Query()
	var ws core.Workspace
	if v := q.Get("workspace"); v != "" {
		w, err := core.ParseWorkspace(v)
		if err != nil {
			return ws, time.Time{}, time.Time{}, core.FieldError("workspace", "workspace must look like slack:T123")
		}
		ws = w
	}
	today := s.clock.Now().UTC().Truncate(24 * time.Hour)
	to, from := today.Add(24*time.Hour), today.Add(-29*24*time.Hour)
	for _, p := range []struct {
		name string
		dst  *time.Time
		end  bool
	}{{"from", &from, false}, {"to", &to, true}} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		d, err := time.Parse("2006-01-02", v)
		if err != nil {
			return ws, from, to, core.FieldError(p.name, "%s must be a date like 2026-12-01", p.name)
		}
		if p.end {
			d = d.Add(24 * time.Hour)
		}
		*p.dst = d
	}
	return ws, from, to, nil
}

type statsJSON struct {
	Workspace *string            `json:"workspace"`
	From      string             `json:"from"`
	To        string             `json:"to"`
	Days      []dayJSON          `json:"days"`
	Backlog   map[string]int64   `json:"backlog"`
	Assignees []assigneeStatJSON `json:"assignees"`
	SLA       []slaStatJSON      `json:"sla"`
}

type dayJSON struct {
	Day    string `json:"day"`
	Opened int64  `json:"opened"`
	Closed int64  `json:"closed"`
}

type assigneeStatJSON struct {
	Assignee *userJSON `json:"assignee"`
	Tickets  int64     `json:"tickets"`
	Resolved int64     `json:"resolved"`
}

type slaStatJSON struct {
	Priority             string `json:"priority"`
	FirstResponseTargets int64  `json:"first_response_targets"`
	FirstResponseMet     int64  `json:"first_response_met"`
	ResolutionTargets    int64  `json:"resolution_targets"`
	ResolutionMet        int64  `json:"resolution_met"`
}

func toStatsJSON(st core.Stats) statsJSON {
	out := statsJSON{From: st.From.Format("2006-01-02"), To: st.To.Add(-24 * time.Hour).Format("2006-01-02"),
		Days: []dayJSON{}, Backlog: map[string]int64{}, Assignees: []assigneeStatJSON{}, SLA: []slaStatJSON{}}
	if !st.Workspace.IsZero() {
		w := st.Workspace.String()
		out.Workspace = &w
	}
	for _, d := range st.Days {
		out.Days = append(out.Days, dayJSON{d.Day, d.Opened, d.Closed})
	}
	for _, s := range core.Statuses() {
		out.Backlog[string(s)] = st.Backlog[s]
	}
	for _, a := range st.Assignees {
		out.Assignees = append(out.Assignees, assigneeStatJSON{toUserJSON(a.Assignee), a.Tickets, a.Resolved})
	}
	for _, p := range st.SLA {
		out.SLA = append(out.SLA, slaStatJSON{string(p.Priority), p.FirstResponseTargets, p.FirstMet, p.ResolutionTargets, p.ResolutionMet})
	}
	return out
}

// apiStats serves GET /api/v1/stats?workspace=&from=&to=.
func (s *Server) apiStats(w http.ResponseWriter, r *http.Request, actor core.Actor) {
	ws, from, to, err := s.statsRange(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	st, err := s.svc.Stats(r.Context(), actor, ws, from, to)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toStatsJSON(st))
}

// StatsCSV renders one table of st as CSV: days, backlog, assignees or sla.
func StatsCSV(st core.Stats, table string) ([]byte, error) {
	var buf bytes.Buffer
	c := csv.NewWriter(&buf)
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
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
	case "assignees":
		_ = c.Write([]string{"assignee_id", "assignee_name", "tickets", "resolved"})
		for _, a := range st.Assignees {
			_ = c.Write([]string{csvSafe(a.Assignee.ID), csvSafe(a.Assignee.Name), n(a.Tickets), n(a.Resolved)})
		}
	case "sla":
		_ = c.Write([]string{"priority", "first_response_targets", "first_response_met", "resolution_targets", "resolution_met"})
		for _, p := range st.SLA {
			_ = c.Write([]string{string(p.Priority), n(p.FirstResponseTargets), n(p.FirstMet), n(p.ResolutionTargets), n(p.ResolutionMet)})
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

// reportsView is the /reports page.
type reportsView struct {
	Stats     core.Stats
	Query     string
	Workspace string
	From, To  string
	Chart     []bar
	ChartMax  int64
	Width     int
}

type bar struct {
	X, HOpen, HClose, YOpen, YClose int
	Day                             string
	Opened, Closed                  int64
}

// reportsPage serves GET /reports: the figures with an SVG chart drawn on the server.
func (s *Server) reportsPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	ws, from, to, err := s.statsRange(r)
	if err != nil {
		s.pageError(w, r, v, err)
		return
	}
	st, err := s.svc.Stats(r.Context(), v.Actor(), ws, from, to)
	if err != nil {
		s.pageError(w, r, v, err)
		return
	}
	rv := reportsView{Stats: st, Query: r.URL.RawQuery, From: from.Format("2006-01-02"), To: to.Add(-24 * time.Hour).Format("2006-01-02")}
	if !ws.IsZero() {
		rv.Workspace = ws.String()
	}
	for _, d := range st.Days {
		rv.ChartMax = max(rv.ChartMax, d.Opened, d.Closed)
	}
	const height = 120
	for i, d := range st.Days {
		b := bar{X: 10 + i*14, Day: d.Day, Opened: d.Opened, Closed: d.Closed}
		if rv.ChartMax > 0 {
			b.HOpen, b.HClose = int(d.Opened*height/rv.ChartMax), int(d.Closed*height/rv.ChartMax)
		}
		b.YOpen, b.YClose = 10+height-b.HOpen, 10+height-b.HClose
		rv.Chart = append(rv.Chart, b)
	}
	rv.Width = 20 + len(st.Days)*14
	s.render(w, r, http.StatusOK, "reports", page{Title: "Reports", Nav: "reports", Viewer: v, Body: rv})
}

// reportsCSV serves GET /reports/{table}.csv with the page's query.
func (s *Server) reportsCSV(w http.ResponseWriter, r *http.Request, v *viewer) {
	ws, from, to, err := s.statsRange(r)
	if err != nil {
		s.pageError(w, r, v, err)
		return
	}
	st, err := s.svc.Stats(r.Context(), v.Actor(), ws, from, to)
	if err != nil {
		s.pageError(w, r, v, err)
		return
	}
	table, ok := strings.CutSuffix(r.PathValue("table"), ".csv")
	if !ok {
		s.pageError(w, r, v, core.Errorf(core.ENotFound, "no such report"))
		return
	}
	b, err := StatsCSV(st, table)
	if err != nil {
		s.pageError(w, r, v, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="ticketbot-%s-%s-%s.csv"`, table, from.Format("20060102"), to.Add(-24*time.Hour).Format("20060102")))
	_, _ = w.Write(b)
}
