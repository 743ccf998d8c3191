package core

import (
	"context"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Sign-in limits. Only failures count. After FreeFailures failures of one account (or
// FreeAddressFailures from one client address) each further attempt must wait a delay that
// doubles per failure, from one second up to MaxLoginDelay; a failure-free day starts the count
// again, and a successful sign-in clears the account's count. An attacker can slow an account
// down to one guess per MaxLoginDelay, never lock its owner out for longer.
const (
	FreeFailures        = 5
	FreeAddressFailures = 20
	MaxLoginDelay       = 15 * time.Minute
	failureMemory       = 24 * time.Hour
)

// loginDelay is how long after its last failure key must wait, given free failures.
func loginDelay(f LoginFailures, free int) time.Duration {
	over := f.Count - free
	if over < 0 {
		return 0
	}
	if over >= 20 {
		return MaxLoginDelay
	}
	return min(time.Second<<over, MaxLoginDelay)
}

// errBadLogin is the one answer for an unknown user and a wrong password.
func errBadLogin() *Error { return Errorf(EForbidden, "wrong username or password") }

// Authenticate checks name and password, signing-in from client address addr. An unknown
// user costs a bcrypt comparison like a known one and gets the same answer as a wrong
// password. Failures are counted per account and per address, in the database (the limit
// holds while Redis is down), and logged without the password.
// Errors: forbidden (wrong username or password), rate_limited (carrying RetryAfter),
// unavailable, internal.
func (a *Accounts) Authenticate(ctx context.Context, name string, password []byte, addr string) (Account, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if len(n) > MaxNameLen {
		n = n[:MaxNameLen]
	}
	if len(addr) > 64 {
		addr = addr[:64]
	}
	keys := [2]string{"user:" + n, "ip:" + addr}
	now := a.clock.Now()
	for i, key := range keys {
		f, err := a.store.LoginFailures(ctx, key)
		if err != nil {
			return Account{}, err
		}
		free := FreeFailures
		if i == 1 {
			free = FreeAddressFailures
		}
		if f.Last.Before(now.Add(-failureMemory)) {
			continue
		}
		if wait := f.Last.Add(loginDelay(f, free)).Sub(now); wait > 0 {
			a.log.Warn("sign-in delayed after repeated failures", "user", n, "client", addr, "key", key,
				"failures", f.Count, "retry_after", wait.Round(time.Second).String())
			return Account{}, RetryAfter(Errorf(ERateLimited, "too many failed sign-ins"), wait)
		}
	}
	acc, err := a.store.AccountByName(ctx, n)
	switch {
	case IsCode(err, ENotFound):
		_ = bcrypt.CompareHashAndPassword(a.dummy, password)
		return Account{}, a.failed(ctx, keys, n, addr, now)
	case err != nil:
		return Account{}, err
	}
	if bcrypt.CompareHashAndPassword(acc.PasswordHash, password) != nil {
		return Account{}, a.failed(ctx, keys, n, addr, now)
	}
	if err := a.store.ClearLoginFailures(ctx, keys[0]); err != nil {
		return Account{}, err
	}
	return acc, nil
}

// failed records a failed sign-in under both keys, logs it and returns errBadLogin.
func (a *Accounts) failed(ctx context.Context, keys [2]string, name, addr string, now time.Time) error {
	counts := [2]int{}
	for i, key := range keys {
		f, err := a.store.RecordLoginFailure(ctx, key, now, now.Add(-failureMemory))
		if err != nil {
			return err
		}
		counts[i] = f.Count
	}
	a.log.Warn("sign-in failed", "user", name, "client", addr,
		"account_failures", counts[0], "address_failures", counts[1])
	return errBadLogin()
}
