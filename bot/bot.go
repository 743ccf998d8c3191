package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// Limits are the per-user allowances the dispatcher enforces.
type Limits struct {
	// Open caps tickets opened per user (default 5 per 10 minutes).
	Open core.Limit
	// Command caps commands per user (default 30 per minute).
	Command core.Limit
}

// DefaultLimits are the limits when none are configured.
func DefaultLimits() Limits {
	return Limits{
		Open:    core.Limit{Rate: 5, Period: 10 * time.Minute, Burst: 5},
		Command: core.Limit{Rate: 30, Period: time.Minute, Burst: 10},
	}
}

// Config builds a Bot.
type Config struct {
	Service *core.Service
	// State keeps drafts and the adapters' caches (fail-open wrapped when remote).
	State    core.StateStore
	Dedupe   *core.Dedupe
	Throttle *core.Throttle
	Registry *Registry
	Limits   Limits
	Clock    core.Clock
	Log      *slog.Logger
	// Timeout bounds one command (Slack and Discord want an answer within 3 s) [2.5s]. An
	// adapter that answers the platform on its own when the work runs late (Slack's "queued"
	// acknowledgement, Discord's deferred response) marks its context with Deferred; such
	// work runs until the context's deadline instead.
	Timeout time.Duration
	// Drafts keeps DM drafts in the database; without it SaveDraft answers unavailable.
	Drafts *core.Drafts
}

// Bot is the dispatcher: it runs Requests through the registry with the rules every
// platform shares.
type Bot struct {
	svc      *core.Service
	state    core.StateStore
	dedupe   *core.Dedupe
	throttle *core.Throttle
	reg      *Registry
	limits   Limits
	clock    core.Clock
	log      *slog.Logger
	timeout  time.Duration
	settings settingsCache
	drafts   *core.Drafts
}

// New builds a Bot; a nil Registry means DefaultRegistry. Errors: missing dependencies, a
// bad registry.
func New(c Config) (*Bot, error) {
	if c.Service == nil || c.State == nil {
		return nil, fmt.Errorf("bot.New: a Service and a State store are required")
	}
	if c.Registry == nil {
		r, err := DefaultRegistry()
		if err != nil {
			return nil, err
		}
		c.Registry = r
	}
	if c.Limits == (Limits{}) {
		c.Limits = DefaultLimits()
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Timeout <= 0 {
		c.Timeout = 2500 * time.Millisecond
	}
	if c.Clock == nil {
		c.Clock = core.SystemClock{}
	}
	if c.Dedupe == nil {
		c.Dedupe = core.NewDedupe(c.State, c.Log)
	}
	if c.Throttle == nil {
		lim, ok := c.State.(core.Limiter)
		if !ok {
			return nil, fmt.Errorf("bot.New: a Throttle is required when the state store is no Limiter")
		}
		c.Throttle = core.NewThrottle(lim, c.Log)
	}
	return &Bot{
		svc: c.Service, state: c.State, dedupe: c.Dedupe, throttle: c.Throttle,
		reg: c.Registry, limits: c.Limits, clock: c.Clock, log: c.Log, timeout: c.Timeout,
		settings: settingsCache{ttl: settingsTTL, clock: c.Clock, m: map[core.Workspace]cachedSettings{}},
		drafts:   c.Drafts,
	}, nil
}

// Dedupe is the shared de-duplication of platform deliveries.
func (b *Bot) Dedupe() *core.Dedupe { return b.dedupe }

// Throttle is the shared rate limiter.
func (b *Bot) Throttle() *core.Throttle { return b.throttle }

// Cache returns the adapters' shared cache under namespace (e.g. "slack").
func (b *Bot) Cache(namespace string) *core.Cache { return core.NewCache(b.state, namespace) }

// Clock is the bot's clock.
func (b *Bot) Clock() core.Clock { return b.clock }

// Service returns the core service.
func (b *Bot) Service() *core.Service { return b.svc }

// Registry returns the registry (help and command registration read it).
func (b *Bot) Registry() *Registry { return b.reg }

// Dispatch runs req: resolves the caller's role, checks the command rate, bounds the time,
// recovers a panic, and turns any error into a short reply. It always returns a Reply. The
// time is the bot's Timeout, or ctx's own deadline when ctx is Deferred.
func (b *Bot) Dispatch(ctx context.Context, req Request) (reply Reply) {
	if _, ok := ctx.Deadline(); !ok || ctx.Value(deferredKey{}) == nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, b.timeout)
		defer cancel()
	}
	defer func() {
		if r := recover(); r != nil {
			reply = b.errorReply(req, fmt.Errorf("panic: %v\n%s", r, debug.Stack()))
		}
	}()
	sub, ok := b.reg.Lookup(req.Command.Name)
	if !ok {
		return b.errorReply(req, core.Errorf(core.EInvalid, "unknown command %q; try %s", req.Command.Name, b.cmd(req, "help")))
	}
	if req.Command.Args == nil {
		req.Command.Args = Args{}
	}
	if d := b.throttle.Allow(ctx, "cmd:"+req.Workspace.String()+":"+req.User.ID, b.limits.Command); !d.Allowed {
		return b.errorReply(req, rateLimited(d))
	}
	role := core.RoleRequester
	roleUnchecked := false
	if req.Role != nil {
		r, err := req.Role(ctx)
		switch {
		case err == nil:
			role = r
		case sub.MinRole == core.RoleRequester:
			// Anyone may run it: go on with the least the caller can be.
			roleUnchecked = true
			b.log.Warn("role check failed; going on as a requester", "workspace", req.Workspace.String(), "user", req.User.ID, "err", err)
		default:
			b.log.Warn("role check failed", "workspace", req.Workspace.String(), "user", req.User.ID, "err", err)
			return roleUncheckedReply()
		}
	}
	if !role.AtLeast(sub.MinRole) {
		return b.errorReply(req, core.Errorf(core.EForbidden, "only %s can use %s", roleNoun(req, sub.MinRole), b.cmd(req, sub.Name)))
	}
	reply, err := sub.Run(ctx, b, req, role)
	if err != nil {
		if roleUnchecked && (core.IsCode(err, core.ENotFound) || core.IsCode(err, core.EForbidden)) {
			// Run as a requester, it was refused: a staff member would read "Ticket #30 not
			// found", which is not true. Say what is.
			return roleUncheckedReply()
		}
		return b.errorReply(req, err)
	}
	return reply
}

