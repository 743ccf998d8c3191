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
		log := slog.New(slog.NewTextHandler(io.err, &slog.HandlerOptions{Level: logLevel(env["TICKETBOT_LOG_LEVEL"])}))
		cfg, err := config.Load(env)
		return cfg, log, err
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
	serve := newServeCmd(load)
	root.RunE = serve.RunE
	root.AddCommand(serve, newMigrateCmd(load), newUserCmd(load), newTokenCmd(load), newSlackCmd(env), newHealthcheckCmd(env), newVersionCmd())
	return root
}

type loader func() (config.Config, *slog.Logger, error)

func logLevel(s string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return slog.LevelInfo
	}
	return l
}
