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

// TestReportsGolden builds a fixed data set (a fake clock, known opens, replies and closes)
// and compares every report table's CSV with testdata/reports_<table>.csv, whose figures
// were worked out by hand: 3 tickets on 1 Dec (one urgent answered in 30 m and resolved in
// 2 h, one urgent answered late), 1 on 2 Dec (normal, no target), the normal one closed on 3 Dec.
func TestReportsGolden(t *testing.T) {
	clock := coretest.NewFakeClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	h := newHarness(t, "sqlite://"+t.TempDir()+"/t.db", func(c *harnessConfig) { c.Clock = clock })
	h.store.SetClock(clock)
	ctx := context.Background()
	st, _ := h.store.Settings(ctx, wsSlack)
	st.SLA = core.SLAPolicy{core.PriorityUrgent: {FirstResponse: time.Hour, Resolution: 4 * time.Hour}}
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
	a := open("fast", "urgent")
	b := open("late", "urgent")
	c := open("plain", "normal")
	if _, err := h.svc.Assign(ctx, sam, a.ID, sam.User); err != nil {
		t.Fatal(err)
	}
	clock.Advance(30 * time.Minute)
	reply(a.ID, "a1")
	clock.Advance(90 * time.Minute) // 11:00
	reply(b.ID, "b1")               // 2 h after opening: late
	if _, err := h.svc.SetStatus(ctx, sam, a.ID, core.StatusResolved, ""); err != nil {
		t.Fatal(err)
	}
	clock.Advance(24 * time.Hour) // 2 Dec
	open("next day", "normal")
	clock.Advance(24 * time.Hour) // 3 Dec
	if _, err := h.svc.Close(ctx, sam, c.ID, ""); err != nil {
		t.Fatal(err)
	}
	stats, err := h.svc.Stats(ctx, sam, wsSlack, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"days", "backlog", "assignees", "sla"} {
		got, err := web.StatsCSV(stats, table)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", "reports_"+table+".csv")
		if *updateGolden {
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
	if !strings.Contains(string(r.body), `{"day":"2026-12-01","opened":3,"closed":1}`) {
		t.Fatalf("stats: %s", r.body)
	}
	h.account("sam", core.RoleStaff, staffPass)
	br := h.browser()
	br.login("sam", staffPass)
	page := br.get("/reports?workspace=slack:T123&from=2026-12-01&to=2026-12-03")
	wantStatus(t, page, http.StatusOK)
	wantBody(t, page, "<svg")
	csv := br.get("/reports/days.csv?workspace=slack:T123&from=2026-12-01&to=2026-12-03")
	wantStatus(t, csv, http.StatusOK)
	wantBody(t, csv, "2026-12-03,0,1")
}