type deferredKey struct{}

// Deferred marks ctx as the context of work whose adapter answers the platform on its own
// when the work runs late ("busy — your request is queued"), then delivers the real reply:
// Dispatch lets such work run until ctx's deadline rather than the bot's Timeout, so a busy
// database delays an answer instead of cutting a change short with its outcome unknown.
func Deferred(ctx context.Context) context.Context {
	return context.WithValue(ctx, deferredKey{}, true)
}

func roleUncheckedReply() Reply {
	return Reply{Ephemeral: true, Text: "I couldn't check your role just now; please try again in a moment.",
		Error: &ReplyError{Code: core.EUnavailable}}
}

func roleNoun(req Request, r core.Role) string {
	if r == core.RoleAdmin {
		return req.Words.orDefault().Admins
	}
	return "staff"
}

// cmd is how subcommand name is invoked on the request's platform.
func (b *Bot) cmd(req Request, name string) string {
	g, word := GroupTicket, name
	if s, ok := b.reg.Lookup(name); ok {
		g = s.Group
		if req.surface() == SurfaceText {
			word = s.word()
		}
	}
	return req.Words.orDefault().Command(word, g)
}

func rateLimited(d core.Decision) error {
	secs := int(d.RetryAfter.Round(time.Second) / time.Second)
	return core.Errorf(core.ERateLimited, "you're going a bit fast; try again in %d s", max(secs, 1))
}

// errorReply turns err into an ephemeral reply; internal errors get an id that is logged
// with the cause and shown to the user instead of it.
func (b *Bot) errorReply(req Request, err error) Reply {
	code := core.ErrorCode(err)
	r := Reply{Ephemeral: true, Error: &ReplyError{Code: code, Field: core.ErrorField(err)}}
	switch code {
	case core.EInvalid, core.ENotFound, core.EConflict, core.ERateLimited:
		r.Text = capitalise(core.ErrorMessage(err)) + "."
	case core.EForbidden:
		r.Text = "You can't do that: " + core.ErrorMessage(err) + "."
	case core.EUnavailable:
		r.Text = unavailableText(req, err)
		b.log.Warn("command failed: unavailable", "cmd", req.Command.Name, "workspace", req.Workspace.String(), "err", err)
	default:
		id := errorID()
		r.Text = "Something went wrong on our side (error " + id + "). The team can look it up in the logs."
		b.log.Error("command failed", "error_id", id, "cmd", req.Command.Name, "workspace", req.Workspace.String(), "user", req.User.ID, "err", err)
	}
	return r
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	if s[0] >= 'a' && s[0] <= 'z' {
		return string(s[0]-'a'+'A') + s[1:]
	}
	return s
}

func errorID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ticket resolves the command's ticket, by id (buttons) or by number (typed commands).
func (b *Bot) ticket(ctx context.Context, req Request, role core.Role) (core.Ticket, error) {
	actor := req.actor(role)
	if req.Command.TicketID > 0 {
		return b.svc.Ticket(ctx, actor, req.Command.TicketID)
	}
	if ref, ok := req.Command.Args.Ref("number"); ok {
		return b.linkedTicket(ctx, req, role, ref)
	}
	return b.svc.TicketByNumber(ctx, actor, req.Workspace, req.Command.Args.Int("number"))
}
