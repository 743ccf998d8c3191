package slack

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
)

// Roles: a workspace admin or owner (users.info) is admin; a member of the helpdesk channel
// (conversations.members) is staff; everyone else is a requester; before setup nobody but
// admins is staff.
// Both answers are cached in the StateStore so a burst of commands is not a burst of API calls.
const (
	roleTTL    = 5 * time.Minute
	membersTTL = 2 * time.Minute
)

// person is what the adapter knows about a Slack user, cached under
// tb:slack:role:TEAM:USER. Member was computed against Channel, so a new helpdesk channel
// (setup) takes effect at once.
type person struct {
	Name    string `json:"name,omitempty"`
	Admin   bool   `json:"admin,omitempty"`
	Channel string `json:"channel,omitempty"`
	Member  bool   `json:"member,omitempty"`
}

func (p person) role() core.Role {
	switch {
	case p.Admin:
		return core.RoleAdmin
	case p.Channel != "" && p.Member:
		return core.RoleStaff
	default:
		return core.RoleRequester
	}
}

// roles resolves and caches people; flights merge concurrent lookups within this process.
// Workspace settings (the helpdesk channel) are read for every role and every card, so they
// are kept in this process for settingsTTL: another replica's setup reaches this one within
// that time (this replica's own setup at once).
type roles struct {
	flights singleflight.Group
	mu      sync.Mutex
	spaces  map[core.Workspace]cachedSettings
}

const settingsTTL = 5 * time.Second

// lookupTimeout bounds the Slack calls of a role lookup, so a slow Slack leaves the command
// enough of its 3 seconds (the person is then treated as a requester, uncached).
const lookupTimeout = time.Second

type cachedSettings struct {
	st      core.Settings
	expires time.Time
}

// settings returns ws's settings, from this process's short-lived cache.
// Errors: unavailable, internal.
func (a *Adapter) settings(ctx context.Context, ws core.Workspace) (core.Settings, error) {
	now := time.Now()
	a.roles.mu.Lock()
	c, ok := a.roles.spaces[ws]
	a.roles.mu.Unlock()
	if ok && now.Before(c.expires) {
		return c.st, nil
	}
	st, err := a.svc.Settings(ctx, ws)
	if err != nil {
		return st, err
	}
	a.roles.mu.Lock()
	if a.roles.spaces == nil || len(a.roles.spaces) > 10000 {
		a.roles.spaces = map[core.Workspace]cachedSettings{}
	}
	a.roles.spaces[ws] = cachedSettings{st: st, expires: now.Add(settingsTTL)}
	a.roles.mu.Unlock()
	return st, nil
}

// forgetSettings drops ws's cached settings (after a setup).
func (a *Adapter) forgetSettings(ws core.Workspace) {
	a.roles.mu.Lock()
	delete(a.roles.spaces, ws)
	a.roles.mu.Unlock()
}

// roleFunc is the bot.RoleFunc of user in ws.
func (a *Adapter) roleFunc(ws core.Workspace, user string) bot.RoleFunc {
	return func(ctx context.Context) (core.Role, error) {
		p, err := a.person(ctx, ws, user)
		return p.role(), err
	}
}

// person returns what is known of user in ws, with their membership of the current helpdesk
// channel. Slack failures degrade to "requester" (and are not cached); a database failure is
// returned. Errors: unavailable, internal.
func (a *Adapter) person(ctx context.Context, ws core.Workspace, user string) (person, error) {
	st, err := a.settings(ctx, ws)
	if err != nil {
		return person{}, err
	}
	key := "tb:slack:role:" + ws.ExternalID + ":" + user
	state := a.svc.State()
	var p person
	cached := false
	if v, err := state.Get(ctx, key); err == nil && json.Unmarshal(v, &p) == nil {
		cached = true
		if p.Channel == st.Channel {
			return p, nil
		}
	}
	v, _, _ := a.roles.flights.Do(key+"\x00"+st.Channel, func() (any, error) {
		ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
		defer cancel()
		ok := true
		if !cached {
			u, err := a.api.user(ctx, user)
			if err != nil {
				a.log.Warn("slack: users.info failed; treating the user as a requester", "user", user, "err", err)
				ok = false
			} else {
				p.Name = u.Name
				p.Admin = !u.Deleted && (u.IsAdmin || u.IsOwner || u.IsPrimaryOwner)
			}
		}
		p.Channel, p.Member = st.Channel, false
		if st.Channel != "" {
			m, err := a.isMember(ctx, ws, st.Channel, user)
			if err != nil {
				a.log.Warn("slack: conversations.members failed; treating the user as not staff", "channel", st.Channel, "err", err)
				ok = false
			}
			p.Member = m
		}
		if ok {
			if b, err := json.Marshal(p); err == nil {
				_ = state.Set(ctx, key, b, roleTTL)
			}
		}
		return p, nil
	})
	return v.(person), nil
}

// isMember reports whether user is in channel, from a cached member list.
func (a *Adapter) isMember(ctx context.Context, ws core.Workspace, channel, user string) (bool, error) {
	key := "tb:slack:members:" + ws.ExternalID + ":" + channel
	state := a.svc.State()
	if v, err := state.Get(ctx, key); err == nil {
		return slices.Contains(strings.Split(string(v), "\n"), user), nil
	}
	v, err, _ := a.roles.flights.Do(key, func() (any, error) {
		ids, err := a.api.members(ctx, channel)
		if err != nil {
			return nil, err
		}
		_ = state.Set(ctx, key, []byte(strings.Join(ids, "\n")), membersTTL)
		return ids, nil
	})
	if err != nil {
		return false, err
	}
	return slices.Contains(v.([]string), user), nil
}
