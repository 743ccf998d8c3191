package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/ticketbot/ticketbot/core"
)

func newTokenCmd(load loader) *cobra.Command {
	token := &cobra.Command{Use: "token", Short: "Manage REST API tokens"}
	token.AddCommand(tokenCreateCmd(load), tokenRevokeCmd(load), tokenListCmd(load))
	return token
}

func tokenCreateCmd(load loader) *cobra.Command {
	var name, scope, workspace, expires string
	cmd := &cobra.Command{
		Use:   "create --name NAME [--scope read|write|admin] [--workspace WS] [--expires 90d]",
		Short: "Create an API token and print it as the last line (only its hash is stored)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			in := core.NewToken{Name: name}
			var err error
			if in.Scope, err = core.ParseScope(scope); err != nil {
				return fmt.Errorf("--scope: %s", core.ErrorMessage(err))
			}
			if workspace != "" {
				if in.Workspace, err = core.ParseWorkspace(workspace); err != nil {
					return fmt.Errorf("--workspace: %s", core.ErrorMessage(err))
				}
			}
			if in.TTL, err = core.ParseExpiry(expires); err != nil {
				return fmt.Errorf("--expires: %s", core.ErrorMessage(err))
			}
			return withAccounts(cmd.Context(), load, func(a *core.Accounts) error {
				tok, secret, err := a.CreateToken(cmd.Context(), core.System(), in)
				if err != nil {
					return err
				}
				out := cmd.OutOrStdout()
				fmt.Fprintf(out, "token %q created: scope %s, %s, %s; it is shown only once:\n",
					tok.Name, tok.Scope, workspaceText(tok.Workspace), expiryText(tok.ExpiresAt))
				_, err = fmt.Fprintln(out, secret)
				return err
			})
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "a name for the token (to revoke it later)")
	cmd.Flags().StringVar(&scope, "scope", "write", "read, write or admin (settings and webhooks)")
	cmd.Flags().StringVar(&workspace, "workspace", "", "bind the token to one workspace, e.g. slack:T123")
	cmd.Flags().StringVar(&expires, "expires", "", "lifetime such as 90d, 12h or 30m (default: never)")
	_ = cmd.MarkFlagRequired("name")
	return cmd
}

func workspaceText(ws core.Workspace) string {
	if ws.IsZero() {
		return "every workspace"
	}
	return "workspace " + ws.String()
}

func expiryText(t *time.Time) string {
	if t == nil {
		return "no expiry"
	}
	return "expires " + t.UTC().Format(time.RFC3339)
}

func tokenRevokeCmd(load loader) *cobra.Command {
	return &cobra.Command{
		Use:   "revoke NAME",
		Short: "Revoke an API token",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withAccounts(cmd.Context(), load, func(a *core.Accounts) error {
				if err := a.RevokeToken(cmd.Context(), core.System(), args[0]); err != nil {
					return err
				}
				_, err := fmt.Fprintf(cmd.OutOrStdout(), "token %q revoked\n", args[0])
				return err
			})
		},
	}
}

func tokenListCmd(load loader) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List API tokens that are not revoked (never their secrets)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withAccounts(cmd.Context(), load, func(a *core.Accounts) error {
				toks, err := a.Tokens(cmd.Context(), core.System())
				if err != nil {
					return err
				}
				now := time.Now()
				return table(cmd.OutOrStdout(), []string{"NAME", "SCOPE", "WORKSPACE", "EXPIRES", "CREATED"}, len(toks), func(i int) []string {
					t := toks[i]
					exp := "never"
					if t.ExpiresAt != nil {
						exp = t.ExpiresAt.UTC().Format(time.RFC3339)
						if !now.Before(*t.ExpiresAt) {
							exp += " (expired)"
						}
					}
					return []string{t.Name, string(t.Scope), dash(t.Workspace.String()), exp, t.CreatedAt.UTC().Format(time.RFC3339)}
				})
			})
		},
	}
}
