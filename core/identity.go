package core

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"strings"
	"time"
)

// Sign-in with a platform (Slack, Discord): a person who proves who they are to the platform
// gets a session that holds their platform identity instead of an account. Their identity is
// (workspace, platform user id), the same as in chat, so their tickets are the ones they opened
// there. Sessions live in the database like account sessions; sign-in states (OAuth2 state,
// PKCE verifier, OIDC nonce) too, and each is taken once.

// SignInStateTTL is how long a sign-in may take between leaving for the platform and coming back.
const SignInStateTTL = 10 * time.Minute

// Membership is a workspace a signed-in platform user belongs to and their role there.
type Membership struct {
	Workspace Workspace `json:"workspace"`
	Role      Role      `json:"role"`
}

// Identity is who a platform sign-in proved someone to be.
type Identity struct {
	Platform Platform
	// User is the platform user id (the same id as in chat) and display name.
	User UserRef
	// Memberships are the workspaces with a helpdesk the user is in, with their roles.
	Memberships []Membership
}

// Actor is the identity acting in membership m (with its role there).
func (id Identity) Actor(m Membership) Actor {
	return Actor{User: id.User, Role: m.Role, Workspace: m.Workspace}
}

// IdentitySession is a stored platform sign-in.
type IdentitySession struct {
	ID        int64
	Hash      []byte
	Identity  Identity
	CSRF      string
	CreatedAt time.Time
	ExpiresAt time.Time
	LastSeen  time.Time
	// Workspace is the workspace chosen for the dashboard (zero: none chosen yet).
	Workspace Workspace
	// RolesCheckedAt is when the memberships' roles were last asked of the platform (zero:
	// at sign-in, CreatedAt).
	RolesCheckedAt time.Time
}

// SignInState is what a sign-in started with, kept server-side until the platform sends the
// browser back: the provider, the PKCE verifier, the OIDC nonce and where to go afterwards.
type SignInState struct {
	Hash      []byte // of the state parameter
	Provider  string
	Verifier  string
	Nonce     string
	Next      string
	ExpiresAt time.Time
}

// IdentityStore keeps platform sign-in sessions and sign-in states in the database.
type IdentityStore interface {
	// CreateIdentitySession stores s and sets its ID. Errors: conflict, unavailable, internal.
	CreateIdentitySession(ctx context.Context, s *IdentitySession) error
	// IdentitySessionByHash returns the session with hash. Errors: not_found, unavailable, internal.
	IdentitySessionByHash(ctx context.Context, hash []byte) (IdentitySession, error)
	// TouchIdentitySession sets the session's LastSeen. Errors: unavailable, internal.
	TouchIdentitySession(ctx context.Context, id int64, at time.Time) error
	// DeleteIdentitySession removes the session with hash; a missing one is no error.
	// Errors: unavailable, internal.
	DeleteIdentitySession(ctx context.Context, hash []byte) error
	// PurgeIdentitySessions deletes sessions and sign-in states that expired before before.
	// Errors: unavailable, internal.
	PurgeIdentitySessions(ctx context.Context, before time.Time) (int64, error)
	// SetIdentityWorkspace records the workspace chosen in session id. Errors: unavailable,
	// internal.
	SetIdentityWorkspace(ctx context.Context, id int64, ws Workspace) error
	// SetIdentityRoles replaces session id's memberships and when they were checked.
	// Errors: unavailable, internal.
	SetIdentityRoles(ctx context.Context, id int64, ms []Membership, checkedAt time.Time) error
	// SaveSignInState stores st. Errors: conflict, unavailable, internal.
	SaveSignInState(ctx context.Context, st SignInState) error
	// TakeSignInState deletes the state with hash and returns it; only one caller ever gets
	// it. Errors: not_found, unavailable, internal.
	TakeSignInState(ctx context.Context, hash []byte) (SignInState, error)
}

func (a *Accounts) identityStore(op string) (IdentityStore, error) {
	if a.identities == nil {
		return nil, Errorf(EUnavailable, "%s: platform sign-in needs a store that keeps identity sessions", op)
	}
	return a.identities, nil
}

// stateHash is what the database keeps of a sign-in state parameter.
func stateHash(state string) []byte {
	h := sha256.Sum256([]byte("ticketbot sign-in state\x00" + state))
	return h[:]
}

