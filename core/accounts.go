package core

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"golang.org/x/crypto/bcrypt"
)

// Account rules.
const (
	// MinPasswordBytes and MaxPasswordBytes bound a password; bcrypt reads at most 72 bytes, so
	// longer ones are refused rather than silently cut.
	MinPasswordBytes = 8
	MaxPasswordBytes = 72
	// MaxNameLen bounds account and token names.
	MaxNameLen = 64
	// PasswordCost is the bcrypt work factor of stored password hashes.
	PasswordCost = 11
)

// Accounts owns the rules of web accounts, their sessions and sign-in limits, and REST API
// tokens: who may create and change them, what a name and a password must be, how secrets
// are hashed and when a credential stops working. The CLI acts as System().
type Accounts struct {
	store      AccountStore
	sessions   SessionStore
	identities IdentityStore     // platform sign-ins; nil refuses them
	links      IdentityLinkStore // accounts' linked identities; nil: none
	clock      Clock
	log        *slog.Logger
	cost       int
	dummy      []byte // a hash to compare unknown users against, so timing tells nothing

	mu         sync.Mutex
	deployment string
}

// AccountsConfig are the Accounts' dependencies.
type AccountsConfig struct {
	Store    AccountStore
	Sessions SessionStore
	// Identities keeps platform sign-in sessions and states [Sessions, when it does].
	Identities IdentityStore
	// Links keeps accounts' linked platform identities [Sessions, when it does].
	Links IdentityLinkStore
	Clock Clock
	// Log receives failed sign-ins and sign-in delays (never a password).
	Log *slog.Logger
	// Cost is the bcrypt cost [PasswordCost]; tests lower it.
	Cost int
}

// NewAccounts builds the accounts service. Errors: internal (bcrypt).
func NewAccounts(c AccountsConfig) (*Accounts, error) {
	if c.Clock == nil {
		c.Clock = SystemClock{}
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Cost == 0 {
		c.Cost = PasswordCost
	}
	dummy, err := bcrypt.GenerateFromPassword([]byte("ticketbot-dummy-password"), c.Cost)
	if err != nil {
		return nil, Internal("core.NewAccounts", err)
	}
	if c.Identities == nil {
		c.Identities, _ = c.Sessions.(IdentityStore)
	}
	if c.Links == nil {
		c.Links, _ = c.Sessions.(IdentityLinkStore)
	}
	return &Accounts{store: c.Store, sessions: c.Sessions, identities: c.Identities, links: c.Links, clock: c.Clock, log: c.Log, cost: c.Cost, dummy: dummy}, nil
}

// NormalizeName returns the canonical form of an account or token name: trimmed and lower
// case, so that names compare the same on every database collation. Errors: invalid.
func NormalizeName(name string) (string, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if n == "" || len(n) > MaxNameLen {
		return "", FieldError("name", "a name needs 1 to %d characters", MaxNameLen)
	}
	for i, r := range n {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || i > 0 && (r == '.' || r == '_' || r == '-')
		if !ok {
			return "", FieldError("name",
				"a name may hold letters, digits, '.', '_' and '-', and starts with a letter or digit")
		}
	}
	return n, nil
}

// ParseRole accepts admin, staff or requester. Errors: invalid.
func ParseRole(s string) (Role, error) {
	switch r := Role(strings.ToLower(strings.TrimSpace(s))); r {
	case RoleAdmin, RoleStaff, RoleRequester:
		return r, nil
	}
	return "", FieldError("role", "the role must be admin, staff or requester, not %q", s)
}

// NewAccount is what Create needs.
type NewAccount struct {
	Name      string
	Role      Role
	Workspace Workspace // requester accounts only
	Password  []byte
}

// requireAdmin: accounts and tokens are managed by admins that are bound to no workspace.
func requireAdmin(actor Actor) error {
	if !actor.Role.AtLeast(RoleAdmin) || !actor.Workspace.IsZero() {
		return Errorf(EForbidden, "only admins can manage accounts and tokens")
	}
	return nil
}

// checkRoleWorkspace: a requester account belongs to exactly one workspace; staff and admin
// accounts to none.
func checkRoleWorkspace(role Role, ws Workspace) error {
	if _, err := ParseRole(string(role)); err != nil {
		return err
	}
	if role == RoleRequester && ws.IsZero() {
		return FieldError("workspace", "a requester account needs its workspace, e.g. slack:T123")
	}
	if role != RoleRequester && !ws.IsZero() {
		return FieldError("workspace", "only requester accounts belong to a workspace; staff and admins see every workspace")
	}
	return nil
}

func checkPassword(pw []byte) error {
	if len(pw) < MinPasswordBytes || len(pw) > MaxPasswordBytes {
		return FieldError("password", "a password needs %d to %d bytes", MinPasswordBytes, MaxPasswordBytes)
	}
	return nil
}

func (a *Accounts) hash(op string, pw []byte) ([]byte, error) {
	h, err := bcrypt.GenerateFromPassword(pw, a.cost)
	if err != nil {
		return nil, Internal(op, err)
	}
	return h, nil
}

// Create stores a new account. Errors: forbidden, invalid (name, role, workspace, password),
// conflict (name taken), unavailable, internal.
func (a *Accounts) Create(ctx context.Context, actor Actor, in NewAccount) (Account, error) {
	const op = "core.Accounts.Create"
	if err := requireAdmin(actor); err != nil {
		return Account{}, err
	}
	n, err := NormalizeName(in.Name)
	if err != nil {
		return Account{}, err
	}
	if err := checkRoleWorkspace(in.Role, in.Workspace); err != nil {
		return Account{}, err
	}
	if err := checkPassword(in.Password); err != nil {
		return Account{}, err
	}
	h, err := a.hash(op, in.Password)
	if err != nil {
		return Account{}, err
	}
	acc := Account{Name: n, Role: in.Role, Workspace: in.Workspace, PasswordHash: h, CreatedAt: a.clock.Now()}
	if err := a.store.CreateAccount(ctx, &acc); err != nil {
		if IsCode(err, EConflict) {
			return Account{}, &Error{Code: EConflict, Field: "name", Message: fmt.Sprintf("an account called %q exists already", n)}
		}
		return Account{}, fmt.Errorf("%s: %w", op, err)
	}
	return acc, nil
}

// List returns every account by name. Errors: forbidden, unavailable, internal.
func (a *Accounts) List(ctx context.Context, actor Actor) ([]Account, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	return a.store.Accounts(ctx)
}

// update applies fn to the account called name (normalised); the store ends its sessions.
func (a *Accounts) update(ctx context.Context, name string, fn func(acc *Account, otherAdmins int) error) (Account, error) {
	n, err := NormalizeName(name)
	if err != nil {
		return Account{}, err
	}
	acc, err := a.store.UpdateAccount(ctx, n, fn)
	if IsCode(err, ENotFound) {
		return Account{}, Errorf(ENotFound, "no account called %q", n)
	}
	return acc, err
}

// SetRole changes the account's role (and, for requesters, workspace) and ends its sessions.
// The last admin cannot be demoted. Errors: forbidden, invalid, not_found, conflict,
// unavailable, internal.
func (a *Accounts) SetRole(ctx context.Context, actor Actor, name string, role Role, ws Workspace) (Account, error) {
	if err := requireAdmin(actor); err != nil {
		return Account{}, err
	}
	if err := checkRoleWorkspace(role, ws); err != nil {
		return Account{}, err
	}
	return a.update(ctx, name, func(acc *Account, otherAdmins int) error {
		if acc.Role == RoleAdmin && role != RoleAdmin && otherAdmins == 0 {
			return Errorf(EConflict, "%s is the last admin and cannot be demoted; make another admin first", acc.Name)
		}
		acc.Role, acc.Workspace = role, ws
		return nil
	})
}

// SetPassword replaces the account's password (an admin's reset, or the CLI) and ends its
// sessions. Errors: forbidden, invalid, not_found, unavailable, internal.
func (a *Accounts) SetPassword(ctx context.Context, actor Actor, name string, password []byte) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	_, err := a.setPassword(ctx, name, password)
	return err
}

