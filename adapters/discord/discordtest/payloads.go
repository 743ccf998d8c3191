package discordtest

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// AppID is the application id the payloads carry.
const AppID = "1200000000000000000"

// Discord permission bits the payloads use.
const (
	PermAdministrator = 1 << 3
	PermManageGuild   = 1 << 5
	// PermMember is what an ordinary member has in a channel (view, send, read history, use
	// application commands).
	PermMember = 1<<10 | 1<<11 | 1<<16 | 1<<31
)

// User is a guild member as interactions and messages carry it.
type User struct {
	ID, Name    string
	Roles       []string
	Permissions int64
	Bot         bool
}

var (
	idStart = uint64(time.Now().UnixNano())
	idSeq   atomic.Uint64
)

// ID returns a fresh snowflake-like id, unique within the process and across runs (it starts
// from the clock), for interactions, messages and guilds of tests: state kept in a shared
// Redis (de-duplication marks) never sees the same id twice.
func ID() string {
	return strconv.FormatUint(1_000_000_000_000_000_000+(idStart+idSeq.Add(1))%8_000_000_000_000_000_000, 10)
}

func (u User) member() obj {
	roles := u.Roles
	if roles == nil {
		roles = []string{}
	}
	perms := u.Permissions
	if perms == 0 {
		perms = PermMember
	}
	return obj{
		"user": obj{"id": u.ID, "username": u.Name, "global_name": u.Name, "discriminator": "0", "avatar": nil,
			"bot": u.Bot, "public_flags": 0},
		"roles": roles, "permissions": strconv.FormatInt(perms, 10), "nick": nil, "avatar": nil,
		"joined_at": "2024-01-01T00:00:00.000000+00:00", "premium_since": nil, "deaf": false, "mute": false,
		"pending": false, "flags": 0, "communication_disabled_until": nil,
	}
}

// Opt is one option of a slash command.
type Opt struct {
	Name    string
	Type    int // 3 string, 4 integer, 5 boolean, 6 user, 7 channel, 8 role
	Value   any
	Focused bool
}

// Interaction is an interaction payload under construction.
type Interaction obj

func base(typ int, guild, channel string, u User) Interaction {
	id := ID()
	return Interaction{
		"id": id, "application_id": AppID, "type": typ, "token": "tok-" + id, "version": 1,
		"guild_id": guild, "channel_id": channel, "member": u.member(),
		"channel": obj{"id": channel, "type": 0, "guild_id": guild, "name": "general"},
		"locale":  "en-US", "guild_locale": "en-US", "app_permissions": "2248473465835073",
		"entitlements": []any{}, "authorizing_integration_owners": obj{"0": guild}, "context": 0,
		"attachment_size_limit": 10485760,
	}
}

// Command is a slash command invocation (type 2) of /name sub with opts; sub "" invokes name
// without a subcommand.
func Command(guild, channel string, u User, name, sub string, opts ...Opt) Interaction {
	it := base(2, guild, channel, u)
	it["data"] = commandData(name, sub, u, opts)
	return it
}

// Autocomplete is an autocomplete request (type 4) for the focused option among opts.
func Autocomplete(guild, channel string, u User, name, sub string, opts ...Opt) Interaction {
	it := base(4, guild, channel, u)
	it["data"] = commandData(name, sub, u, opts)
	return it
}

func commandData(name, sub string, u User, opts []Opt) obj {
	var os []obj
	resolved := obj{}
	users := obj{}
	for _, o := range opts {
		m := obj{"name": o.Name, "type": o.Type, "value": o.Value}
		if o.Focused {
			m["focused"] = true
		}
		os = append(os, m)
		if o.Type == 6 {
			id, _ := o.Value.(string)
			users[id] = obj{"id": id, "username": "user" + id, "global_name": "User " + id, "discriminator": "0", "avatar": nil}
		}
	}
	if len(users) > 0 {
		resolved["users"] = users
	}
	if os == nil {
		os = []obj{}
	}
	data := obj{"id": "1200000000000000100", "name": name, "type": 1}
	if sub != "" {
		data["options"] = []obj{{"name": sub, "type": 1, "options": os}}
	} else {
		data["options"] = os
	}
	if len(resolved) > 0 {
		data["resolved"] = resolved
	}
	return data
}

