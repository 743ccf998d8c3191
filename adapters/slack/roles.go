package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
)

// Roles: a workspace admin or owner (users.info) is admin; a member of the triage channel
// (conversations.members) or of the staff user group (usergroups.users.list) is staff; before
// setup nobody but admins is staff. The answers are cached in the shared cache so a burst of
// commands is not a burst of API calls.
const (
	roleTTL    = 5 * time.Minute
	membersTTL = 2 * time.Minute
)

// person is what the adapter knows about a Slack user, cached under role:TEAM:USER. Member
// was computed against Channel and Group, so a new setup takes effect at once.
type person struct {
	Name    string `json:"name,omitempty"`
	Admin   bool   `json:"admin,omitempty"`
	Channel string `json:"channel,omitempty"`
	Group   string `json:"group,omitempty"`
	Member  bool   `json:"member,omitempty"`
}

func (p person) role() core.Role {
	switch {
	case p.Admin:
		return core.RoleAdmin
	case p.Member:
		return core.RoleStaff
	default:
		return core.RoleRequester
	}
}

// lookupTimeout bounds the Slack calls of a role lookup, so a slow Slack leaves the command
// enough of its 3 seconds.
const lookupTimeout = time.Second

// roleFunc is the bot.RoleFunc of user in ws.
func (a *Adapter) roleFunc(ws core.Workspace, user string) bot.RoleFunc {
	return func(ctx context.Context) (core.Role, error) {
		p, err := a.person(ctx, ws, user)
		return p.role(), err
	}
}

// person returns what is known of user in ws, with their membership of the current triage
// channel and staff group. When Slack cannot be asked and nothing is cached, the role cannot
// be checked: that is an error (unavailable), never a silent "requester".
// Errors: unavailable, internal.
func (a *Adapter) person(ctx context.Context, ws core.Workspace, user string) (person, error) {
	st, err := a.bot.Settings(ctx, ws)
	if err != nil {
		return person{}, err
	}
	key := "role:" + ws.ExternalID + ":" + user
	var p person
	cached := false
	if v, err := a.cache.Get(ctx, key); err == nil && json.Unmarshal(v, &p) == nil {
		cached = true
		if p.Channel == st.TriageChannel && p.Group == st.StaffGroup {
			return p, nil
		}
	}
	v, err, _ := a.flights.Do(key+"\x00"+st.TriageChannel+"\x00"+st.StaffGroup, func() (any, error) {
		ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
		defer cancel()
		if !cached {
			if d, held := a.paused(ctx, ws, "users"); held {
				return person{}, &core.Error{Code: core.EUnavailable, Op: "slack.person",
					Message: fmt.Sprintf("Slack asked to wait %s before more user look-ups", d.Round(time.Second))}
			}
			u, err := a.api.user(ctx, user)
			a.pauseOn(ctx, ws, "users", err)
			switch {
			case slackCode(err) == "user_not_found" || slackCode(err) == "user_not_visible":
				// Slack answered: nobody it knows, so no admin.
			case err != nil:
				return person{}, &core.Error{Code: core.EUnavailable, Op: "slack.person", Message: "Slack did not say who you are", Err: err}
			default:
				p.Name = u.Name
				a.learn(ws, user, displayName(u), true)
				p.Admin = !u.Deleted && (u.IsAdmin || u.IsOwner || u.IsPrimaryOwner)
			}
		}
		p.Channel, p.Group, p.Member = st.TriageChannel, st.StaffGroup, false
		if p.Admin {
			// An admin is an admin whatever the member lists say (and can still fix a triage
			// channel the bot was removed from).
			if b, err := json.Marshal(p); err == nil {
				_ = a.cache.Set(ctx, key, b, roleTTL)
			}
			return p, nil
		}
		if st.TriageChannel != "" {
			m, err := a.isMember(ctx, ws.ExternalID+":channel:"+st.TriageChannel, user, func(ctx context.Context) ([]string, error) {
				return a.api.members(ctx, st.TriageChannel)
			})
			if err != nil {
				return person{}, &core.Error{Code: core.EUnavailable, Op: "slack.person", Message: "Slack did not list the triage channel's members", Err: err}
			}
			p.Member = m
		}
		if st.StaffGroup != "" && !p.Member {
			m, err := a.isMember(ctx, ws.ExternalID+":group:"+st.StaffGroup, user, func(ctx context.Context) ([]string, error) {
				return a.api.groupMembers(ctx, st.StaffGroup)
			})
			if err != nil {
				return person{}, &core.Error{Code: core.EUnavailable, Op: "slack.person", Message: "Slack did not list the staff group's members", Err: err}
			}
			p.Member = m
		}
		if b, err := json.Marshal(p); err == nil {
			_ = a.cache.Set(ctx, key, b, roleTTL)
		}
		return p, nil
	})
	if err != nil {
		return person{}, err
	}
	return v.(person), nil
}

// isMember reports whether user is in the member list named key, cached for membersTTL.
func (a *Adapter) isMember(ctx context.Context, key, user string, list func(ctx context.Context) ([]string, error)) (bool, error) {
	key = "members:" + key
	if v, err := a.cache.Get(ctx, key); err == nil {
		return slices.Contains(strings.Split(string(v), "\n"), user), nil
	}
	v, err, _ := a.flights.Do(key, func() (any, error) {
		ids, err := list(ctx)
		if err != nil {
			return nil, err
		}
		_ = a.cache.Set(ctx, key, []byte(strings.Join(ids, "\n")), membersTTL)
		return ids, nil
	})
	if err != nil {
		return false, err
	}
	return slices.Contains(v.([]string), user), nil
}

// flightGroup merges concurrent lookups of the same key within this process.
type flightGroup = singleflight.Group
