package main

import (
	"log/slog"

	"fmt"

	"github.com/spf13/cobra"

	"github.com/ticketbot/ticketbot/core/gormstore"
)

func newMigrateCmd(load loader) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply the schema migrations and exit",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withStore(cmd.Context(), load, func(*gormstore.Store, *slog.Logger) error {
				_, err := fmt.Fprintln(cmd.OutOrStdout(), "schema is up to date")
				return err
			})
		},
	}
}
