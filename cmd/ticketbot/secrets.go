package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/memstate"
)

// newSecretsCmd is `ticketbot secrets …`: the stored platform tokens' encryption.
func newSecretsCmd(load loader) *cobra.Command {
	cmd := &cobra.Command{Use: "secrets", Short: "Manage the encryption of stored platform tokens"}
	cmd.AddCommand(&cobra.Command{
		Use:   "rotate",
		Short: "Seal every stored token again with TICKETBOT_SECRET_KEY (the old key in TICKETBOT_SECRET_KEY_OLD)",
		Long: "Rotate the key that seals stored tokens: set TICKETBOT_SECRET_KEY to a new key and\n" +
			"TICKETBOT_SECRET_KEY_OLD to the previous one (every replica), run this once, then drop\n" +
			"TICKETBOT_SECRET_KEY_OLD.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, log, err := load()
			if err != nil {
				return err
			}
			if cfg.SecretKey == "" {
				return fmt.Errorf("TICKETBOT_SECRET_KEY is not set: there is no key to seal with")
			}
			st, err := openStore(cmd.Context(), cfg, log)
			if err != nil {
				return err
			}
			defer st.Close()
			state := memstate.New(nil)
			defer state.Close()
			in, err := newInstalls(cfg, st, state)
			if err != nil {
				return err
			}
			n, err := in.Reseal(cmd.Context(), core.PlatformSlack)
			if err != nil {
				return fmt.Errorf("resealed %d token(s), then: %s", n, core.ErrorMessage(err))
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "resealed %d token(s) with the current TICKETBOT_SECRET_KEY; TICKETBOT_SECRET_KEY_OLD can go\n", n)
			return err
		},
	})
	return cmd
}
