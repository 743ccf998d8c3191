package main

import (
	"context"
	"log/slog"

	"github.com/ticketbot/ticketbot/core"
)

// firstAdminCommand is the command that creates the first dashboard account, as the README
// writes it (`make run` and `make build` put the binary in bin/).
const firstAdminCommand = "bin/ticketbot user add admin --role admin --password-stdin"

// announceAccounts logs whether anyone can sign in yet and, if no admin can, the command
// that creates one, so a fresh start says what to do next.
func announceAccounts(ctx context.Context, accounts core.AccountStore, log *slog.Logger) {
	all, err := accounts.Accounts(ctx)
	if err != nil {
		log.WarnContext(ctx, "could not count the dashboard accounts", "err", err)
		return
	}
	admins := 0
	for _, a := range all {
		if a.Role == core.RoleAdmin {
			admins++
		}
	}
	switch {
	case len(all) == 0:
		log.InfoContext(ctx, "no dashboard account yet: create the first admin with `"+firstAdminCommand+
			"` (same environment; type the password, then Enter)")
	case admins == 0:
		log.WarnContext(ctx, "no admin account: create one with `"+firstAdminCommand+"`", "accounts", len(all))
	default:
		log.InfoContext(ctx, "dashboard accounts", "accounts", len(all), "admins", admins)
	}
}
