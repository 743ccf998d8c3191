package main

import (
	"github.com/ticketbot/ticketbot/config"
	"github.com/ticketbot/ticketbot/core"
)

// newInstalls is the installs service (the tokens of workspaces that installed the Slack app
// through OAuth), sealing with TICKETBOT_SECRET_KEY; without a key it reads and stores none.
func newInstalls(cfg config.Config, st core.InstallStore, state core.StateStore) (*core.Installs, error) {
	keys, err := cfg.SecretKeys()
	if err != nil {
		return nil, err
	}
	var sealer *core.Sealer
	if len(keys) > 0 {
		if sealer, err = core.NewSealer(keys...); err != nil {
			return nil, err
		}
	}
	return core.NewInstalls(core.InstallsConfig{Store: st, Sealer: sealer, State: state})
}
