package discord

import (
	"context"
	"errors"
	"hash/fnv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
)

// closeCodeAdvice explains the gateway close codes after which reconnecting cannot help until
// the operator acts.
func closeCodeAdvice(code int) (string, bool) {
	switch code {
	case 4004:
		return "authentication failed: DISCORD_BOT_TOKEN is wrong or was reset", true
	case 4010:
		return "invalid shard: check DISCORD_SHARD_ID and DISCORD_SHARD_COUNT", true
	case 4011:
		return "sharding required: the bot is in too many servers for one shard; raise DISCORD_SHARD_COUNT", true
	case 4012:
		return "invalid API version", true
	case 4013:
		return "invalid intents", true
	case 4014:
		return "disallowed intents: enable the Message Content intent for the bot in the Discord developer portal (Bot → Privileged Gateway Intents)", true
	}
	return "", false
}

const (
	messageLanes     = 8
	messageLaneDepth = 256
	// dropLogEvery bounds how often dropped gateway events are logged (the first drop is
	// always logged; dropped_total counts all of them).
	dropLogEvery = 10 * time.Second
)

// runGateway holds the gateway connection until ctx ends: it connects (learning the URL from
// GET /gateway/bot unless one is configured), identifies with Intents and this replica's
// shard, and reconnects with backoff (resuming the session when it can) whenever the
// connection drops. Thread messages are processed in order per channel on a few lanes;
// interactions each get their own goroutine, since they must be answered within 3 s.
//
// Handlers run on discordgo's reader goroutine (SyncEvents), so they never wait: a reader that
// waits stops reading heartbeat ACKs and everything else, and Discord drops the session. When
// the database is so slow that a lane's queue is full, the event is dropped at once (see
// enqueue) rather than blocking the reader or being processed out of order.
func (a *Adapter) runGateway(ctx context.Context) error {
	lanes := newLanes(messageLanes, messageLaneDepth)
	defer lanes.close()
	evCtx := context.WithoutCancel(ctx)
	enqueue := func(kind string, m *discordgo.Message, fn func()) {
		done := a.work.Count()
		if err := lanes.submit(m.ChannelID, func() { defer done(); fn() }); errors.Is(err, errLaneFull) {
			done()
			a.dropped(kind, m)
		}
	}

	dropped := make(chan struct{}, 1)
	remove := []func(){
		a.gw.AddHandler(func(_ *discordgo.Session, _ *discordgo.Disconnect) {
			select {
			case dropped <- struct{}{}:
			default:
			}
		}),
		a.gw.AddHandler(func(_ *discordgo.Session, r *discordgo.Ready) {
			a.log.Info("discord: gateway ready", "user", displayName(r.User), "guilds", len(r.Guilds),
				"shard", a.cfg.ShardID, "shards", a.cfg.ShardCount)
			ids := make([]string, 0, len(r.Guilds))
			for _, g := range r.Guilds {
				if g != nil {
					ids = append(ids, g.ID)
				}
			}
			a.guilds.set(ids)
		}),
		a.gw.AddHandler(func(_ *discordgo.Session, g *discordgo.GuildCreate) {
			if g.Guild != nil {
				a.guilds.add(g.Guild.ID)
			}
		}),
		a.gw.AddHandler(func(_ *discordgo.Session, ic *discordgo.InteractionCreate) {
			if ic.Interaction == nil {
				return
			}
			it := ic.Interaction
			a.work.Go(func() {
				a.answer(evCtx, it, func(resp *discordgo.InteractionResponse) error {
					if resp == nil { // a redelivery: it was answered already
						return nil
					}
					ctx, cancel := context.WithTimeout(evCtx, 5*time.Second)
					defer cancel()
					return a.api.Respond(ctx, it, resp)
				})
			})
		}),
		a.gw.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageCreate) {
			if m.Message == nil {
				return
			}
			msg := m.Message
			if msg.GuildID == "" {
				enqueue("MESSAGE_CREATE", msg, func() { a.onDirectMessage(evCtx, msg) })
				return
			}
			enqueue("MESSAGE_CREATE", msg, func() { a.onMessage(evCtx, msg) })
		}),
		a.gw.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageUpdate) {
			if m.Message != nil {
				msg := m.Message
				enqueue("MESSAGE_UPDATE", msg, func() { a.onMessageEdit(evCtx, msg) })
			}
		}),
		a.gw.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageDelete) {
			if m.Message != nil {
				msg := m.Message
				enqueue("MESSAGE_DELETE", msg, func() { a.onMessageDelete(evCtx, msg) })
			}
		}),
	}
	defer func() {
		for _, rm := range remove {
			rm()
		}
	}()

	backoff := time.Second
	for {
		if err := a.connect(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			a.logConnectError(err, backoff)
			if !sleep(ctx, backoff) {
				return nil
			}
			backoff = min(backoff*2, 5*time.Minute)
			continue
		}
		backoff = time.Second
		select {
		case <-ctx.Done():
			if err := a.gw.Close(); err != nil {
				a.log.Warn("discord: closing the gateway", "err", err)
			}
			return nil
		case <-dropped:
			a.log.Warn("discord: gateway connection lost; reconnecting")
			if !sleep(ctx, time.Second) {
				return nil
			}
		}
	}
}

