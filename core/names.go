package core

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// Names are what people see instead of ids: a Slack team's or Discord server's name and a
// person's display name in a workspace. They are learnt when they come for free (a slash
// command's user_name, an interaction's member, a sign-in) and fetched in the background from
// the platform (team.info, users.info, a guild or member look-up) when missing or old. Reads
// never call a platform: a short in-process memo, then the shared Cache, then the database,
// which keeps every name so they survive the loss of Redis. A name is text, never markup.

// NameKey says whose name: a workspace's own (User empty) or a person's in a workspace.
type NameKey struct {
	Workspace Workspace
	User      string
}

// WorkspaceKey is the key of ws's own name.
func WorkspaceKey(ws Workspace) NameKey { return NameKey{Workspace: ws} }

// PersonKey is the key of user's name in ws.
func PersonKey(ws Workspace, user string) NameKey { return NameKey{Workspace: ws, User: user} }

// platformUser reports whether k names something a platform can be asked about: a workspace,
// or a platform user (not a dashboard account "web:…", an API token "api:…" or ticketbot).
func (k NameKey) platformUser() bool {
	if k.Workspace.IsZero() {
		return false
	}
	return k.User == "" || (!strings.Contains(k.User, ":") && k.User != System().User.ID)
}

// NameRecord is a stored name.
type NameRecord struct {
	Key  NameKey
	Name string
	// Fetched is true when the platform's directory said it (or an interaction carried the
	// member's display name); false for a hint (a Slack slash command's user_name, which is
	// the handle) that a fetch replaces.
	Fetched   bool
	UpdatedAt time.Time
}

// NameStore keeps the names in the database.
type NameStore interface {
	// Names returns the stored records of keys; keys without one are left out.
	// Errors: unavailable, internal.
	Names(ctx context.Context, keys []NameKey) ([]NameRecord, error)
	// SaveName stores r, replacing the record of its key. Errors: unavailable, internal.
	SaveName(ctx context.Context, r NameRecord) error
}

// NameSource asks a platform for names; the Slack and Discord adapters implement it.
type NameSource interface {
	// WorkspaceName is the team's or server's name. Errors: not_found, unavailable.
	WorkspaceName(ctx context.Context, ws Workspace) (string, error)
	// UserName is user's display name in ws. Errors: not_found, unavailable.
	UserName(ctx context.Context, ws Workspace, user string) (string, error)
}

// NamesConfig tunes Names; zero fields take the defaults in brackets.
type NamesConfig struct {
	Store NameStore
	// Cache is the shared cache (Redis) the names are read from first [none].
	Cache *Cache
	Clock Clock
	Log   *slog.Logger
	// RefreshAfter is the age after which a name is fetched again in the background [24h].
	RefreshAfter time.Duration
	// Memo is how long this process reuses a name it read [1m].
	Memo time.Duration
	// CacheTTL is how long a name stays in the shared cache [6h].
	CacheTTL time.Duration
	// RetryAfter is how long a failed fetch waits before the name is asked for again [5m].
	RetryAfter time.Duration
	// FetchTimeout bounds one platform call [5s].
	FetchTimeout time.Duration
	// Queue bounds the background work waiting (more is dropped and asked again later) [1024].
	Queue int
}

// Names resolves and keeps names. Its methods are safe on a nil *Names (nothing is known).
type Names struct {
	cfg NamesConfig

	mu      sync.Mutex
	sources map[Platform]NameSource
	memo    map[NameKey]memoName
	pending map[NameKey]bool
	failed  map[NameKey]time.Time
	work    chan nameJob
	queued  int // jobs sent and not yet done
}

// memoName is a record this process read (found false: the database has none) and when.
type memoName struct {
	rec   NameRecord
	found bool
	at    time.Time
}

// nameJob is background work: learn rec (a name that came for free) or fetch rec.Key.
type nameJob struct {
	rec   NameRecord
	learn bool
}

