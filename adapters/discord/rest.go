package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"

	"github.com/bwmarrin/discordgo"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
)

// restAPI is the part of Discord's REST API ticketbot uses. sessionAPI implements it on a
// discordgo.Session; every method that sends or edits a message makes sure allowed_mentions is
// set, so no code path can post user text that pings @everyone, @here or a role.
type restAPI interface {
	OverwriteCommands(ctx context.Context, appID string, cmds []*discordgo.ApplicationCommand) error
	GatewayBot(ctx context.Context) (*discordgo.GatewayBotResponse, error)
	StartThread(ctx context.Context, channelID string, data *discordgo.ThreadStart) (*discordgo.Channel, error)
	AddThreadMember(ctx context.Context, threadID, userID string) error
	SetArchived(ctx context.Context, threadID string, archived bool) error
	SendMessage(ctx context.Context, channelID string, m *discordgo.MessageSend) (*discordgo.Message, error)
	EditMessage(ctx context.Context, m *discordgo.MessageEdit) error
	// SendOnce posts m with a nonce Discord enforces: a second post with the same nonce
	// within minutes returns the first message instead of posting again.
	SendOnce(ctx context.Context, channelID, nonce string, m *discordgo.MessageSend) (*discordgo.Message, error)
	DeleteMessage(ctx context.Context, channelID, messageID string) error
	// StartThreadOn starts a public thread on message messageID of channelID.
	StartThreadOn(ctx context.Context, channelID, messageID string, data *discordgo.ThreadStart) (*discordgo.Channel, error)
	// Channel reads a channel (type, permission overwrites).
	Channel(ctx context.Context, channelID string) (*discordgo.Channel, error)
	// Guild reads a guild (its name). GuildMember reads userID's membership of guildID; a user
	// who is not a member answers 404.
	Guild(ctx context.Context, guildID string) (*discordgo.Guild, error)
	GuildMember(ctx context.Context, guildID, userID string) (*discordgo.Member, error)
	// OpenDM returns the id of the DM channel with userID.
	OpenDM(ctx context.Context, userID string) (string, error)
	Respond(ctx context.Context, it *discordgo.Interaction, r *discordgo.InteractionResponse) error
	EditResponse(ctx context.Context, it *discordgo.Interaction, e *discordgo.WebhookEdit) error
}

// gatewayConn is the part of a discordgo.Session the gateway loop uses.
type gatewayConn interface {
	Open() error
	Close() error
	AddHandler(handler any) func()
}

type sessionAPI struct{ s *discordgo.Session }

func (a sessionAPI) OverwriteCommands(ctx context.Context, appID string, cmds []*discordgo.ApplicationCommand) error {
	_, err := a.s.ApplicationCommandBulkOverwrite(appID, "", cmds, discordgo.WithContext(ctx))
	return err
}

func (a sessionAPI) GatewayBot(ctx context.Context) (*discordgo.GatewayBotResponse, error) {
	return a.s.GatewayBot(discordgo.WithContext(ctx))
}

// The calls below go through discordgo's request path (its rate-limit buckets, headers and
// error types) but decode only the id they need: Discord answers with whole channel and
// message objects, and parsing those (embeds, components) is most of a call's CPU.

// idOnly is the part of a created object ticketbot keeps.
type idOnly struct {
	ID string `json:"id"`
}

func (a sessionAPI) requestID(ctx context.Context, method, endpoint, bucket string, body any) (string, error) {
	resp, err := a.s.RequestWithBucketID(method, endpoint, body, bucket, discordgo.WithContext(ctx))
	if err != nil {
		return "", err
	}
	var v idOnly
	if err := json.Unmarshal(resp, &v); err != nil || v.ID == "" {
		return "", fmt.Errorf("%w: %s %s answered without an id", discordgo.ErrJSONUnmarshal, method, endpoint)
	}
	return v.ID, nil
}

func (a sessionAPI) StartThread(ctx context.Context, channelID string, data *discordgo.ThreadStart) (*discordgo.Channel, error) {
	ep := discordgo.EndpointChannelThreads(channelID)
	id, err := a.requestID(ctx, http.MethodPost, ep, ep, data)
	if err != nil {
		return nil, err
	}
	return &discordgo.Channel{ID: id, ParentID: channelID, Type: data.Type, Name: data.Name}, nil
}

func (a sessionAPI) AddThreadMember(ctx context.Context, threadID, userID string) error {
	return a.s.ThreadMemberAdd(threadID, userID, discordgo.WithContext(ctx))
}

