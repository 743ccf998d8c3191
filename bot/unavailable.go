package bot

import (
	"fmt"

	"github.com/ticketbot/ticketbot/core"
)

// unavailableText says what an unavailable error means for req: that the helpdesk was too busy
// to start it (nothing changed, so trying again is safe), that the outcome is unknown
// when the database may have committed the change after the deadline (so the user checks
// instead of trying again and opening a second ticket), and otherwise which dependency the
// helpdesk cannot reach.
func unavailableText(req Request, err error) string {
	if core.IsBusy(err) {
		// Turned away before anything started: retrying cannot make a second ticket.
		return "The helpdesk is busy right now and did not get to your request; nothing was changed. Please try again in a minute."
	}
	if core.IsOutcomeUnknown(err) {
		if req.Command.Name == "open" {
			return "We could not confirm your ticket: the database answered too late. `/ticket list` shows whether it was opened."
		}
		if n := req.Command.Args.Int("number"); n > 0 {
			return fmt.Sprintf("We could not confirm the change: the database answered too late. `/ticket show %d` shows whether it was made.", n)
		}
		return "We could not confirm the change: the database answered too late. `/ticket list` shows whether it was made."
	}
	dep := core.Dependency(err)
	if dep == "" {
		dep = core.DepDatabase
	}
	return "The helpdesk can't reach its " + dep + " right now; please try again in a moment."
}