// StartSignIn stores a new sign-in for provider and returns its state parameter. verifier
// and nonce are the PKCE verifier and OIDC nonce the caller sent to the platform.
// Errors: invalid, unavailable, internal.
func (a *Accounts) StartSignIn(ctx context.Context, provider, verifier, nonce, next string) (string, error) {
	st, err := a.identityStore("core.StartSignIn")
	if err != nil {
		return "", err
	}
	if provider == "" || len(verifier) < 43 || len(verifier) > 128 {
		return "", Errorf(EInvalid, "a sign-in needs a provider and a PKCE verifier of 43 to 128 characters")
	}
	state := RandomSecret(32)
	err = st.SaveSignInState(ctx, SignInState{Hash: stateHash(state), Provider: provider, Verifier: verifier,
		Nonce: nonce, Next: next, ExpiresAt: a.clock.Now().Add(SignInStateTTL)})
	if err != nil {
		return "", err
	}
	return state, nil
}

// FinishSignIn takes the sign-in of state back, once: a second call with the same state, a
// state of another provider, an expired or a made-up one is refused.
// Errors: forbidden, unavailable, internal.
func (a *Accounts) FinishSignIn(ctx context.Context, provider, state string) (SignInState, error) {
	st, err := a.identityStore("core.FinishSignIn")
	if err != nil {
		return SignInState{}, err
	}
	refused := Errorf(EForbidden, "this sign-in is unknown, already used or expired; start again")
	if state == "" || len(state) > MaxSessionSecret {
		return SignInState{}, refused
	}
	got, err := st.TakeSignInState(ctx, stateHash(state))
	if IsCode(err, ENotFound) {
		return SignInState{}, refused
	}
	if err != nil {
		return SignInState{}, err
	}
	if got.Provider != provider || !a.clock.Now().Before(got.ExpiresAt) {
		return SignInState{}, refused
	}
	return got, nil
}

// StartIdentitySession signs id in for ttl and returns the cookie secret and the session.
// Errors: invalid (no user or no workspace), unavailable, internal.
func (a *Accounts) StartIdentitySession(ctx context.Context, id Identity, ttl time.Duration) (string, IdentitySession, error) {
	st, err := a.identityStore("core.StartIdentitySession")
	if err != nil {
		return "", IdentitySession{}, err
	}
	if id.Platform == "" || strings.TrimSpace(id.User.ID) == "" || len(id.Memberships) == 0 {
		return "", IdentitySession{}, Errorf(EInvalid, "a platform sign-in needs a user and at least one workspace")
	}
	for _, m := range id.Memberships {
		if m.Workspace.Platform != id.Platform {
			return "", IdentitySession{}, Errorf(EInvalid, "workspace %s is not on %s", m.Workspace, id.Platform)
		}
		if _, err := ParseRole(string(m.Role)); err != nil {
			return "", IdentitySession{}, err
		}
	}
	secret := RandomSecret(32)
	h, err := a.sessionHash(ctx, secret)
	if err != nil {
		return "", IdentitySession{}, err
	}
	now := a.clock.Now()
	s := IdentitySession{Hash: h, Identity: id, CSRF: RandomSecret(32), CreatedAt: now, ExpiresAt: now.Add(ttl), LastSeen: now}
	if err := st.CreateIdentitySession(ctx, &s); err != nil {
		return "", IdentitySession{}, err
	}
	if _, err := st.PurgeIdentitySessions(ctx, now); err != nil {
		a.log.Warn("could not purge expired identity sessions", "err", err)
	}
	return secret, s, nil
}

// IdentitySession returns the live platform session of a cookie secret.
// Errors: not_found (no such session, expired or ended), unavailable, internal.
func (a *Accounts) IdentitySession(ctx context.Context, secret string) (IdentitySession, error) {
	none := Errorf(ENotFound, "not signed in")
	if a.identities == nil || secret == "" || len(secret) > MaxSessionSecret {
		return IdentitySession{}, none
	}
	h, err := a.sessionHash(ctx, secret)
	if err != nil {
		return IdentitySession{}, err
	}
	s, err := a.identities.IdentitySessionByHash(ctx, h)
	if IsCode(err, ENotFound) {
		return IdentitySession{}, none
	}
	if err != nil {
		return IdentitySession{}, err
	}
	now := a.clock.Now()
	if !now.Before(s.ExpiresAt) {
		_ = a.identities.DeleteIdentitySession(ctx, h)
		return IdentitySession{}, none
	}
	if now.Sub(s.LastSeen) >= touchEvery {
		if err := a.identities.TouchIdentitySession(ctx, s.ID, now); err == nil {
			s.LastSeen = now
		}
	}
	return s, nil
}