func (a sessionAPI) SetArchived(ctx context.Context, threadID string, archived bool) error {
	ep := discordgo.EndpointChannel(threadID)
	_, err := a.s.RequestWithBucketID(http.MethodPatch, ep, &discordgo.ChannelEdit{Archived: &archived}, ep, discordgo.WithContext(ctx))
	return err
}

func (a sessionAPI) SendMessage(ctx context.Context, channelID string, m *discordgo.MessageSend) (*discordgo.Message, error) {
	if m.AllowedMentions == nil {
		m.AllowedMentions = noMentions()
	}
	ep := discordgo.EndpointChannelMessages(channelID)
	id, err := a.requestID(ctx, http.MethodPost, ep, ep, m)
	if err != nil {
		return nil, err
	}
	return &discordgo.Message{ID: id, ChannelID: channelID}, nil
}

func (a sessionAPI) EditMessage(ctx context.Context, m *discordgo.MessageEdit) error {
	if m.AllowedMentions == nil {
		m.AllowedMentions = noMentions()
	}
	_, err := a.s.RequestWithBucketID(http.MethodPatch, discordgo.EndpointChannelMessage(m.Channel, m.ID), m,
		discordgo.EndpointChannelMessage(m.Channel, ""), discordgo.WithContext(ctx))
	return err
}

// nonceSend is a message create with the nonce fields discordgo's MessageSend lacks.
type nonceSend struct {
	*discordgo.MessageSend
	Nonce        string `json:"nonce"`
	EnforceNonce bool   `json:"enforce_nonce"`
}

func (a sessionAPI) SendOnce(ctx context.Context, channelID, nonce string, m *discordgo.MessageSend) (*discordgo.Message, error) {
	if m.AllowedMentions == nil {
		m.AllowedMentions = noMentions()
	}
	ep := discordgo.EndpointChannelMessages(channelID)
	body := nonceSend{MessageSend: m, Nonce: nonce, EnforceNonce: true}
	if len(m.Files) > 0 {
		return a.sendFiles(ctx, ep, channelID, body)
	}
	id, err := a.requestID(ctx, http.MethodPost, ep, ep, body)
	if err != nil {
		return nil, err
	}
	return &discordgo.Message{ID: id, ChannelID: channelID}, nil
}

