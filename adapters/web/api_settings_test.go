package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// TestWorkspaceSettingsAPI covers GET /api/v1/workspaces and GET/PATCH
// /api/v1/workspaces/{ws}/settings on both databases.
func TestWorkspaceSettingsAPI(t *testing.T) {
	eachBackend(t, func(t *testing.T, dbURL string) {
		h := newHarness(t, dbURL)
		admin := h.issue(core.NewToken{Name: "admin", Scope: core.ScopeAdmin})
		bound := h.issue(core.NewToken{Name: "bound", Scope: core.ScopeAdmin, Workspace: wsDiscord})
		const slackSettings = "/api/v1/workspaces/slack:T123/settings"

		t.Run("workspaces lists those with a helpdesk", func(t *testing.T) {
			// A workspace with tickets but no helpdesk is not listed.
			if err := h.store.SaveSettings(t.Context(), core.Settings{Workspace: core.Workspace{Platform: core.PlatformSlack, ExternalID: "TNOHELP"}}, core.System().User); err != nil {
				t.Fatal(err)
			}
			r := h.with(t).api("GET", "/api/v1/workspaces", "-", "")
			wantStatus(t, r, http.StatusOK)
			var out struct {
				Workspaces []struct{ ID, Name, Platform string }
			}
			r.json(t, &out)
			var ids []string
			for _, w := range out.Workspaces {
				ids = append(ids, w.ID+"|"+w.Platform)
			}
			if got := strings.Join(ids, ","); got != "discord:42|discord,discord:80351110224678912|discord,slack:T123|slack" {
				t.Errorf("workspaces = %s", got)
			}
			r = h.with(t).api("GET", "/api/v1/workspaces", bound, "")
			wantBody(t, r, `"id":"discord:80351110224678912"`)
			if strings.Contains(string(r.body), "slack:T123") {
				t.Errorf("a bound token sees other workspaces: %s", r.body)
			}
		})
		t.Run("settings need the admin scope", func(t *testing.T) {
			wantStatus(t, h.with(t).api("GET", slackSettings, "-", ""), http.StatusForbidden)
			wantStatus(t, h.with(t).api("PATCH", slackSettings, "-", `{"csat":false}`), http.StatusForbidden)
		})
		t.Run("defaults are shown", func(t *testing.T) {
			r := h.with(t).api("GET", slackSettings, admin, "")
			wantStatus(t, r, http.StatusOK)
			for _, want := range []string{`"reminder_after":"72h0m0s"`, `"close_waiting_after":"168h0m0s"`,
				`"close_resolved_after":"168h0m0s"`, `"csat":true`, `"triage_channel":"C1"`, `"replies":"all"`, `"name":"T123"`} {
				wantBody(t, r, want)
			}
		})
		t.Run("a patch changes only the fields it names", func(t *testing.T) {
			r := h.with(t).api("PATCH", slackSettings, admin, `{"reminder_after":"90m","csat":false,"name":"Acme","replies":"notes","staff_group":"S0123"}`)
			wantStatus(t, r, http.StatusOK)
			st, err := h.svc.Settings(t.Context(), wsSlack)
			if err != nil {
				t.Fatal(err)
			}
			if st.ReminderAfter != 90*time.Minute || st.CSAT() || st.Name != "Acme" || st.ReplyMode() != core.RepliesNotes ||
				st.StaffGroup != "S0123" || st.TriageChannel != "C1" || st.Delays().CloseWaitingAfter != core.DefaultCloseWaitingAfter {
				t.Errorf("settings = %+v", st)
			}
			wantBody(t, h.with(t).api("GET", "/api/v1/workspaces", "-", ""), `"name":"Acme"`)
		})
		t.Run("bad values are 422 naming the field and change nothing", func(t *testing.T) {
			for _, tc := range []struct{ body, field string }{
				{`{"reminder_after":"500ms"}`, "reminder_after"},
				{`{"close_waiting_after":"soon"}`, "close_waiting_after"},
				{`{"close_resolved_after":"-1h"}`, "close_resolved_after"},
				{`{"replies":"ALL"}`, "replies"},
				{`{"triage_channel":"#general"}`, "triage_channel"},
				{`{"staff_role":"123456"}`, "staff_role"}, // a Discord setting on a Slack workspace
				{`{"csat":false,"reminder_after":"1ms"}`, "reminder_after"},
			} {
				r := h.with(t).api("PATCH", slackSettings, admin, tc.body)
				wantStatus(t, r, http.StatusUnprocessableEntity)
				wantBody(t, r, `"field":"`+tc.field+`"`)
			}
			st, _ := h.svc.Settings(t.Context(), wsSlack)
			if st.CSAT() != false || st.ReminderAfter != 90*time.Minute {
				t.Errorf("a refused patch changed the settings: %+v", st)
			}
		})
		t.Run("unknown fields are 400", func(t *testing.T) {
			r := h.with(t).api("PATCH", slackSettings, admin, `{"reminder":"1h"}`)
			wantStatus(t, r, http.StatusBadRequest)
		})
		t.Run("discord settings use discord words", func(t *testing.T) {
			path := "/api/v1/workspaces/discord:80351110224678912/settings"
			r := h.with(t).api("PATCH", path, bound, `{"staff_channel":"80351110224678913","staff_role":"80351110224678914","close_resolved_after":"24h"}`)
			wantStatus(t, r, http.StatusOK)
			wantBody(t, r, `"staff_role":"80351110224678914"`)
			wantBody(t, r, `"close_resolved_after":"24h0m0s"`)
			st, _ := h.svc.Settings(t.Context(), wsDiscord)
			if st.TriageChannel != "80351110224678913" || st.StaffGroup != "80351110224678914" {
				t.Errorf("settings = %+v", st)
			}
		})
		t.Run("other and unknown workspaces are 404", func(t *testing.T) {
			wantStatus(t, h.with(t).api("GET", slackSettings, bound, ""), http.StatusNotFound)
			wantStatus(t, h.with(t).api("GET", "/api/v1/workspaces/slack:TNOHELP/settings", admin, ""), http.StatusNotFound)
			wantStatus(t, h.with(t).api("GET", "/api/v1/workspaces/nonsense/settings", admin, ""), http.StatusNotFound)
		})
	})
}
