package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/adapters/slack/slacktest"
)

// A process killed (kill -9) after it stored a submitted ticket form but before the ticket
// was opened leaves the form in the intake: the next process takes it up once the lease
// ends, opens the ticket once and shows it in the form once; the form sent again opens
// nothing more.
func TestKilledProcessFinishesAStoredFormOnceAfterRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	for _, b := range intakeBackends() {
		t.Run(b.name, func(t *testing.T) {
			const lease = 3 * time.Second
			slack := outboxSlack(t)
			env := b.env(t, slack, lease)
			a := startBinary(t, bin, env)
			ctx := context.Background()
			run := strconv.FormatInt(time.Now().UnixNano(), 36) // Redis outlives test runs

			// The form is opened by one user; it is submitted by another, whose role
			// look-up (users.info) holds the work once the submission is stored: kill -9 then.
			if _, err := signed(a.base, outboxSecret).Command(ctx, slacktest.Command{User: "UO" + run, Text: "",
				TriggerID: "trig-form-" + run, ResponseURL: slack.ResponseURL("C1", "")}); err != nil {
				t.Fatal(err)
			}
			waitSlack(t, slack, 10*time.Second, "the form opens", func() bool { return len(slack.Views()) > 0 })
			view := slack.Views()[len(slack.Views())-1].ID
			user := slacktest.User{ID: "US" + run, Name: "sam"}
			sub := slacktest.ViewSubmission("T1", user, "tb:open", "C1", map[string]map[string]any{
				"title":    {"title": slacktest.PlainInput("Badge reader broken")},
				"priority": {"priority": slacktest.SelectInput("normal")},
			})
			sub["view"].(map[string]any)["id"] = view
			b, start := killWhileHeld(t, bin, env, a, slack, user.ID, func(base string) string {
				r, _ := signed(base, outboxSecret).Interact(ctx, sub)
				return string(r.Body)
			})
			shown := slacktest.Containing("Ticket #1 opened: Badge reader broken")
			waitSlack(t, slack, 30*time.Second, "the next process shows the stored form's ticket", func() bool {
				return len(slack.Find("views.update", slacktest.Param("view_id", view), shown)) > 0
			})
			t.Logf("kill -9 after the intake: the next process answered the form %v after it started (lease %v)", time.Since(start).Round(100*time.Millisecond), lease)
			waitIntakeDone(t, b.base)
			sub["trigger_id"] = "trig-again-" + run // a new submission of the same form
			again, err := signed(b.base, outboxSecret).Interact(ctx, sub)
			if err != nil || !strings.Contains(string(again.Body), "already opened as #1") {
				t.Errorf("the form sent again = %s %v; want it told it was opened as #1", again.Body, err)
			}
			if n := len(slack.Find("views.update", slacktest.Param("view_id", view), shown)); n != 1 {
				t.Errorf("the form showed its ticket %d times, want once\n%s", n, b.logs.String())
			}
		})
	}
}