// sendFiles posts a message with its files as multipart/form-data (payload_json and one part
// per file), as discordgo's ChannelMessageSendComplex does, keeping the nonce fields.
func (a sessionAPI) sendFiles(ctx context.Context, ep, channelID string, body nonceSend) (*discordgo.Message, error) {
	ctype, b, err := discordgo.MultipartBodyWithJSON(body, body.Files)
	if err != nil {
		return nil, err
	}
	resp, err := a.s.RequestRaw(http.MethodPost, ep, ctype, b, ep, 0, discordgo.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	var v idOnly
	if err := json.Unmarshal(resp, &v); err != nil || v.ID == "" {
		return nil, fmt.Errorf("%w: POST %s answered without an id", discordgo.ErrJSONUnmarshal, ep)
	}
	return &discordgo.Message{ID: v.ID, ChannelID: channelID}, nil
}

func (a sessionAPI) DeleteMessage(ctx context.Context, channelID, messageID string) error {
	return a.s.ChannelMessageDelete(channelID, messageID, discordgo.WithContext(ctx))
}

func (a sessionAPI) StartThreadOn(ctx context.Context, channelID, messageID string, data *discordgo.ThreadStart) (*discordgo.Channel, error) {
	ep := discordgo.EndpointChannelMessageThread(channelID, messageID)
	id, err := a.requestID(ctx, http.MethodPost, ep, discordgo.EndpointChannelMessageThread(channelID, ""), data)
	if err != nil {
		return nil, err
	}
	return &discordgo.Channel{ID: id, ParentID: channelID, Name: data.Name}, nil
}

func (a sessionAPI) Channel(ctx context.Context, channelID string) (*discordgo.Channel, error) {
	return a.s.Channel(channelID, discordgo.WithContext(ctx))
}

func (a sessionAPI) Guild(ctx context.Context, guildID string) (*discordgo.Guild, error) {
	return a.s.Guild(guildID, discordgo.WithContext(ctx))
}

func (a sessionAPI) GuildMember(ctx context.Context, guildID, userID string) (*discordgo.Member, error) {
	return a.s.GuildMember(guildID, userID, discordgo.WithContext(ctx))
}

func (a sessionAPI) OpenDM(ctx context.Context, userID string) (string, error) {
	ep := discordgo.EndpointUserChannels("@me")
	return a.requestID(ctx, http.MethodPost, ep, discordgo.EndpointUserChannels(""), map[string]string{"recipient_id": userID})
}

func (a sessionAPI) Respond(ctx context.Context, it *discordgo.Interaction, r *discordgo.InteractionResponse) error {
	if r.Data != nil && r.Data.AllowedMentions == nil && r.Type != discordgo.InteractionResponseModal &&
		r.Type != discordgo.InteractionApplicationCommandAutocompleteResult {
		r.Data.AllowedMentions = noMentions()
	}
	return redactTokens(a.s.InteractionRespond(it, r, discordgo.WithContext(ctx)))
}

func (a sessionAPI) EditResponse(ctx context.Context, it *discordgo.Interaction, e *discordgo.WebhookEdit) error {
	if e.AllowedMentions == nil {
		e.AllowedMentions = noMentions()
	}
	_, err := a.s.InteractionResponseEdit(it, e, discordgo.WithContext(ctx))
	return redactTokens(err)
}

// redactTokens keeps interaction tokens (valid for 15 minutes, enough to answer as the bot)
// out of err, which gets logged: a transport failure's *url.Error and a 429's RateLimitError
// carry the request URL, and so the token (bot.Redact does it for every adapter).
func redactTokens(err error) error {
	if err == nil {
		return nil
	}
	var rl *discordgo.RateLimitError
	if errors.As(err, &rl) && rl.RateLimit != nil {
		return bot.Redact(err, &rl.URL)
	}
	return bot.Redact(err)
}

// rebaseTransport sends discordgo's REST calls to the configured API base instead of
// https://discord.com/api/v9/, and answers GET /gateway itself when the gateway URL is known
// (configured, or learnt from GET /gateway/bot), because discordgo keeps its gateway URL in an
// unexported field that it fills from that call.
type rebaseTransport struct {
	next    http.RoundTripper
	from    string
	to      string
	gateway atomic.Pointer[string]
}

func (t *rebaseTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	u := req.URL.String()
	rest, ok := strings.CutPrefix(u, t.from)
	if !ok {
		return t.next.RoundTrip(req)
	}
	if gw := t.gateway.Load(); gw != nil && req.Method == http.MethodGet && rest == "gateway" {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		b, _ := json.Marshal(map[string]string{"url": *gw})
		return &http.Response{
			Status: "200 OK", StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header:        http.Header{"Content-Type": {"application/json"}},
			Body:          io.NopCloser(strings.NewReader(string(b))),
			ContentLength: int64(len(b)),
			Request:       req,
		}, nil
	}
	nu, err := url.Parse(t.to + rest)
	if err != nil {
		return nil, bot.Redact(fmt.Errorf("discord: rebase %q: %w", u, err))
	}
	r2 := req.Clone(req.Context())
	r2.URL = nu
	r2.Host = nu.Host
	return t.next.RoundTrip(r2)
}

// Discord JSON error codes ticketbot reacts to.
const (
	codeCannotDM       = 50007
	codeUnknownChannel = 10003
	codeUnknownMessage = 10008
	codeUnknownMember  = 10007
	codeUnknownUser    = 10013
)

// apiCode returns Discord's JSON error code of err (0 if none).
func apiCode(err error) int {
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Message != nil {
		return re.Message.Code
	}
	return 0
}

func apiStatus(err error) int {
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Response != nil {
		return re.Response.StatusCode
	}
	return 0
}

// deliveryError classifies a REST failure for the outbox: a 429 carries Discord's
// retry_after; 5xx, 401 and 403 (a token or permission the operator can fix) and network
// errors are retried with backoff; other 4xx (unknown channel, invalid body) cannot succeed
// on retry and are Permanent.
func deliveryError(op string, err error) error {
	if err == nil {
		return nil
	}
	wrapped := fmt.Errorf("discord.%s: %w", op, err)
	var rl *discordgo.RateLimitError
	if errors.As(err, &rl) && rl.RateLimit != nil && rl.TooManyRequests != nil {
		return core.RetryAfter(wrapped, rl.RetryAfter)
	}
	switch s := apiStatus(err); {
	case s == 0, s >= 500, s == http.StatusUnauthorized, s == http.StatusRequestTimeout:
		return wrapped
	case s == http.StatusForbidden && apiCode(err) != codeCannotDM:
		return wrapped
	default:
		return core.Permanent(wrapped)
	}
}