// Component is a button press (or, with values, a select menu choice) on message messageID.
func Component(guild, channel string, u User, messageID, customID string, values ...string) Interaction {
	it := base(3, guild, channel, u)
	data := obj{"custom_id": customID, "component_type": 2}
	if len(values) > 0 {
		data["component_type"] = 3
		data["values"] = values
	}
	it["data"] = data
	it["message"] = obj{"id": messageID, "channel_id": channel, "type": 0, "content": "",
		"author":    obj{"id": BotUserID, "username": "ticketbot", "discriminator": "0000", "bot": true},
		"timestamp": "2025-01-01T00:00:00.000000+00:00", "embeds": []any{}, "attachments": []any{}, "components": []any{},
		"mentions": []any{}, "mention_roles": []any{}, "pinned": false, "mention_everyone": false, "tts": false, "flags": 0}
	return it
}

// ModalSubmit is a modal submission (type 5) with text inputs by custom id, in order.
func ModalSubmit(guild, channel string, u User, customID string, fields ...[2]string) Interaction {
	it := base(5, guild, channel, u)
	var rows []obj
	for _, f := range fields {
		rows = append(rows, obj{"type": 1, "components": []obj{{"type": 4, "custom_id": f[0], "value": f[1]}}})
	}
	it["data"] = obj{"custom_id": customID, "components": rows}
	return it
}

// Ping is Discord's PING (type 1).
func Ping() Interaction {
	return Interaction{"id": ID(), "application_id": AppID, "type": 1, "token": "tok", "version": 1,
		"user": obj{"id": "643945264868098049", "username": "discord", "discriminator": "0000", "avatar": nil, "system": true}}
}

// ID returns the interaction's id.
func (it Interaction) ID() string { s, _ := it["id"].(string); return s }

// JSON encodes the payload.
func (it Interaction) JSON() []byte {
	b, err := json.Marshal(obj(it))
	if err != nil {
		panic(err)
	}
	return b
}

// Attachment is a file on a message.
type Attachment struct{ Name, URL string }

// MessageEvent is the payload of MESSAGE_CREATE (or, with edited set, MESSAGE_UPDATE) for a
// message id in channel of guild.
func MessageEvent(id, guild, channel string, u User, content string, edited bool, atts ...Attachment) map[string]any {
	var as []obj
	for i, a := range atts {
		as = append(as, obj{"id": strconv.Itoa(i + 1), "filename": a.Name, "url": a.URL, "proxy_url": a.URL,
			"size": 1024, "content_type": "application/octet-stream"})
	}
	if as == nil {
		as = []obj{}
	}
	var editedAt any
	if edited {
		editedAt = time.Now().UTC().Format(time.RFC3339Nano)
	}
	m := u.member()
	delete(m, "user")
	delete(m, "permissions")
	return map[string]any{
		"id": id, "type": 0, "channel_id": channel, "guild_id": guild, "content": content,
		"author": obj{"id": u.ID, "username": u.Name, "global_name": u.Name, "discriminator": "0", "avatar": nil, "bot": u.Bot},
		"member": m, "attachments": as, "embeds": []any{}, "mentions": []any{}, "mention_roles": []any{},
		"mention_everyone": false, "pinned": false, "tts": false, "flags": 0, "components": []any{},
		"timestamp": time.Now().UTC().Format(time.RFC3339Nano), "edited_timestamp": editedAt, "nonce": nil,
	}
}

// MessageDeleteEvent is the payload of MESSAGE_DELETE.
func MessageDeleteEvent(id, guild, channel string) map[string]any {
	return map[string]any{"id": id, "channel_id": channel, "guild_id": guild}
}

// Signer signs interaction requests the way Discord does (Ed25519 over timestamp + body).
type Signer struct {
	Private ed25519.PrivateKey
	// PublicKey is the hex public key to configure (DISCORD_PUBLIC_KEY).
	PublicKey string
}

// NewSigner makes a fresh key pair.
func NewSigner() Signer {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	return Signer{Private: priv, PublicKey: hex.EncodeToString(pub)}
}

// Headers returns the signature headers for body sent at ts.
func (s Signer) Headers(body []byte, ts time.Time) http.Header {
	stamp := strconv.FormatInt(ts.Unix(), 10)
	sig := ed25519.Sign(s.Private, append([]byte(stamp), body...))
	return http.Header{
		"X-Signature-Ed25519":   {hex.EncodeToString(sig)},
		"X-Signature-Timestamp": {stamp},
		"Content-Type":          {"application/json"},
		"User-Agent":            {"Discord-Interactions/1.0 (+https://discord.com)"},
	}
}

// Request builds a signed POST of body to url, signed at ts.
func (s Signer) Request(url string, body []byte, ts time.Time) *http.Request {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		panic(err)
	}
	req.Header = s.Headers(body, ts)
	return req
}
