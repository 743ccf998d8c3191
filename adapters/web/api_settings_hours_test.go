package web_test

import (
	"net/http"
	"testing"

	"github.com/ticketbot/ticketbot/core"
)

// TestSettingsHoursAPI: support hours and the Discord transcript channel are read and
// changed through the settings API, validated with 422 naming the part at fault.
func TestSettingsHoursAPI(t *testing.T) {
	eachBackend(t, func(t *testing.T, dbURL string) {
		h := newHarness(t, dbURL)
		admin := h.issue(core.NewToken{Name: "admin", Scope: core.ScopeAdmin})
		const slackSettings = "/api/v1/workspaces/slack:T123/settings"
		const discordSettings = "/api/v1/workspaces/discord:80351110224678912/settings"

		t.Run("without hours the workspace is always open", func(t *testing.T) {
			wantBody(t, h.with(t).api("GET", slackSettings, admin, ""), `"hours":{}`)
		})
		t.Run("hours are stored and shown", func(t *testing.T) {
			r := h.with(t).api("PATCH", slackSettings, admin, `{"hours":{"tz":"Europe/Berlin","weekly":{"mon":["09:00-17:00"]},"holidays":["2026-12-25"]}}`)
			wantStatus(t, r, http.StatusOK)
			wantBody(t, r, `"hours":{"tz":"Europe/Berlin","weekly":{"mon":["09:00-17:00"]},"holidays":["2026-12-25"]}`)
			st, err := h.svc.Settings(t.Context(), wsSlack)
			if err != nil {
				t.Fatal(err)
			}
			if st.Hours.Location().String() != "Europe/Berlin" || st.Hours.IsZero() {
				t.Errorf("hours = %+v", st.Hours.Spec())
			}
		})
		t.Run("bad hours are 422 naming the part", func(t *testing.T) {
			for _, tc := range []struct{ body, field string }{
				{`{"hours":{"tz":"Mars/Olympus"}}`, "hours.tz"},
				{`{"hours":{"tz":"Local"}}`, "hours.tz"},
				{`{"hours":{"weekly":{"monday":["09:00-17:00"]}}}`, "hours.weekly"},
				{`{"hours":{"weekly":{"mon":["9-5"]}}}`, "hours.weekly.mon"},
				{`{"hours":{"holidays":["25.12.2026"]}}`, "hours.holidays"},
				{`{"hours":{"zone":"UTC"}}`, "hours"},
			} {
				r := h.with(t).api("PATCH", slackSettings, admin, tc.body)
				wantStatus(t, r, http.StatusUnprocessableEntity)
				wantBody(t, r, `"field":"`+tc.field+`"`)
			}
			st, _ := h.svc.Settings(t.Context(), wsSlack)
			if st.Hours.Spec().TZ != "Europe/Berlin" {
				t.Errorf("a refused patch changed the hours: %+v", st.Hours.Spec())
			}
		})
		t.Run("null clears the hours", func(t *testing.T) {
			wantBody(t, h.with(t).api("PATCH", slackSettings, admin, `{"hours":null}`), `"hours":{}`)
		})
		t.Run("the transcript channel is a Discord setting", func(t *testing.T) {
			r := h.with(t).api("PATCH", discordSettings, admin, `{"transcript_channel":"80351110224678999"}`)
			wantStatus(t, r, http.StatusOK)
			wantBody(t, r, `"transcript_channel":"80351110224678999"`)
			wantBody(t, h.with(t).api("PATCH", slackSettings, admin, `{"transcript_channel":"C1"}`), `"field":"transcript_channel"`)
		})
	})
}
