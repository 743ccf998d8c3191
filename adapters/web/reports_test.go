package web_test

import (
	"context"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/adapters/web"
	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
)

var updateGolden = flag.Bool("update-reports", false, "rewrite testdata/reports_*.csv")

// TestReportsGolden builds a fixed data set (a fake clock, support hours Monday to Friday
// 09:00-17:00 UTC, known opens, replies, pauses, closes and a rating) on SQLite (a file and
// :memory:) and MariaDB, and compares every report table's CSV with testdata/reports_<table>.csv,
// whose figures were worked out by hand (times in support seconds):
//
//	Tue 1 Dec 09:00  a (urgent, sam's), b (urgent), c (normal) opened
//	         09:30  sam answers a: first response 30 m = 1800
//	         11:00  sam answers b: 2 h = 7200, late for its 1 h target; a resolved: 2 h = 7200
//	Wed 2 Dec 11:00  d (normal, sam's) opened; 12:00 d waiting (its clocks pause)
//	Thu 3 Dec 11:00  c closed: 8 h + 8 h + 2 h = 18 h = 64800, asked for a rating; a closed,
//	                asked; d back in progress after 5 h + 2 h = 7 h paused
//	         12:00  sam answers d: 6 h + 3 h − 7 h = 2 h = 7200
//	         13:00  d resolved: 6 h + 4 h − 7 h = 3 h = 10800; rita rates c 4 of 5
//
// so first responses are 1800, 7200, 7200 (median: rank ⌈3/2⌉ = 2 → 7200; p90: rank ⌈2.7⌉ = 3
// → 7200), sam's 1800, 7200 (median rank 1 → 1800, p90 rank 2 → 7200); resolutions 7200,
// 10800, 64800 (median 10800, p90 64800), sam's 7200, 10800; ratings: 2 asked, 1 rated
// (0.5), average 4.
func TestReportsGolden(t *testing.T) {
	bs := append(backends(), backend{"sqlite-memory", func(*testing.T) string { return "sqlite://:memory:" }})
	for i, b := range bs {
		t.Run(b.name, func(t *testing.T) { testReportsGolden(t, b.url(t), i == 0 && *updateGolden) })
	}
}

func testReportsGolden(t *testing.T, dbURL string, update bool) {
	clock := coretest.NewFakeClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	h := newHarness(t, dbURL, func(c *harnessConfig) { c.Clock = clock })
	h.store.SetClock(clock)
	ctx := context.Background()
	st, _ := h.store.Settings(ctx, wsSlack)
	st.SLA = core.SLAPolicy{core.PriorityUrgent: {FirstResponse: time.Hour, Resolution: 4 * time.Hour}}
	week := []string{"09:00-17:00"}
	hours, err := core.NewHours(core.HoursSpec{TZ: "UTC", Weekly: map[string][]string{"mon": week, "tue": week, "wed": week, "thu": week, "fri": week}})
	if err != nil {
		t.Fatal(err)
	}
	st.Hours = hours
	if err := h.store.SaveSettings(ctx, st, core.System().User); err != nil {
		t.Fatal(err)
	}
	req := core.Actor{User: core.UserRef{ID: "UR", Name: "rita"}, Role: core.RoleRequester, Workspace: wsSlack}
	sam := core.Actor{User: core.UserRef{ID: "US", Name: "sam"}, Role: core.RoleStaff, Workspace: wsSlack}
	open := func(title, prio string) core.Ticket {
		tk, err := h.svc.OpenTicket(ctx, req, core.OpenInput{Title: title, Priority: prio})
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	reply := func(id int64, ext string) {
		if _, _, err := h.svc.AddMessage(ctx, sam, id, core.MessageInput{ExternalID: ext, Content: "on it", Source: "api"}); err != nil {
			t.Fatal(err)
		}
	}
	status := func(id int64, to core.Status) {
		if _, err := h.svc.SetStatus(ctx, sam, id, to, ""); err != nil {
			t.Fatal(err)
		}
	}
	assign := func(id int64) {
		if _, err := h.svc.Assign(ctx, sam, id, sam.User); err != nil {
			t.Fatal(err)
		}
	}
	closeT := func(id int64) {
		if _, err := h.svc.Close(ctx, sam, id, ""); err != nil {
			t.Fatal(err)
		}
	}
	a := open("fast", "urgent")
	b := open("late", "urgent")
	c := open("plain", "normal")
	assign(a.ID)
	clock.Advance(30 * time.Minute)
	reply(a.ID, "a1")
	clock.Advance(90 * time.Minute) // Tue 11:00
	reply(b.ID, "b1")               // 2 h after opening: late
	status(a.ID, core.StatusResolved)
	clock.Advance(24 * time.Hour) // Wed 11:00
	d := open("next day", "normal")
	assign(d.ID)
	clock.Advance(time.Hour) // Wed 12:00
	status(d.ID, core.StatusWaiting)
	clock.Advance(23 * time.Hour) // Thu 11:00
	closeT(c.ID)
	closeT(a.ID)
	status(d.ID, core.StatusInProgress)
	clock.Advance(time.Hour) // Thu 12:00
	reply(d.ID, "d1")
	clock.Advance(time.Hour) // Thu 13:00
	status(d.ID, core.StatusResolved)
	if _, err := h.svc.Rate(ctx, req, c.ID, 4, ""); err != nil {
		t.Fatal(err)
	}
	stats, err := h.svc.Stats(ctx, sam, wsSlack, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"days", "backlog", "backlog_days", "times", "assignees", "sla", "csat"} {
		got, err := web.StatsCSV(stats, table)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", "reports_"+table+".csv")
		if update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("%s:\ngot\n%s\nwant\n%s", table, got, want)
		}
	}
	// The API and the page serve the same figures.
	r := h.api("GET", "/api/v1/stats?workspace=slack:T123&from=2026-12-01&to=2026-12-03", "-", "")
	wantStatus(t, r, http.StatusOK)
	for _, want := range []string{`{"day":"2026-12-01","opened":3,"closed":1}`,
		`"first_response":{"count":3,"median_seconds":7200,"p90_seconds":7200}`,
		`"resolution":{"count":3,"median_seconds":10800,"p90_seconds":64800}`,
		`"csat":{"asked":2,"rated":1,"response_rate":0.5,"average":4,"scores":{"1":0,"2":0,"3":0,"4":1,"5":0}}`,
		`{"day":"2026-12-03","counts":{"closed":2,"in_progress":0,"open":1,"resolved":1,"waiting":0}}`} {
		if !strings.Contains(string(r.body), want) {
			t.Errorf("stats lack %s: %s", want, r.body)
		}
	}
	h.account("sam", core.RoleStaff, staffPass)
	br := h.browser()
	br.login("sam", staffPass)
	page := br.get("/reports?workspace=slack:T123&from=2026-12-01&to=2026-12-03")
	wantStatus(t, page, http.StatusOK)
	wantBody(t, page, "<svg")
	csv := br.get("/reports/days.csv?workspace=slack:T123&from=2026-12-01&to=2026-12-03")
	wantStatus(t, csv, http.StatusOK)
	wantBody(t, csv, "2026-12-03,0,2")
	for _, table := range []string{"backlog_days", "times", "csat"} {
		r := br.get("/reports/" + table + ".csv?workspace=slack:T123&from=2026-12-01&to=2026-12-03")
		wantStatus(t, r, http.StatusOK)
	}
	for _, want := range []string{"Response and resolution times", "Satisfaction", "Backlog by status over time", "4.00</strong> average"} {
		wantBody(t, page, want)
	}
}
