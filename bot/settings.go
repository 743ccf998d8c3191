package bot

import (
	"context"
	"sync"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// settingsTTL bounds how long a replica trusts its copy of a workspace's settings (read for
// every role check and every card). The replica that changes them, and every replica that
// delivers the settings.changed event, forgets its copy at once.
const settingsTTL = 10 * time.Second

type cachedSettings struct {
	st  core.Settings
	exp time.Time
}

// settingsCache keeps workspace settings for settingsTTL; safe for concurrent use.
type settingsCache struct {
	mu    sync.Mutex
	m     map[core.Workspace]cachedSettings
	ttl   time.Duration
	clock core.Clock
}

// Settings returns ws's settings through the process's short-lived cache, shared by every
// adapter. Errors: unavailable, internal.
func (b *Bot) Settings(ctx context.Context, ws core.Workspace) (core.Settings, error) {
	c := &b.settings
	now := c.clock.Now()
	c.mu.Lock()
	e, ok := c.m[ws]
	c.mu.Unlock()
	if ok && now.Before(e.exp) {
		return e.st, nil
	}
	st, err := b.svc.Settings(ctx, ws)
	if err != nil {
		return st, err
	}
	c.mu.Lock()
	if len(c.m) > 10000 {
		c.m = map[core.Workspace]cachedSettings{}
	}
	c.m[ws] = cachedSettings{st: st, exp: now.Add(c.ttl)}
	c.mu.Unlock()
	return st, nil
}

// ForgetSettings drops ws's cached settings (after a setup, or its settings.changed event).
func (b *Bot) ForgetSettings(ws core.Workspace) {
	b.settings.mu.Lock()
	delete(b.settings.m, ws)
	b.settings.mu.Unlock()
}
