package slack

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// pace takes one post from channel's allowance, or says (core.Paced) when the outbox should
// come back; while Slack asked this workspace to slow down (a 429 on chat.* calls), no call is
// made until its Retry-After has passed.
func (a *Adapter) pace(ctx context.Context, ws core.Workspace, channel string) error {
	if d, ok := a.paused(ctx, ws, "chat"); ok {
		// Waiting out Slack's Retry-After is no failure of this event (pauseOn logged the
		// pause once): no backoff, no warning per event.
		return core.Paced(fmt.Errorf("slack asked to wait before more chat calls"), d)
	}
	key := paceKey(ws, channel)
	d, ok := pretaken(ctx, key)
	if !ok {
		d = a.bot.Throttle().Allow(ctx, key, channelLimit)
	}
	if d.Allowed {
		return nil
	}
	return core.Paced(fmt.Errorf("pacing channel %s at about one message a second", channel), d.RetryAfter)
}

// paceKey names channel's allowance in the Throttle.
func paceKey(ws core.Workspace, channel string) string {
	return "slack:post:" + ws.ExternalID + ":" + channel
}

// paused reports whether Slack's Retry-After for family (chat, users, …) in ws still runs, and
// how long it has left.
func (a *Adapter) paused(ctx context.Context, ws core.Workspace, family string) (time.Duration, bool) {
	key := "pause:" + ws.ExternalID + ":" + family
	if a.clear.recently(key) {
		return 0, false
	}
	v, err := a.cache.Get(ctx, key)
	if err != nil {
		a.clear.saw(key)
		return 0, false
	}
	until, err := time.Parse(time.RFC3339Nano, string(v))
	if err != nil {
		return 0, false
	}
	left := until.Sub(a.clock.Now())
	return left, left > 0
}

// pauseOn remembers a 429's Retry-After for family in ws, so every replica holds its calls.
func (a *Adapter) pauseOn(ctx context.Context, ws core.Workspace, family string, err error) {
	d := core.RetryAfterOf(err)
	if d <= 0 || core.IsPaced(err) {
		return
	}
	until := a.clock.Now().Add(d)
	a.clear.forget("pause:" + ws.ExternalID + ":" + family)
	// One line per pause: the events that wait it out are paced, not failed, and say nothing.
	a.log.Warn("slack: Slack asked to wait (429); calls of this family pause", "team", ws.ExternalID, "family", family, "for", d)
	_ = a.cache.Set(ctx, "pause:"+ws.ExternalID+":"+family, []byte(until.Format(time.RFC3339Nano)), d)
}

// clearFor is how long a look-up that found no pause is believed: every post asks whether its
// workspace's chat calls pause, and a pause another replica starts is seen this much later at
// most (this replica's own pauses at once). That spares a Redis round trip per post.
const clearFor = 100 * time.Millisecond

// clearPauses remembers which pause keys were found unset, and when (wall-clock time: it
// bounds how stale a cached answer is, whatever clock the adapter runs on).
type clearPauses struct {
	mu sync.Mutex
	at map[string]time.Time
}

// recently reports whether key was found unset less than clearFor ago.
func (c *clearPauses) recently(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	at, ok := c.at[key]
	return ok && time.Since(at) < clearFor
}

// saw records that key was found unset now.
func (c *clearPauses) saw(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at == nil || len(c.at) > 10000 {
		c.at = map[string]time.Time{}
	}
	c.at[key] = time.Now()
}

// forget drops what was known of key (this replica starts a pause).
func (c *clearPauses) forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.at, key)
}
