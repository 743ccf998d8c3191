package web

import (
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

// reportsView is the /reports page.
type reportsView struct {
	Stats     core.Stats
	Query     string
	Workspace string
	From, To  string
	Chart     []bar
	ChartMax  int64
	Width     int
	// The other charts, drawn by report_charts.go.
	Times, AssigneeTimes, CSAT hbarChart
	Backlog                    lineChart
	// CSATAverage and CSATRate are the satisfaction figures as the page writes them.
	CSATAverage, CSATRate string
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
	rv.Times, rv.AssigneeTimes, rv.CSAT = timesChart(st), assigneesChart(st), csatChart(st)
	rv.Backlog = newBacklogChart(st.BacklogDays)
	rv.CSATAverage, rv.CSATRate = strconv.FormatFloat(st.CSAT.Average(), 'f', 2, 64), strconv.FormatFloat(100*st.CSAT.ResponseRate(), 'f', 0, 64)+" %"
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