// maxMemo bounds the memo; past it the memo starts again empty. An entry costs about 300
// bytes, so a flood of people each sending one command holds at most ~1.2 MB here.
const maxMemo = 4096

// NewNames builds Names on c.Store; Run must run for learnt and fetched names to be kept.
func NewNames(c NamesConfig) *Names {
	if c.Clock == nil {
		c.Clock = SystemClock{}
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	defaultDuration(&c.RefreshAfter, 24*time.Hour)
	defaultDuration(&c.Memo, time.Minute)
	defaultDuration(&c.CacheTTL, 6*time.Hour)
	defaultDuration(&c.RetryAfter, 5*time.Minute)
	defaultDuration(&c.FetchTimeout, 5*time.Second)
	if c.Queue <= 0 {
		c.Queue = 1024
	}
	return &Names{cfg: c, sources: map[Platform]NameSource{}, memo: map[NameKey]memoName{},
		pending: map[NameKey]bool{}, failed: map[NameKey]time.Time{}, work: make(chan nameJob, c.Queue)}
}

// SetSource makes src the platform p's directory for fetches.
func (n *Names) SetSource(p Platform, src NameSource) {
	if n == nil || src == nil {
		return
	}
	n.mu.Lock()
	n.sources[p] = src
	n.mu.Unlock()
}

// Lookup returns the known names of keys (keys without a name are left out). Names missing,
// only hinted or older than RefreshAfter are fetched in the background; the caller gets what
// is known now.
func (n *Names) Lookup(ctx context.Context, keys []NameKey) map[NameKey]string {
	if n == nil || len(keys) == 0 {
		return map[NameKey]string{}
	}
	out := make(map[NameKey]string, len(keys))
	recs := n.read(ctx, keys)
	now := n.cfg.Clock.Now()
	for _, k := range keys {
		if !k.platformUser() {
			continue
		}
		r, ok := recs[k]
		if ok && r.Name != "" {
			out[k] = r.Name
		}
		if !ok || !r.Fetched || now.Sub(r.UpdatedAt) >= n.cfg.RefreshAfter {
			n.enqueue(nameJob{rec: NameRecord{Key: k}})
		}
	}
	return out
}

// Name is Lookup of one key: its name, or "".
func (n *Names) Name(ctx context.Context, k NameKey) string { return n.Lookup(ctx, []NameKey{k})[k] }

// Learn keeps name for k, learnt for free: fetched says it is the platform's display name
// (an interaction's member, a sign-in), not a hint (a slash command's user_name). A hint
// never replaces a fetched name. It costs the caller nothing: the work runs in the background.
func (n *Names) Learn(k NameKey, name string, fetched bool) {
	name = CleanText(strings.TrimSpace(name))
	if n == nil || name == "" || k.Workspace.IsZero() || !k.platformUser() {
		return
	}
	if len([]rune(name)) > 200 {
		name = string([]rune(name)[:200])
	}
	now := n.cfg.Clock.Now()
	n.mu.Lock()
	defer n.mu.Unlock()
	m, ok := n.memo[k]
	if ok && m.found && m.rec.Name == name && (m.rec.Fetched || !fetched) && now.Sub(m.rec.UpdatedAt) < n.cfg.RefreshAfter {
		return // known already: no work at all
	}
	// k and name are often cut from a request's body (a slash command's form): copies keep
	// the memo and the queued job from holding every body alive.
	k, name = k.clone(), strings.Clone(name)
	if !ok || !m.found || !m.rec.Fetched || fetched {
		// This process shows it at once (the next page, right after a sign-in); the
		// background keeps it in the database and the shared cache.
		n.memoLocked(memoName{rec: NameRecord{Key: k, Name: name, Fetched: fetched, UpdatedAt: now}, found: true, at: now})
	}
	select {
	case n.work <- nameJob{rec: NameRecord{Key: k, Name: name, Fetched: fetched}, learn: true}:
		n.queued++
	default:
	}
}

// read finds the records of keys: memo, then the shared cache, then the database.
func (n *Names) read(ctx context.Context, keys []NameKey) map[NameKey]NameRecord {
	return n.readFrom(ctx, keys, true)
}

// readFrom is read; without memo it starts at the shared cache (what is kept, not what this
// process was told).
func (n *Names) readFrom(ctx context.Context, keys []NameKey, memo bool) map[NameKey]NameRecord {
	out := make(map[NameKey]NameRecord, len(keys))
	now := n.cfg.Clock.Now()
	var miss []NameKey
	seen := make(map[NameKey]bool, len(keys))
	n.mu.Lock()
	for _, k := range keys {
		if seen[k] || !k.platformUser() {
			continue
		}
		seen[k] = true
		if m, ok := n.memo[k]; ok && memo && now.Sub(m.at) < n.cfg.Memo {
			if m.found {
				out[k] = m.rec
			}
			continue
		}
		miss = append(miss, k)
	}
	n.mu.Unlock()
	if len(miss) == 0 {
		return out
	}
	var dbKeys []NameKey
	for _, k := range miss {
		if r, ok := n.cached(ctx, k); ok {
			out[k] = r
			if memo {
				n.remember(r, true)
			}
			continue
		}
		dbKeys = append(dbKeys, k)
	}
	if len(dbKeys) == 0 || n.cfg.Store == nil {
		return out
	}
	recs, err := n.cfg.Store.Names(ctx, dbKeys)
	if err != nil {
		n.cfg.Log.Warn("names: could not read names from the database", "err", err)
		return out
	}
	found := map[NameKey]bool{}
	for _, r := range recs {
		out[r.Key], found[r.Key] = r, true
		if memo {
			n.remember(r, true)
		}
		n.cache(ctx, r)
	}
	for _, k := range dbKeys {
		if !found[k] && memo {
			n.remember(NameRecord{Key: k}, false)
		}
	}
	return out
}

// cacheKey is k's key in the shared cache.
func cacheKey(k NameKey) string { return k.Workspace.String() + ":" + k.User }

type cachedName struct {
	Name    string    `json:"n"`
	Fetched bool      `json:"f,omitempty"`
	At      time.Time `json:"t"`
}

func (n *Names) cached(ctx context.Context, k NameKey) (NameRecord, bool) {
	if n.cfg.Cache == nil {
		return NameRecord{}, false
	}
	b, err := n.cfg.Cache.Get(ctx, cacheKey(k))
	var c cachedName
	if err != nil || json.Unmarshal(b, &c) != nil {
		return NameRecord{}, false
	}
	return NameRecord{Key: k, Name: c.Name, Fetched: c.Fetched, UpdatedAt: c.At}, true
}

func (n *Names) cache(ctx context.Context, r NameRecord) {
	if n.cfg.Cache == nil {
		return
	}
	if b, err := json.Marshal(cachedName{Name: r.Name, Fetched: r.Fetched, At: r.UpdatedAt}); err == nil {
		_ = n.cfg.Cache.Set(ctx, cacheKey(r.Key), b, n.cfg.CacheTTL)
	}
}

func (n *Names) remember(r NameRecord, found bool) {
	r.Key = r.Key.clone() // a caller's key may be cut from a request's body
	n.mu.Lock()
	defer n.mu.Unlock()
	n.memoLocked(memoName{rec: r, found: found, at: n.cfg.Clock.Now()})
}

// memoLocked puts m in the memo, within maxMemo; n.mu is held.
func (n *Names) memoLocked(m memoName) {
	if _, ok := n.memo[m.rec.Key]; !ok && len(n.memo) >= maxMemo {
		n.memo = map[NameKey]memoName{}
	}
	n.memo[m.rec.Key] = m
}

// clone is k with strings of its own, so that keeping it keeps nothing else alive.
func (k NameKey) clone() NameKey {
	return NameKey{Workspace: Workspace{Platform: k.Workspace.Platform, ExternalID: strings.Clone(k.Workspace.ExternalID)},
		User: strings.Clone(k.User)}
}

// enqueue asks for a background fetch of j's key, once at a time, not while a failed fetch
// waits, and only where a platform can be asked.
func (n *Names) enqueue(j nameJob) {
	k := j.rec.Key
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, ok := n.sources[k.Workspace.Platform]; !ok || n.pending[k] || n.cfg.Clock.Now().Before(n.failed[k]) {
		return
	}
	j.rec.Key = k.clone() // the caller's key may be cut from a request's body
	select {
	case n.work <- j:
		n.pending[j.rec.Key] = true
		n.queued++
	default:
	}
}

// Run does the background work until ctx ends.
func (n *Names) Run(ctx context.Context) {
	if n == nil {
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-n.work:
			if j.learn {
				n.learn(ctx, j.rec)
			} else {
				n.fetch(ctx, j.rec.Key)
			}
			n.mu.Lock()
			n.queued--
			if !j.learn {
				delete(n.pending, j.rec.Key)
			}
			n.mu.Unlock()
		}
	}
}

