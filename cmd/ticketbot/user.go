package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ticketbot/ticketbot/core"
)

// The account commands act as core.System(): whoever can run the binary against the
// database is its administrator. The rules are core.Accounts'.

func newUserCmd(load loader) *cobra.Command {
	user := &cobra.Command{Use: "user", Short: "Manage web accounts"}
	user.AddCommand(userAddCmd(load), userListCmd(load), userPasswdCmd(load), userRoleCmd(load), userDeleteCmd(load))
	return user
}

// readPassword reads one line of standard input; --password-stdin must have been given, so a
// password never appears on a command line.
func readPassword(cmd *cobra.Command, stdin bool) ([]byte, error) {
	if !stdin {
		return nil, errors.New("pass the password on standard input with --password-stdin (it is never taken from the command line)")
	}
	line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
	if err != nil && line == "" {
		return nil, errors.New("no password on standard input")
	}
	return []byte(strings.TrimRight(line, "\r\n")), nil
}

// roleFlags reads --role and --workspace. Errors: invalid.
func roleFlags(role, workspace string) (core.Role, core.Workspace, error) {
	r, err := core.ParseRole(role)
	if err != nil {
		return "", core.Workspace{}, fmt.Errorf("--role: %s", core.ErrorMessage(err))
	}
	var ws core.Workspace
	if workspace != "" {
		if ws, err = core.ParseWorkspace(workspace); err != nil {
			return "", core.Workspace{}, fmt.Errorf("--workspace: %s", core.ErrorMessage(err))
		}
	}
	return r, ws, nil
}

func userAddCmd(load loader) *cobra.Command {
	var role, workspace string
	var stdin bool
	cmd := &cobra.Command{
		Use:   "add NAME --role admin|staff|requester [--workspace WS] --password-stdin",
		Short: "Create a web account; the password is read from standard input",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, ws, err := roleFlags(role, workspace)
			if err != nil {
				return err
			}
			pw, err := readPassword(cmd, stdin)
			if err != nil {
				return err
			}
			return withAccounts(cmd.Context(), load, func(a *core.Accounts) error {
				acc, err := a.Create(cmd.Context(), core.System(), core.NewAccount{Name: args[0], Role: r, Workspace: ws, Password: pw})
				if err != nil {
					return err
				}
				_, err = fmt.Fprintf(cmd.OutOrStdout(), "created %s account %s%s\n", acc.Role, acc.Name, inWorkspace(acc.Workspace))
				return err
			})
		},
	}
	cmd.Flags().StringVar(&role, "role", "", "admin, staff or requester")
	cmd.Flags().StringVar(&workspace, "workspace", "", "the workspace a requester account belongs to, e.g. slack:T123")
	cmd.Flags().BoolVar(&stdin, "password-stdin", false, "read the password from standard input")
	_ = cmd.MarkFlagRequired("role")
	return cmd
}

func inWorkspace(ws core.Workspace) string {
	if ws.IsZero() {
		return ""
	}
	return " in " + ws.String()
}

func userListCmd(load loader) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List web accounts",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withAccounts(cmd.Context(), load, func(a *core.Accounts) error {
				accs, err := a.List(cmd.Context(), core.System())
				if err != nil {
					return err
				}
				return table(cmd.OutOrStdout(), []string{"NAME", "ROLE", "WORKSPACE", "CREATED"}, len(accs), func(i int) []string {
					return []string{accs[i].Name, string(accs[i].Role), dash(accs[i].Workspace.String()), accs[i].CreatedAt.UTC().Format(time.RFC3339)}
				})
			})
		},
	}
}

func userPasswdCmd(load loader) *cobra.Command {
	var stdin bool
	cmd := &cobra.Command{
		Use:   "passwd NAME --password-stdin",
		Short: "Set an account's password (read from standard input); its sessions end",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pw, err := readPassword(cmd, stdin)
			if err != nil {
				return err
			}
			return withAccounts(cmd.Context(), load, func(a *core.Accounts) error {
				if err := a.SetPassword(cmd.Context(), core.System(), args[0], pw); err != nil {
					return err
				}
				_, err := fmt.Fprintf(cmd.OutOrStdout(), "password of %s changed; its sessions ended\n", args[0])
				return err
			})
		},
	}
	cmd.Flags().BoolVar(&stdin, "password-stdin", false, "read the password from standard input")
	return cmd
}

func userRoleCmd(load loader) *cobra.Command {
	var role, workspace string
	cmd := &cobra.Command{
		Use:   "role NAME --role admin|staff|requester [--workspace WS]",
		Short: "Change an account's role; its sessions end (the last admin cannot be demoted)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, ws, err := roleFlags(role, workspace)
			if err != nil {
				return err
			}
			return withAccounts(cmd.Context(), load, func(a *core.Accounts) error {
				acc, err := a.SetRole(cmd.Context(), core.System(), args[0], r, ws)
				if err != nil {
					return err
				}
				_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s is now %s%s; its sessions ended\n", acc.Name, acc.Role, inWorkspace(acc.Workspace))
				return err
			})
		},
	}
	cmd.Flags().StringVar(&role, "role", "", "admin, staff or requester")
	cmd.Flags().StringVar(&workspace, "workspace", "", "the workspace of a requester account")
	_ = cmd.MarkFlagRequired("role")
	return cmd
}

func userDeleteCmd(load loader) *cobra.Command {
	return &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete an account and end its sessions (the last admin cannot be deleted)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withAccounts(cmd.Context(), load, func(a *core.Accounts) error {
				if err := a.Delete(cmd.Context(), core.System(), args[0]); err != nil {
					return err
				}
				_, err := fmt.Fprintf(cmd.OutOrStdout(), "deleted account %s\n", args[0])
				return err
			})
		},
	}
}

// table writes rows under header in aligned columns.
func table(w io.Writer, header []string, n int, row func(i int) []string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for i := range n {
		fmt.Fprintln(tw, strings.Join(row(i), "\t"))
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