// connect opens the gateway connection, resolving its URL first when none is known.
func (a *Adapter) connect(ctx context.Context) error {
	if a.rt.gateway.Load() == nil {
		gw := a.cfg.GatewayURL
		if gw == "" {
			cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
			info, err := a.api.GatewayBot(cctx)
			cancel()
			if err != nil {
				return err
			}
			gw = info.URL
			a.log.Info("discord: gateway", "url", gw, "recommended_shards", info.Shards,
				"session_starts_remaining", info.SessionStartLimit.Remaining)
			if info.Shards > a.cfg.ShardCount {
				a.log.Warn("discord: Discord recommends more shards than DISCORD_SHARD_COUNT", "recommended", info.Shards, "configured", a.cfg.ShardCount)
			}
		}
		a.rt.gateway.Store(&gw)
	}
	return a.gw.Open()
}

// logConnectError explains a failed connection; close codes that need the operator (4014:
// the Message Content intent is not enabled) are logged as errors with what to do.
func (a *Adapter) logConnectError(err error, retry time.Duration) {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		if why, ok := closeCodeAdvice(ce.Code); ok {
			a.log.Error("discord: the gateway refused the connection: "+why, "close_code", ce.Code, "reason", ce.Text, "retry_in", retry)
			return
		}
	}
	a.log.Warn("discord: gateway connection failed; retrying", "err", err, "retry_in", retry)
}

// onMessage stores a human message written in a ticket thread (attachments by name and URL;
// the Discord message id makes it idempotent).
func (a *Adapter) onMessage(ctx context.Context, m *discordgo.Message) {
	if m.GuildID == "" || m.Author == nil || m.Author.Bot || m.Author.System || m.WebhookID != "" {
		return
	}
	if m.Type != discordgo.MessageTypeDefault && m.Type != discordgo.MessageTypeReply {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	t, place, ok := a.threadTicket(ctx, m.GuildID, m.ChannelID)
	if !ok {
		return
	}
	in := core.MessageInput{ExternalID: m.ID, Content: m.Content, Source: "discord", PlaceID: place.ID}
	for _, at := range m.Attachments {
		if at != nil {
			in.Attachments = append(in.Attachments, core.Attachment{Name: at.Filename, URL: at.URL})
		}
	}
	author := core.UserRef{ID: m.Author.ID, Name: displayName(m.Author)}
	if m.Member != nil && m.Member.Nick != "" {
		author.Name = m.Member.Nick
	}
	if !m.Author.Bot {
		a.learn(workspace(m.GuildID), author)
	}
	// Discord already decided who may write in the place (a private ticket thread: the
	// reporter, staff who joined, people they added; a staff thread: staff); the place decides
	// the message's visibility, so the role only has to be the caller's.
	role := core.RoleRequester
	if place.Side() == core.SideStaff {
		role = core.RoleStaff
	}
	actor := core.Actor{User: author, Role: role, Workspace: workspace(m.GuildID)}
	_, err := a.bot.Once(ctx, "discord:message:"+m.ID, dedupeTTL, func(ctx context.Context) error {
		return retryUnavailable(ctx, func() error {
			_, _, err := a.svc.AddMessage(ctx, actor, t.ID, in)
			return err
		})
	})
	switch {
	case core.IsCode(err, core.EInvalid):
		a.log.Debug("discord: thread message not stored", "ticket", t.ID, "message", m.ID, "err", err)
	case bot.Passing(err):
		// bot.Once dropped its mark, so the copy Discord replays when the session resumes is stored.
		a.log.Warn("discord: could not store a thread message; a redelivery will be stored", "ticket", t.ID, "message", m.ID, "err", err)
	case err != nil:
		a.log.Warn("discord: could not store a thread message", "ticket", t.ID, "message", m.ID, "err", err)
	}
}

// dropped counts and logs a gateway event whose lane was full (at most one line per
// dropLogEvery, with the running total). Nothing was marked for it (the de-duplication mark
// is taken by the lane's worker), so a copy Discord delivers again, e.g. replayed on RESUME
// after a reconnect, is processed normally.
func (a *Adapter) dropped(kind string, m *discordgo.Message) {
	n := a.drops.total.Add(1)
	now := a.clock.Now().UnixNano()
	last := a.drops.lastLog.Load()
	if n != 1 && now-last < int64(dropLogEvery) {
		return
	}
	if !a.drops.lastLog.CompareAndSwap(last, now) {
		return
	}
	a.log.Warn("discord: the thread-message queue is full (the database is slow); gateway event dropped, not stored",
		"event", kind, "channel", m.ChannelID, "message", m.ID, "dropped_total", n)
}

// dropCounter counts gateway events dropped because their lane was full.
type dropCounter struct {
	total   atomic.Uint64
	lastLog atomic.Int64 // unix nanoseconds of the last log line
}

// DroppedGatewayEvents returns how many thread-message events (create, edit, delete) were
// dropped because the database could not keep up; each drop is also logged (rate-limited).
func (a *Adapter) DroppedGatewayEvents() uint64 { return a.drops.total.Load() }

// onMessageEdit records an edit of a stored thread message.
func (a *Adapter) onMessageEdit(ctx context.Context, m *discordgo.Message) {
	if m.GuildID == "" || m.Author == nil || m.Author.Bot || m.EditedTimestamp == nil {
		return // embed-only updates carry no author or edit time
	}
	a.editStored(ctx, m.GuildID, m.ChannelID, m.ID, m.Content, false)
}

// onMessageDelete marks a stored thread message deleted.
func (a *Adapter) onMessageDelete(ctx context.Context, m *discordgo.Message) {
	if m.GuildID == "" {
		return
	}
	a.editStored(ctx, m.GuildID, m.ChannelID, m.ID, "", true)
}

func (a *Adapter) editStored(ctx context.Context, guild, channel, id, content string, deleted bool) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	t, _, ok := a.threadTicket(ctx, guild, channel)
	if !ok {
		return
	}
	err := retryUnavailable(ctx, func() error {
		_, err := a.svc.EditMessage(ctx, core.System(), t.ID, id, content, deleted)
		return err
	})
	if err != nil && !core.IsCode(err, core.ENotFound) {
		a.log.Warn("discord: could not record a thread message edit", "ticket", t.ID, "message", id, "err", err)
	}
}

