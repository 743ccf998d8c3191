package core

import (
	"context"
	"strings"
	"time"
)

// Linked identities: a web account (made with the CLI or the admin pages) can be linked to
// the platform identities of the same person, by signing in with Slack or Discord once while
// signed in to the account. Then a ticket claimed in Slack or Discord as that identity is the
// account's own ("Assigned to me"), and the identity, signed in later, finds the account's
// tickets as its own too. A platform sign-in is that identity; nothing else makes a link.

// IdentityLink is a platform identity linked to an account.
type IdentityLink struct {
	Account  string
	Platform Platform
	// User is the platform user id (Slack U…, Discord snowflake) and the name it had.
	User UserRef
	// Workspace is where it signed in (a Slack team; for Discord the user is the same in
	// every server).
	Workspace Workspace
	CreatedAt time.Time
}

// IdentityLinkStore keeps the links of accounts to platform identities.
type IdentityLinkStore interface {
	// SaveIdentityLink links l's identity to l.Account, replacing a link of the same identity to the
	// same account. Errors: conflict (the identity is linked to another account),
	// unavailable, internal.
	SaveIdentityLink(ctx context.Context, l IdentityLink) error
	// IdentityLinks lists account's links, oldest first. Errors: unavailable, internal.
	IdentityLinks(ctx context.Context, account string) ([]IdentityLink, error)
	// IdentityLinkOf returns the link of the identity (platform, user). Errors: not_found,
	// unavailable, internal.
	IdentityLinkOf(ctx context.Context, platform Platform, user string) (IdentityLink, error)
	// DeleteIdentityLink removes account's link to (platform, user); a missing one is no error.
	// Errors: unavailable, internal.
	DeleteIdentityLink(ctx context.Context, account string, platform Platform, user string) error
}

func (a *Accounts) linkStore(op string) (IdentityLinkStore, error) {
	if a.links == nil {
		return nil, Errorf(EUnavailable, "%s: linking identities needs a store that keeps links", op)
	}
	return a.links, nil
}

// Link links the identity id proved (its user, in ws) to account acc.
// Errors: invalid, conflict (linked to another account), unavailable, internal.
func (a *Accounts) Link(ctx context.Context, acc Account, id Identity, ws Workspace) error {
	st, err := a.linkStore("core.Link")
	if err != nil {
		return err
	}
	if acc.Name == "" || id.Platform == "" || id.User.ID == "" {
		return Errorf(EInvalid, "a link needs an account and a platform user")
	}
	err = st.SaveIdentityLink(ctx, IdentityLink{Account: acc.Name, Platform: id.Platform, User: id.User, Workspace: ws, CreatedAt: a.clock.Now()})
	if IsCode(err, EConflict) {
		return Errorf(EConflict, "that %s account is linked to another web account already", id.Platform)
	}
	return err
}

// Links lists the identities linked to account. Errors: unavailable, internal.
func (a *Accounts) Links(ctx context.Context, account string) ([]IdentityLink, error) {
	if a.links == nil {
		return nil, nil
	}
	return a.links.IdentityLinks(ctx, account)
}

// Unlink removes account's link to (platform, user). Errors: unavailable, internal.
func (a *Accounts) Unlink(ctx context.Context, account string, platform Platform, user string) error {
	st, err := a.linkStore("core.Unlink")
	if err != nil {
		return err
	}
	return st.DeleteIdentityLink(ctx, account, platform, user)
}

// SameAs lists the user ids that are the same person as user (a platform user id or
// "web:NAME"): user itself, the linked account's "web:NAME" and every identity linked to that
// account. Errors: unavailable, internal.
func (a *Accounts) SameAs(ctx context.Context, platform Platform, user string) ([]string, error) {
	out := []string{user}
	if a.links == nil || user == "" {
		return out, nil
	}
	account, isAccount := strings.CutPrefix(user, "web:")
	if !isAccount {
		l, err := a.links.IdentityLinkOf(ctx, platform, user)
		if IsCode(err, ENotFound) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		account = l.Account
		out = append(out, "web:"+account)
	}
	links, err := a.links.IdentityLinks(ctx, account)
	if err != nil {
		return out, err
	}
	for _, l := range links {
		if l.User.ID != user {
			out = append(out, l.User.ID)
		}
	}
	return out, nil
}