// Idle reports whether no background work waits or runs (for tests).
func (n *Names) Idle() bool {
	if n == nil {
		return true
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.queued == 0
}

func (n *Names) learn(ctx context.Context, r NameRecord) {
	now := n.cfg.Clock.Now()
	cur, ok := n.readFrom(ctx, []NameKey{r.Key}, false)[r.Key]
	if ok && now.Sub(cur.UpdatedAt) < n.cfg.RefreshAfter {
		if cur.Fetched && !r.Fetched {
			return // a hint does not replace what the platform said
		}
		if cur.Name == r.Name && cur.Fetched == r.Fetched {
			return
		}
	}
	r.UpdatedAt = now
	n.save(ctx, r)
}

func (n *Names) fetch(ctx context.Context, k NameKey) {
	n.mu.Lock()
	src := n.sources[k.Workspace.Platform]
	n.mu.Unlock()
	if src == nil {
		return
	}
	// Another request may have learnt or fetched it since it was asked for.
	if cur, ok := n.read(ctx, []NameKey{k})[k]; ok && cur.Fetched && n.cfg.Clock.Now().Sub(cur.UpdatedAt) < n.cfg.RefreshAfter {
		return
	}
	fctx, cancel := context.WithTimeout(ctx, n.cfg.FetchTimeout)
	defer cancel()
	var name string
	var err error
	if k.User == "" {
		name, err = src.WorkspaceName(fctx, k.Workspace)
	} else {
		name, err = src.UserName(fctx, k.Workspace, k.User)
	}
	switch {
	case IsCode(err, ENotFound):
		name = "" // the platform knows no such name: kept empty, so it is not asked for each view
	case err != nil:
		n.cfg.Log.Debug("names: could not fetch a name", "workspace", k.Workspace.String(), "user", k.User, "err", err)
		n.mu.Lock()
		if len(n.failed) >= maxMemo {
			n.failed = map[NameKey]time.Time{} // bounded like the memo: at worst asked again early
		}
		n.failed[k.clone()] = n.cfg.Clock.Now().Add(n.cfg.RetryAfter)
		n.mu.Unlock()
		return
	}
	name = CleanText(strings.TrimSpace(name))
	if len([]rune(name)) > 200 {
		name = string([]rune(name)[:200])
	}
	n.save(ctx, NameRecord{Key: k, Name: name, Fetched: true, UpdatedAt: n.cfg.Clock.Now()})
}

func (n *Names) save(ctx context.Context, r NameRecord) {
	if n.cfg.Store != nil {
		if err := n.cfg.Store.SaveName(ctx, r); err != nil {
			n.cfg.Log.Warn("names: could not keep a name", "err", err)
			return
		}
	}
	n.remember(r, true)
	n.cache(ctx, r)
}
