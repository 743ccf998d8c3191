package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/ticketbot/ticketbot/adapters/web"
	"github.com/ticketbot/ticketbot/core/gormstore"
)

func newTokenCmd(load loader) *cobra.Command {
	token := &cobra.Command{Use: "token", Short: "Manage REST API tokens"}
	var name string
	create := &cobra.Command{
		Use:   "create --name NAME",
		Short: "Create an API token and print it (only its hash is stored)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withStore(cmd.Context(), load, func(st *gormstore.Store) error {
				secret, err := web.IssueToken(cmd.Context(), st, name, time.Now())
				if err != nil {
					return err
				}
				out := cmd.OutOrStdout()
				fmt.Fprintf(out, "token %q created; it is shown only once:\n", name)
				_, err = fmt.Fprintln(out, secret)
				return err
			})
		},
	}
	create.Flags().StringVar(&name, "name", "", "a name for the token (to revoke it later)")
	_ = create.MarkFlagRequired("name")
	revoke := &cobra.Command{
		Use:   "revoke NAME",
		Short: "Revoke an API token",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withStore(cmd.Context(), load, func(st *gormstore.Store) error {
				if err := web.RevokeToken(cmd.Context(), st, args[0], time.Now()); err != nil {
					return err
				}
				_, err := fmt.Fprintf(cmd.OutOrStdout(), "token %q revoked\n", args[0])
				return err
			})
		},
	}
	token.AddCommand(create, revoke)
	return token
}