func (a *Accounts) setPassword(ctx context.Context, name string, password []byte) (Account, error) {
	if err := checkPassword(password); err != nil {
		return Account{}, err
	}
	h, err := a.hash("core.Accounts.SetPassword", password)
	if err != nil {
		return Account{}, err
	}
	return a.update(ctx, name, func(acc *Account, _ int) error {
		acc.PasswordHash = h
		return nil
	})
}

// ChangePassword is a signed-in user changing their own password: current must be right.
// Every session of the account ends, the caller's too; the changed account is returned, to
// start a new one. Errors: forbidden (wrong current password), invalid, not_found,
// unavailable, internal.
func (a *Accounts) ChangePassword(ctx context.Context, name string, current, password []byte) (Account, error) {
	n, err := NormalizeName(name)
	if err != nil {
		return Account{}, err
	}
	acc, err := a.store.AccountByName(ctx, n)
	if err != nil {
		return Account{}, err
	}
	if bcrypt.CompareHashAndPassword(acc.PasswordHash, current) != nil {
		return Account{}, &Error{Code: EForbidden, Field: "current", Message: "the current password is wrong"}
	}
	return a.setPassword(ctx, n, password)
}

// Delete removes the account and its sessions. The last admin cannot be deleted.
// Errors: forbidden, invalid, not_found, conflict, unavailable, internal.
func (a *Accounts) Delete(ctx context.Context, actor Actor, name string) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	n, err := NormalizeName(name)
	if err != nil {
		return err
	}
	err = a.store.DeleteAccount(ctx, n, func(acc Account, otherAdmins int) error {
		if acc.Role == RoleAdmin && otherAdmins == 0 {
			return Errorf(EConflict, "%s is the last admin and cannot be deleted", acc.Name)
		}
		return nil
	})
	if IsCode(err, ENotFound) {
		return Errorf(ENotFound, "no account called %q", n)
	}
	return err
}

// Actor is who a signed-in account is to the Service.
func (acc Account) Actor() Actor {
	return Actor{User: UserRef{ID: "web:" + acc.Name, Name: acc.Name}, Role: acc.Role, Workspace: acc.Workspace}
}