// EndIdentitySession ends the platform session of a cookie secret for good.
// Errors: unavailable, internal.
func (a *Accounts) EndIdentitySession(ctx context.Context, secret string) error {
	if a.identities == nil || secret == "" || len(secret) > MaxSessionSecret {
		return nil
	}
	h, err := a.sessionHash(ctx, secret)
	if err != nil {
		return err
	}
	return a.identities.DeleteIdentitySession(ctx, h)
}

// EncodeMemberships and DecodeMemberships are how stores keep an identity's memberships.
func EncodeMemberships(ms []Membership) (string, error) {
	b, err := json.Marshal(ms)
	return string(b), err
}

// DecodeMemberships is the inverse of EncodeMemberships. Errors: internal.
func DecodeMemberships(s string) ([]Membership, error) {
	var ms []Membership
	if err := json.Unmarshal([]byte(s), &ms); err != nil {
		return nil, Internal("core.DecodeMemberships", err)
	}
	return ms, nil
}

// ChooseWorkspace makes ws the dashboard workspace of session s; it must be one of its
// memberships. Errors: forbidden, unavailable, internal.
func (a *Accounts) ChooseWorkspace(ctx context.Context, s IdentitySession, ws Workspace) (IdentitySession, error) {
	st, err := a.identityStore("core.ChooseWorkspace")
	if err != nil {
		return s, err
	}
	if _, ok := s.Identity.Membership(ws); !ok {
		return s, Errorf(EForbidden, "you are not a member of %s", ws)
	}
	if err := st.SetIdentityWorkspace(ctx, s.ID, ws); err != nil {
		return s, err
	}
	s.Workspace = ws
	return s, nil
}

// Membership returns id's membership of ws.
func (id Identity) Membership(ws Workspace) (Membership, bool) {
	for _, m := range id.Memberships {
		if m.Workspace == ws {
			return m, true
		}
	}
	return Membership{}, false
}

// RoleLookup asks the platform for user's role in ws now. Errors: unavailable, internal.
type RoleLookup func(ctx context.Context, ws Workspace, user string) (Role, error)

// rolesRetry is how soon roles that could not be checked are asked for again.
const rolesRetry = time.Minute

// RecheckRoles asks lookup again for the role of each of s's memberships once every (since
// sign-in or the last check), so that someone removed from the staff loses the dashboard
// within every, not at the end of the session. A membership whose role cannot be checked
// keeps its role and is asked for again a minute later. Errors: unavailable, internal (the
// store).
func (a *Accounts) RecheckRoles(ctx context.Context, s IdentitySession, every time.Duration, lookup RoleLookup) (IdentitySession, error) {
	if lookup == nil || every <= 0 {
		return s, nil
	}
	st, err := a.identityStore("core.RecheckRoles")
	if err != nil {
		return s, err
	}
	now := a.clock.Now()
	last := s.RolesCheckedAt
	if last.IsZero() {
		last = s.CreatedAt
	}
	if now.Sub(last) < every {
		return s, nil
	}
	ms := make([]Membership, len(s.Identity.Memberships))
	checked := now
	for i, m := range s.Identity.Memberships {
		ms[i] = m
		role, err := lookup(ctx, m.Workspace, s.Identity.User.ID)
		if err != nil {
			a.log.Warn("could not re-check a signed-in user's role; keeping it for now", "workspace", m.Workspace.String(), "user", s.Identity.User.ID, "err", err)
			checked = now.Add(rolesRetry - every)
			continue
		}
		if role != m.Role {
			a.log.Info("a signed-in user's role changed", "workspace", m.Workspace.String(), "user", s.Identity.User.ID, "from", m.Role, "to", role)
		}
		ms[i].Role = role
	}
	if err := st.SetIdentityRoles(ctx, s.ID, ms, checked); err != nil {
		return s, err
	}
	s.Identity.Memberships, s.RolesCheckedAt = ms, checked
	return s, nil
}
