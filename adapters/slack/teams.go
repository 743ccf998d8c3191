package slack

import (
	"context"
	"sync"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
)

// teamTTL bounds how long a team's client (its token) is reused before the install is read
// again, so a revocation seen by another replica takes effect here too.
const teamTTL = time.Minute

// teamKey carries the Slack team a piece of work is for in its context.
type teamKey struct{}

// withTeam is ctx for work on team's behalf: every Web API call made with it uses that
// team's bot token.
func withTeam(ctx context.Context, team string) context.Context {
	return context.WithValue(ctx, teamKey{}, team)
}

// withEventTeam is ctx for delivering ev: on behalf of its Slack workspace's team.
func withEventTeam(ctx context.Context, ev core.Event) context.Context {
	if ev.Workspace.Platform != core.PlatformSlack {
		return ctx
	}
	return withTeam(ctx, ev.Workspace.ExternalID)
}

// teamOf is the team withTeam put in ctx, or "".
func teamOf(ctx context.Context) string {
	t, _ := ctx.Value(teamKey{}).(string)
	return t
}

// teams resolves each team's Web API client: the token the team installed through OAuth
// (core.Installs), or SLACK_BOT_TOKEN for the team it belongs to. Clients are cached for
// teamTTL; forget drops one at once (a new install, a revocation).
type teams struct {
	installs *core.Installs // nil: one workspace, SLACK_BOT_TOKEN only
	own      string         // SLACK_BOT_TOKEN's team ("" without one)
	ownAPI   slackAPI
	newAPI   func(token string) slackAPI
	clock    core.Clock

	mu         sync.Mutex
	cache      map[string]teamClient
	ownRevoked bool
}

type teamClient struct {
	api   slackAPI
	until time.Time
}

// newTeams builds the resolver; own and ownAPI are SLACK_BOT_TOKEN's team and client, newAPI
// makes the client of an installed team's token.
func newTeams(installs *core.Installs, own string, ownAPI slackAPI, clock core.Clock, newAPI func(token string) slackAPI) *teams {
	return &teams{
		installs: installs, own: own, ownAPI: ownAPI, clock: clock, cache: map[string]teamClient{},
		newAPI: newAPI,
	}
}

// client returns the client for team ("" is SLACK_BOT_TOKEN's team); without installs it is
// always SLACK_BOT_TOKEN's. Errors: permanent
// (the team has not installed the app, or uninstalled it), unavailable, invalid (its token
// was sealed with a key that is not configured).
func (t *teams) client(ctx context.Context, team string) (slackAPI, error) {
	if team == "" {
		team = t.own
	}
	now := t.clock.Now()
	t.mu.Lock()
	c, ok := t.cache[team]
	ownRevoked := t.ownRevoked
	t.mu.Unlock()
	if t.installs == nil && t.ownAPI != nil && !ownRevoked {
		return t.ownAPI, nil // one workspace: every call uses SLACK_BOT_TOKEN, as before installs
	}
	ownUsable := team == t.own && t.ownAPI != nil && !ownRevoked
	if ok && now.Before(c.until) {
		return c.api, nil
	}
	if t.installs != nil && team != "" {
		tok, err := t.installs.Token(ctx, workspace(team))
		switch {
		case err == nil:
			api := t.newAPI(tok)
			t.mu.Lock()
			t.cache[team] = teamClient{api: api, until: now.Add(teamTTL)}
			t.mu.Unlock()
			return api, nil
		case !core.IsCode(err, core.ENotFound):
			return nil, err
		}
	}
	if ownUsable {
		return t.ownAPI, nil
	}
	return nil, core.Permanent(core.Errorf(core.ENotFound,
		"slack workspace %s has not installed the app (or uninstalled it): install it through /slack/install", team))
}

// forget drops team's cached client; revoked also stops SLACK_BOT_TOKEN for its own team
// until the process restarts (with a new token) or the team installs again.
func (t *teams) forget(team string, revoked bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.cache, team)
	if team == t.own && team != "" {
		t.ownRevoked = revoked
	}
}

// routedAPI is slackAPI with every call made with the token of the team in its context. A
// method added to slackAPI needs its twin here (the compiler says so).
type routedAPI struct{ t *teams }

func (r routedAPI) whoAmI(ctx context.Context) (identity, error) {
	c, err := r.t.client(ctx, teamOf(ctx))
	if err != nil {
		return identity{}, err
	}
	return c.whoAmI(ctx)
}

