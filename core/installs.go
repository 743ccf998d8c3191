package core

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"
)

// Install is a chat app's installation in one workspace (a Slack team that installed the app
// through OAuth): the bot token the platform issued, sealed.
type Install struct {
	Workspace Workspace
	// Token is the bot token, sealed by the Installs' Sealer with the workspace as context.
	Token Sealed
	// BotUserID is the app's bot user in the workspace; Scopes the granted scopes.
	BotUserID, Scopes string
	InstalledBy       UserRef
	InstalledAt       time.Time
	// RevokedAt is set once the token was revoked or the app uninstalled: it is not used again
	// until the workspace installs the app anew.
	RevokedAt *time.Time
}

// InstallStore keeps installs, one per workspace.
type InstallStore interface {
	// SaveInstall creates or replaces in (clearing a revocation). Errors: invalid, unavailable, internal.
	SaveInstall(ctx context.Context, in Install) error
	// Install returns ws's install, revoked or not. Errors: not_found, unavailable, internal.
	Install(ctx context.Context, ws Workspace) (Install, error)
	// RevokeInstall marks ws's install revoked at at; a workspace without one is no error.
	// Errors: unavailable, internal.
	RevokeInstall(ctx context.Context, ws Workspace, at time.Time) error
	// Installs lists the installs of platform, revoked ones too, in workspace order.
	// Errors: unavailable, internal.
	Installs(ctx context.Context, platform Platform) ([]Install, error)
}

// Install OAuth states live this long: the time a person has to approve on the platform.
const installStateTTL = 10 * time.Minute

// InstallsConfig builds Installs.
type InstallsConfig struct {
	Store InstallStore
	// Sealer seals the tokens; without one, Save refuses (nothing is stored in clear).
	Sealer *Sealer
	// State keeps OAuth states between the redirect and the callback.
	State StateStore
	Clock Clock
}

// Installs is the rules of app installs: tokens are stored sealed and bound to their
// workspace, a revoked install is never used, OAuth states are random, short-lived and
// single-use.
type Installs struct {
	store  InstallStore
	sealer *Sealer
	state  StateStore
	clock  Clock
}

// NewInstalls builds the installs service. Errors: invalid (no store or state store).
func NewInstalls(c InstallsConfig) (*Installs, error) {
	if c.Store == nil || c.State == nil {
		return nil, Errorf(EInvalid, "core.NewInstalls: a Store and a State store are required")
	}
	if c.Clock == nil {
		c.Clock = SystemClock{}
	}
	return &Installs{store: c.Store, sealer: c.Sealer, state: c.State, clock: c.Clock}, nil
}

// Save records that ws installed the app with token. Errors: invalid (no token, a bad
// workspace, no TICKETBOT_SECRET_KEY), unavailable, internal.
func (i *Installs) Save(ctx context.Context, ws Workspace, token, botUserID, scopes string, by UserRef) error {
	if !ws.Platform.Valid() || ws.ExternalID == "" {
		return Errorf(EInvalid, "an install needs a workspace")
	}
	if token == "" {
		return Errorf(EInvalid, "the platform answered without a bot token")
	}
	if i.sealer == nil {
		return Errorf(EInvalid, "TICKETBOT_SECRET_KEY is not set: tokens of installed workspaces cannot be stored")
	}
	sealed, err := i.sealer.Seal(token, ws.String())
	if err != nil {
		return err
	}
	return i.store.SaveInstall(ctx, Install{Workspace: ws, Token: sealed, BotUserID: botUserID, Scopes: scopes,
		InstalledBy: by, InstalledAt: i.clock.Now()})
}

// Token returns ws's bot token. Errors: not_found (never installed, or revoked),
// invalid (sealed with a key that is not configured), unavailable, internal.
func (i *Installs) Token(ctx context.Context, ws Workspace) (string, error) {
	in, err := i.store.Install(ctx, ws)
	if err != nil {
		return "", err
	}
	if in.RevokedAt != nil {
		return "", Errorf(ENotFound, "the app was uninstalled from %s or its token revoked; install it again", ws)
	}
	if i.sealer == nil {
		return "", Errorf(EInvalid, "TICKETBOT_SECRET_KEY is not set: the stored token of %s cannot be read", ws)
	}
	return i.sealer.Open(in.Token, ws.String())
}

// Revoke stops using ws's token (tokens_revoked, app_uninstalled). Errors: unavailable, internal.
func (i *Installs) Revoke(ctx context.Context, ws Workspace) error {
	return i.store.RevokeInstall(ctx, ws, i.clock.Now())
}

// Tokens returns the usable bot token of every install on platform, by workspace id.
// Installs whose token does not open are left out and counted in failed.
// Errors: unavailable, internal.
func (i *Installs) Tokens(ctx context.Context, platform Platform) (tokens map[string]string, failed int, err error) {
	all, err := i.store.Installs(ctx, platform)
	if err != nil {
		return nil, 0, err
	}
	tokens = map[string]string{}
	for _, in := range all {
		if in.RevokedAt != nil {
			continue
		}
		if i.sealer == nil {
			failed++
			continue
		}
		tok, err := i.sealer.Open(in.Token, in.Workspace.String())
		if err != nil {
			failed++
			continue
		}
		tokens[in.Workspace.ExternalID] = tok
	}
	return tokens, failed, nil
}

// Reseal seals every stored token again with the current key (after TICKETBOT_SECRET_KEY
// changed and the old key moved to TICKETBOT_SECRET_KEY_OLD) and returns how many changed.
// Errors: invalid (no key, or a token no configured key opens), unavailable, internal.
func (i *Installs) Reseal(ctx context.Context, platform Platform) (int, error) {
	if i.sealer == nil {
		return 0, Errorf(EInvalid, "TICKETBOT_SECRET_KEY is not set")
	}
	all, err := i.store.Installs(ctx, platform)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, in := range all {
		if i.sealer.Current(in.Token) {
			continue
		}
		plain, err := i.sealer.Open(in.Token, in.Workspace.String())
		if err != nil {
			return n, err
		}
		if in.Token, err = i.sealer.Seal(plain, in.Workspace.String()); err != nil {
			return n, err
		}
		if err := i.store.SaveInstall(ctx, in); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// NewState returns a random OAuth state, remembered for installStateTTL.
// Errors: unavailable, internal.
func (i *Installs) NewState(ctx context.Context) (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", &Error{Code: EInternal, Op: "core.NewState", Err: err}
	}
	state := hex.EncodeToString(b)
	if err := i.state.Set(ctx, stateKey(state), []byte("1"), installStateTTL); err != nil {
		return "", err
	}
	return state, nil
}

// TakeState accepts state once: it must have come from NewState within installStateTTL and
// not have been taken before. Errors: invalid (unknown, expired or used), unavailable.
func (i *Installs) TakeState(ctx context.Context, state string) error {
	bad := Errorf(EInvalid, "the install link expired or was already used; start the install again")
	if len(state) != 48 {
		return bad
	}
	if _, err := i.state.Get(ctx, stateKey(state)); IsCode(err, ENotFound) {
		return bad
	} else if err != nil {
		return err
	}
	seen, err := i.state.MarkSeen(ctx, stateKey(state)+":used", installStateTTL)
	if err != nil {
		return err
	}
	if seen {
		return bad
	}
	return i.state.Delete(ctx, stateKey(state))
}

func stateKey(state string) string { return "tb:install:state:" + state }
