package main

import (
	"bufio"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ticketbot/ticketbot/adapters/web"
	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/gormstore"
)

func newUserCmd(load loader) *cobra.Command {
	user := &cobra.Command{Use: "user", Short: "Manage dashboard accounts"}
	var role string
	var stdin bool
	add := &cobra.Command{
		Use:   "add NAME --role admin|staff --password-stdin",
		Short: "Create a dashboard account; the password is read from standard input",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !stdin {
				return errors.New("pass the password on standard input with --password-stdin (it is never taken from the command line)")
			}
			r := core.Role(role)
			if r != core.RoleAdmin && r != core.RoleStaff {
				return fmt.Errorf("--role must be admin or staff, not %q", role)
			}
			line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
			if err != nil && line == "" {
				return errors.New("no password on standard input")
			}
			password := strings.TrimRight(line, "\r\n")
			return withStore(cmd.Context(), load, func(st *gormstore.Store) error {
				if err := web.CreateAccount(cmd.Context(), st, args[0], r, []byte(password)); err != nil {
					return err
				}
				_, err := fmt.Fprintf(cmd.OutOrStdout(), "created %s account %s\n", r, args[0])
				return err
			})
		},
	}
	add.Flags().StringVar(&role, "role", "", "admin or staff")
	add.Flags().BoolVar(&stdin, "password-stdin", false, "read the password from standard input")
	_ = add.MarkFlagRequired("role")
	user.AddCommand(add)
	return user
}
