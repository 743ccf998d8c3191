package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/config"
	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/gormstore"
)

// doctorTimeout bounds each group of checks (one service).
const doctorTimeout = 15 * time.Second

// errChecksFailed is doctor's error when a check failed; main turns it into exit status 1.
var errChecksFailed = errors.New("doctor found problems (see the FAIL lines above)")

// newDoctorCmd is `ticketbot doctor`: the configuration checked against the real services.
func newDoctorCmd(load loader) *cobra.Command {
	return &cobra.Command{
		Use:   "doctor",
		Short: "Check the configuration against the database, Redis, Slack and Discord; one line per check with the fix",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, _, err := load()
			if err != nil {
				return err
			}
			if failed := runDoctor(cmd.Context(), cfg, cmd.OutOrStdout()); failed > 0 {
				return fmt.Errorf("%d check(s) failed: %w", failed, errChecksFailed)
			}
			return nil
		},
	}
}

// runDoctor runs every check, prints one line for each and returns how many failed.
func runDoctor(ctx context.Context, cfg config.Config, out io.Writer) int {
	var checks []bot.Check
	st, dbChecks := doctorDatabase(ctx, cfg)
	checks = append(checks, dbChecks...)
	var settings []core.Settings
	if st != nil {
		var err error
		if settings, err = st.AllSettings(ctx); err != nil {
			checks = append(checks, bot.FailedCheck("database settings", core.ErrorMessage(err), "run ticketbot migrate"))
		}
		defer st.Close()
	}
	checks = append(checks, doctorRedis(ctx, cfg))
	var installs core.InstallStore
	if st != nil {
		installs = st
	}
	checks = append(checks, doctorSlack(ctx, cfg, installs, settings)...)
	checks = append(checks, doctorDiscord(ctx, cfg, settings)...)
	checks = append(checks, doctorPublicURL(ctx, cfg))
	failed := 0
	for _, c := range checks {
		fmt.Fprintln(out, formatCheck(c))
		if c.Failed {
			failed++
		}
	}
	fmt.Fprintf(out, "%d checks, %d failed\n", len(checks), failed)
	return failed
}

// formatCheck is one line: status, what, what was found and, on failure, the fix.
func formatCheck(c bot.Check) string {
	status := "ok  "
	switch {
	case c.Failed:
		status = "FAIL"
	case c.Skipped:
		status = "skip"
	}
	line := status + " " + c.Name + ": " + oneLineText(c.Detail)
	if c.Failed && c.Fix != "" {
		line += " → fix: " + oneLineText(c.Fix)
	}
	return line
}

func oneLineText(s string) string { return strings.Join(strings.Fields(s), " ") }

// doctorDatabase opens the database without waiting or migrating and reports its version,
// character set and migrations. The store is returned open when it answered.
func doctorDatabase(ctx context.Context, cfg config.Config) (*gormstore.Store, []bot.Check) {
	ctx, cancel := context.WithTimeout(ctx, doctorTimeout)
	defer cancel()
	quiet := slog.New(slog.DiscardHandler)
	cfg.DBWait = 0
	st, err := openDatabase(ctx, cfg, quiet)
	if err != nil {
		return nil, []bot.Check{bot.FailedCheck("database", err.Error(),
			"check TICKETBOT_DATABASE_URL (mysql://user:pass@host:3306/dbname) and that the database runs and is reachable from here")}
	}
	d, err := st.Diagnose(ctx)
	if err != nil {
		st.Close()
		return nil, []bot.Check{bot.FailedCheck("database", core.ErrorMessage(err), "check the database user's privileges")}
	}
	out := []bot.Check{bot.Passed("database", d.Dialect+" "+d.Version+" answers")}
	if d.Dialect == "sqlite" {
		out[0].Detail += " (SQLite: one replica only; use MySQL for production)"
	}
	if d.Dialect == "mysql" {
		switch {
		case d.Charset != "utf8mb4":
			out = append(out, bot.FailedCheck("database character set", "the database's default is "+d.Charset+": emoji and many scripts would be refused",
				"ALTER DATABASE <name> CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci (and convert existing tables)"))
		case len(d.NonUTF8Tables) > 0:
			out = append(out, bot.FailedCheck("database character set", "tables not in utf8mb4: "+strings.Join(d.NonUTF8Tables, ", "),
				"ALTER TABLE <table> CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci, for each"))
		default:
			out = append(out, bot.Passed("database character set", "utf8mb4"))
		}
	}
	if len(d.Pending) > 0 {
		out = append(out, bot.FailedCheck("database migrations", fmt.Sprintf("%d applied, %d pending (%s)", d.Applied, len(d.Pending), strings.Join(d.Pending, ", ")),
			"run ticketbot migrate (serve also migrates at start-up)"))
		st.Close()
		return nil, out
	}
	out = append(out, bot.Passed("database migrations", fmt.Sprintf("all %d applied", d.Applied)))
	return st, out
}

// doctorPublicURL asks TICKETBOT_PUBLIC_URL/healthz, as a person's browser or Slack would.
func doctorPublicURL(ctx context.Context, cfg config.Config) bot.Check {
	ctx, cancel := context.WithTimeout(ctx, doctorTimeout)
	defer cancel()
	u := strings.TrimSuffix(cfg.PublicURL, "/") + "/healthz"
	fix := "start ticketbot serve, and make TICKETBOT_PUBLIC_URL the address people (and Slack) reach it at: check DNS, the proxy and TLS"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return bot.FailedCheck("public url", err.Error(), fix)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return bot.FailedCheck("public url", u+" does not answer: "+err.Error(), fix)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return bot.FailedCheck("public url", fmt.Sprintf("%s answers %d", u, resp.StatusCode), fix)
	}
	return bot.Passed("public url", u+" answers 200")
}