// threadTicket finds the ticket and place whose thread is channel (cached by the core).
func (a *Adapter) threadTicket(ctx context.Context, guild, channel string) (core.Ticket, core.Place, bool) {
	var (
		t core.Ticket
		p core.Place
	)
	err := retryUnavailable(ctx, func() (err error) {
		t, p, err = a.svc.PlaceForThread(ctx, workspace(guild), channel, channel)
		return err
	})
	if err != nil {
		if !core.IsCode(err, core.ENotFound) {
			a.log.Warn("discord: ticket thread lookup failed", "channel", channel, "err", err)
		}
		return core.Ticket{}, core.Place{}, false
	}
	return t, p, true
}

// retryUnavailable retries fn a few times while the database is unavailable: a gateway event
// is not delivered twice, so giving up at once would lose it.
func retryUnavailable(ctx context.Context, fn func() error) error {
	wait := 200 * time.Millisecond
	for i := 0; ; i++ {
		err := fn()
		if !core.IsCode(err, core.EUnavailable) || i == 3 || !sleep(ctx, wait) {
			return err
		}
		wait *= 3
	}
}

// errLaneFull is submit's answer when the key's queue has no room.
var errLaneFull = errors.New("discord: lane queue is full")

// lanes runs submitted work on n goroutines, in submission order per key (channel), so a
// message's create, edit and delete are applied in order without blocking the gateway reader
// on one slow channel.
type lanes struct {
	mu     sync.RWMutex
	closed bool
	qs     []chan func()
	wg     sync.WaitGroup
}

func newLanes(n, depth int) *lanes {
	l := &lanes{qs: make([]chan func(), n)}
	for i := range l.qs {
		q := make(chan func(), depth)
		l.qs[i] = q
		l.wg.Go(func() {
			for fn := range q {
				fn()
			}
		})
	}
	return l
}

// submit queues fn on key's lane. It never waits: when that lane's queue is full it returns
// errLaneFull and fn is not run. Work submitted after close is ignored (nil).
//
// Dropping is the choice over the alternatives: waiting for room stalls the gateway reader
// (the session drops and every guild's events stop, not just the slow ones), and running fn
// inline, even with a short deadline, stalls it as long and applies a channel's events out of
// order (an edit before its create).
func (l *lanes) submit(key string, fn func()) error {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		return nil
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(key))
	select {
	case l.qs[h.Sum32()%uint32(len(l.qs))] <- fn:
		return nil
	default:
		return errLaneFull
	}
}

// close stops taking work and waits for the queued work to finish.
func (l *lanes) close() {
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		for _, q := range l.qs {
			close(q)
		}
	}
	l.mu.Unlock()
	l.wg.Wait()
}