func (r routedAPI) post(ctx context.Context, channel, thread string, m message) (string, string, error) {
	c, err := r.t.client(ctx, teamOf(ctx))
	if err != nil {
		return "", "", err
	}
	return c.post(ctx, channel, thread, m)
}

func (r routedAPI) update(ctx context.Context, channel, ts string, m message) error {
	c, err := r.t.client(ctx, teamOf(ctx))
	if err != nil {
		return err
	}
	return c.update(ctx, channel, ts, m)
}

func (r routedAPI) ephemeral(ctx context.Context, channel, user string, m message) error {
	c, err := r.t.client(ctx, teamOf(ctx))
	if err != nil {
		return err
	}
	return c.ephemeral(ctx, channel, user, m)
}

func (r routedAPI) respond(ctx context.Context, responseURL string, m message, replace bool) error {
	c, err := r.t.client(ctx, teamOf(ctx))
	if err != nil {
		return err
	}
	return c.respond(ctx, responseURL, m, replace)
}

func (r routedAPI) openView(ctx context.Context, triggerID string, v slackgo.ModalViewRequest) error {
	c, err := r.t.client(ctx, teamOf(ctx))
	if err != nil {
		return err
	}
	return c.openView(ctx, triggerID, v)
}

func (r routedAPI) updateView(ctx context.Context, viewID, hash string, v slackgo.ModalViewRequest) error {
	c, err := r.t.client(ctx, teamOf(ctx))
	if err != nil {
		return err
	}
	return c.updateView(ctx, viewID, hash, v)
}

func (r routedAPI) user(ctx context.Context, id string) (*slackgo.User, error) {
	c, err := r.t.client(ctx, teamOf(ctx))
	if err != nil {
		return nil, err
	}
	return c.user(ctx, id)
}

func (r routedAPI) teamName(ctx context.Context) (string, error) {
	c, err := r.t.client(ctx, teamOf(ctx))
	if err != nil {
		return "", err
	}
	return c.teamName(ctx)
}

func (r routedAPI) members(ctx context.Context, channel string) ([]string, error) {
	c, err := r.t.client(ctx, teamOf(ctx))
	if err != nil {
		return nil, err
	}
	return c.members(ctx, channel)
}

func (r routedAPI) openDM(ctx context.Context, user string) (string, error) {
	c, err := r.t.client(ctx, teamOf(ctx))
	if err != nil {
		return "", err
	}
	return c.openDM(ctx, user)
}

func (r routedAPI) permalink(ctx context.Context, channel, ts string) (string, error) {
	c, err := r.t.client(ctx, teamOf(ctx))
	if err != nil {
		return "", err
	}
	return c.permalink(ctx, channel, ts)
}

func (r routedAPI) remove(ctx context.Context, channel, ts string) error {
	c, err := r.t.client(ctx, teamOf(ctx))
	if err != nil {
		return err
	}
	return c.remove(ctx, channel, ts)
}

func (r routedAPI) react(ctx context.Context, channel, ts, name string) error {
	c, err := r.t.client(ctx, teamOf(ctx))
	if err != nil {
		return err
	}
	return c.react(ctx, channel, ts, name)
}

func (r routedAPI) channelInfo(ctx context.Context, channel string) (bot.ChannelInfo, error) {
	c, err := r.t.client(ctx, teamOf(ctx))
	if err != nil {
		return bot.ChannelInfo{}, err
	}
	return c.channelInfo(ctx, channel)
}

func (r routedAPI) groupMembers(ctx context.Context, group string) ([]string, error) {
	c, err := r.t.client(ctx, teamOf(ctx))
	if err != nil {
		return nil, err
	}
	return c.groupMembers(ctx, group)
}

func (r routedAPI) findPost(ctx context.Context, channel, thread string, oldest time.Time, typ, id string) (string, error) {
	c, err := r.t.client(ctx, teamOf(ctx))
	if err != nil {
		return "", err
	}
	return c.findPost(ctx, channel, thread, oldest, typ, id)
}

func (r routedAPI) message(ctx context.Context, channel, ts string) (slackgo.Message, error) {
	c, err := r.t.client(ctx, teamOf(ctx))
	if err != nil {
		return slackgo.Message{}, err
	}
	return c.message(ctx, channel, ts)
}
