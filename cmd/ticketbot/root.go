package main

import (
	"context"
	"log/slog"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ticketbot/ticketbot/config"
)

// newRootCmd builds the command tree. Plain `ticketbot` runs serve.
func newRootCmd(ctx context.Context, io streams, environ []string) *cobra.Command {
	env := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	load := func() (config.Config, *slog.Logger, error) {
		cfg, err := config.Load(env)
		if err != nil {
			return cfg, nil, err // a bad TICKETBOT_LOG_LEVEL stops start-up like any bad value
		}
		level, _ := cfg.SlogLevel()
		return cfg, slog.New(slog.NewTextHandler(io.err, &slog.HandlerOptions{Level: level})), nil
	}
	root := &cobra.Command{
		Use:           "ticketbot",
		Short:         "The helpdesk bot for Slack and Discord",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(io.in)
	root.SetOut(io.out)
	root.SetErr(io.err)
	serve := newServeCmd(load, env)
	root.RunE = serve.RunE
	root.AddCommand(serve, newMigrateCmd(load), newUserCmd(load), newTokenCmd(load), newSlackCmd(env), newDoctorCmd(load), newSecretsCmd(load), newHealthcheckCmd(env), newVersionCmd())
	return root
}

type loader func() (config.Config, *slog.Logger, error)
