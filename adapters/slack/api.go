package slack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
)

// slackAPI is the part of the Slack Web API the adapter uses, in the adapter's own terms; the
// SDK stays behind it (sdkAPI). Errors are classified for the outbox: a 429 carries
// core.RetryAfter, errors retrying cannot mend are core.Permanent.
type slackAPI interface {
	// whoAmI is auth.test.
	whoAmI(ctx context.Context) (identity, error)
	// post is chat.postMessage (into thread when it is set); it returns where the message
	// landed and its ts.
	post(ctx context.Context, channel, thread string, m message) (postedChannel, ts string, err error)
	// update is chat.update.
	update(ctx context.Context, channel, ts string, m message) error
	// ephemeral is chat.postEphemeral.
	ephemeral(ctx context.Context, channel, user string, m message) error
	// respond posts m to an interaction's response_url, ephemerally or replacing the message
	// the interaction came from.
	respond(ctx context.Context, responseURL string, m message, replace bool) error
	// openView is views.open.
	openView(ctx context.Context, triggerID string, v slackgo.ModalViewRequest) error
	// updateView is views.update of the open view id, if it still has hash.
	updateView(ctx context.Context, viewID, hash string, v slackgo.ModalViewRequest) error
	// user is users.info.
	user(ctx context.Context, id string) (*slackgo.User, error)
	// teamName is team.info's name of the token's team.
	teamName(ctx context.Context) (string, error)
	// members is conversations.members, every page (at most maxMemberPages).
	members(ctx context.Context, channel string) ([]string, error)
	// openDM is conversations.open with one user; it returns the DM channel.
	openDM(ctx context.Context, user string) (string, error)
	// permalink is chat.getPermalink.
	permalink(ctx context.Context, channel, ts string) (string, error)
	// remove is chat.delete.
	remove(ctx context.Context, channel, ts string) error
	// react is reactions.add; a reaction that is there already is no error.
	react(ctx context.Context, channel, ts, name string) error
	// channelInfo is conversations.info: private or not, and whether the bot is in it.
	channelInfo(ctx context.Context, channel string) (bot.ChannelInfo, error)
	// groupMembers is usergroups.users.list.
	groupMembers(ctx context.Context, group string) ([]string, error)
	// findPost looks in channel (in thread when it is set) for a recent message whose metadata has event type typ and the payload key "id" equal to id (conversations.history
	// or .replies with include_all_metadata); it returns the message's ts, or "".
	findPost(ctx context.Context, channel, thread string, oldest time.Time, typ, id string) (string, error)
	// message reads the message ts of channel (conversations.history, or .replies when it is a
	// thread reply). Errors: message_not_found (permanent).
	message(ctx context.Context, channel, ts string) (slackgo.Message, error)
}

// message is what the adapter posts: a notification text and Block Kit blocks; Broadcast also
// shows a thread reply in the conversation (reply_broadcast), Metadata tags the message so an
// earlier attempt of the same post can be recognised.
type message struct {
	Text      string
	Blocks    []slackgo.Block
	Broadcast bool
	Metadata  *slackgo.SlackMetadata
}

// maxMemberPages bounds conversations.members paging (1000 members a page).
const maxMemberPages = 50

// sdkAPI is slackAPI on slack-go, but for chat.postMessage when lean is set (api_post.go).
type sdkAPI struct {
	c    *slackgo.Client
	lean *leanPost
}

// newSDKAPI is the client of token: slack-go with opts, and the lean chat.postMessage on
// apiURL through hc.
func newSDKAPI(token, apiURL string, hc *http.Client, opts []slackgo.Option) sdkAPI {
	return sdkAPI{c: slackgo.New(token, opts...), lean: &leanPost{hc: hc, endpoint: apiURL + "chat.postMessage", token: token}}
}

func (s sdkAPI) whoAmI(ctx context.Context) (identity, error) {
	r, err := s.c.AuthTestContext(ctx)
	if err != nil {
		return identity{}, classify("auth.test", err)
	}
	return identity{UserID: r.UserID, BotID: r.BotID, TeamID: r.TeamID}, nil
}

func (m message) options() []slackgo.MsgOption {
	opts := []slackgo.MsgOption{slackgo.MsgOptionText(m.Text, false)}
	if len(m.Blocks) > 0 {
		opts = append(opts, slackgo.MsgOptionBlocks(m.Blocks...))
	}
	if m.Broadcast {
		opts = append(opts, slackgo.MsgOptionBroadcast())
	}
	if m.Metadata != nil {
		opts = append(opts, slackgo.MsgOptionMetadata(*m.Metadata))
	}
	return opts
}

func (s sdkAPI) post(ctx context.Context, channel, thread string, m message) (string, string, error) {
	var ch, ts string
	var err error
	if s.lean != nil {
		ch, ts, err = s.lean.post(ctx, channel, thread, m)
	} else {
		opts := m.options()
		if thread != "" {
			opts = append(opts, slackgo.MsgOptionTS(thread))
		}
		ch, ts, err = s.c.PostMessageContext(ctx, channel, opts...)
	}
	if err != nil {
		return "", "", classify("chat.postMessage", err)
	}
	if ch == "" {
		ch = channel
	}
	return ch, ts, nil
}

func (s sdkAPI) update(ctx context.Context, channel, ts string, m message) error {
	if _, _, _, err := s.c.UpdateMessageContext(ctx, channel, ts, m.options()...); err != nil {
		return classify("chat.update", err)
	}
	return nil
}

func (s sdkAPI) ephemeral(ctx context.Context, channel, user string, m message) error {
	if _, err := s.c.PostEphemeralContext(ctx, channel, user, m.options()...); err != nil {
		return classify("chat.postEphemeral", err)
	}
	return nil
}

func (s sdkAPI) respond(ctx context.Context, responseURL string, m message, replace bool) error {
	opts := append(m.options(), slackgo.MsgOptionResponseURL(responseURL, slackgo.ResponseTypeEphemeral))
	if replace {
		opts = append(opts, slackgo.MsgOptionReplaceOriginal(responseURL))
	}
	if _, _, _, err := s.c.SendMessageContext(ctx, "", opts...); err != nil {
		return classify("response_url", err)
	}
	return nil
}

func (s sdkAPI) openView(ctx context.Context, triggerID string, v slackgo.ModalViewRequest) error {
	if _, err := s.c.OpenViewContext(ctx, triggerID, v); err != nil {
		return classify("views.open", err)
	}
	return nil
}

func (s sdkAPI) updateView(ctx context.Context, viewID, hash string, v slackgo.ModalViewRequest) error {
	if _, err := s.c.UpdateViewContext(ctx, v, "", hash, viewID); err != nil {
		return classify("views.update", err)
	}
	return nil
}

func (s sdkAPI) user(ctx context.Context, id string) (*slackgo.User, error) {
	u, err := s.c.GetUserInfoContext(ctx, id)
	if err != nil {
		return nil, classify("users.info", err)
	}
	return u, nil
}

func (s sdkAPI) teamName(ctx context.Context) (string, error) {
	t, err := s.c.GetTeamInfoContext(ctx)
	if err != nil {
		return "", classify("team.info", err)
	}
	return t.Name, nil
}

func (s sdkAPI) members(ctx context.Context, channel string) ([]string, error) {
	var all []string
	p := &slackgo.GetUsersInConversationParameters{ChannelID: channel, Limit: 1000}
	for range maxMemberPages {
		ids, next, err := s.c.GetUsersInConversationContext(ctx, p)
		if err != nil {
			return nil, classify("conversations.members", err)
		}
		all = append(all, ids...)
		if next == "" {
			return all, nil
		}
		p.Cursor = next
	}
	return all, nil
}

func (s sdkAPI) openDM(ctx context.Context, user string) (string, error) {
	ch, _, _, err := s.c.OpenConversationContext(ctx, &slackgo.OpenConversationParameters{Users: []string{user}})
	if err != nil {
		return "", classify("conversations.open", err)
	}
	if ch == nil || ch.ID == "" {
		return "", fmt.Errorf("conversations.open: no channel in the answer")
	}
	return ch.ID, nil
}

func (s sdkAPI) permalink(ctx context.Context, channel, ts string) (string, error) {
	u, err := s.c.GetPermalinkContext(ctx, &slackgo.PermalinkParameters{Channel: channel, Ts: ts})
	if err != nil {
		return "", classify("chat.getPermalink", err)
	}
	return u, nil
}

func (s sdkAPI) remove(ctx context.Context, channel, ts string) error {
	if _, _, err := s.c.DeleteMessageContext(ctx, channel, ts); err != nil {
		return classify("chat.delete", err)
	}
	return nil
}

func (s sdkAPI) react(ctx context.Context, channel, ts, name string) error {
	err := s.c.AddReactionContext(ctx, name, slackgo.ItemRef{Channel: channel, Timestamp: ts})
	if slackCode(err) == "already_reacted" {
		return nil
	}
	if err != nil {
		return classify("reactions.add", err)
	}
	return nil
}

func (s sdkAPI) channelInfo(ctx context.Context, channel string) (bot.ChannelInfo, error) {
	ch, err := s.c.GetConversationInfoContext(ctx, &slackgo.GetConversationInfoInput{ChannelID: channel})
	if err != nil {
		return bot.ChannelInfo{}, classify("conversations.info", err)
	}
	return bot.ChannelInfo{Private: ch.IsPrivate || ch.IsGroup, BotIn: ch.IsMember, Name: ch.Name}, nil
}

func (s sdkAPI) groupMembers(ctx context.Context, group string) ([]string, error) {
	ids, err := s.c.GetUserGroupMembersContext(ctx, group)
	if err != nil {
		return nil, classify("usergroups.users.list", err)
	}
	return ids, nil
}

// findPages bounds how far findPost pages back (200 messages a page).
const findPages = 5

func (s sdkAPI) findPost(ctx context.Context, channel, thread string, oldest time.Time, typ, id string) (string, error) {
	// oldest is not passed on: message ts are Slack's clock, not ours; a few pages back from
	// now cover the retries of one event.
	_ = oldest
	match := func(ms []slackgo.Message) string {
		for _, m := range ms {
			if m.Metadata.EventType == typ && fmt.Sprint(m.Metadata.EventPayload["id"]) == id {
				return m.Timestamp
			}
		}
		return ""
	}
	cursor := ""
	for range findPages {
		var (
			ms   []slackgo.Message
			next string
			err  error
		)
		if thread != "" {
			ms, _, next, err = s.c.GetConversationRepliesContext(ctx, &slackgo.GetConversationRepliesParameters{
				ChannelID: channel, Timestamp: thread, Limit: 200, Cursor: cursor, IncludeAllMetadata: true})
			if err != nil {
				return "", classify("conversations.replies", err)
			}
		} else {
			h, herr := s.c.GetConversationHistoryContext(ctx, &slackgo.GetConversationHistoryParameters{
				ChannelID: channel, Limit: 200, Cursor: cursor, IncludeAllMetadata: true})
			if herr != nil {
				return "", classify("conversations.history", herr)
			}
			ms, next = h.Messages, h.ResponseMetaData.NextCursor
		}
		if ts := match(ms); ts != "" {
			return ts, nil
		}
		if next == "" {
			return "", nil
		}
		cursor = next
	}
	return "", nil
}

func (s sdkAPI) message(ctx context.Context, channel, ts string) (slackgo.Message, error) {
	h, err := s.c.GetConversationHistoryContext(ctx, &slackgo.GetConversationHistoryParameters{
		ChannelID: channel, Latest: ts, Oldest: ts, Inclusive: true, Limit: 1})
	if err != nil {
		return slackgo.Message{}, classify("conversations.history", err)
	}
	for _, m := range h.Messages {
		if m.Timestamp == ts {
			return m, nil
		}
	}
	// Not in the channel's history: a reply in a thread.
	msgs, _, _, err := s.c.GetConversationRepliesContext(ctx, &slackgo.GetConversationRepliesParameters{
		ChannelID: channel, Timestamp: ts, Latest: ts, Oldest: ts, Inclusive: true, Limit: 1})
	if err != nil {
		return slackgo.Message{}, classify("conversations.replies", err)
	}
	for _, m := range msgs {
		if m.Timestamp == ts {
			return m, nil
		}
	}
	return slackgo.Message{}, core.Permanent(fmt.Errorf("message %s of %s not found", ts, channel))
}

// permanentCodes are Slack error codes that retrying the same call cannot mend. Token errors
// (invalid_auth, token_revoked) are not among them: once an operator fixes the token, the
// outbox delivers what waited.
var permanentCodes = map[string]bool{
	"channel_not_found":      true,
	"not_in_channel":         true,
	"is_archived":            true,
	"cannot_dm_bot":          true,
	"user_not_found":         true,
	"user_disabled":          true,
	"users_not_found":        true,
	"message_not_found":      true,
	"cant_update_message":    true,
	"edit_window_closed":     true,
	"msg_too_long":           true,
	"no_text":                true,
	"invalid_blocks":         true,
	"invalid_arguments":      true,
	"restricted_action":      true,
	"thread_reply_not_ok":    true,
	"messages_tab_disabled":  true,
	"not_allowed_token_type": true,
	"expired_trigger_id":     true,
	"invalid_trigger_id":     true,
	"used_url":               true,
	"expired_url":            true,
}

// classify names the failed call and marks the error for the outbox: 429 → core.RetryAfter,
// permanent codes → core.Permanent.
func classify(call string, err error) error {
	err = bot.Redact(err)
	if rl, ok := errors.AsType[*slackgo.RateLimitedError](err); ok {
		return core.RetryAfter(fmt.Errorf("%s: %w", call, err), rl.RetryAfter)
	}
	if se, ok := errors.AsType[slackgo.SlackErrorResponse](err); ok && permanentCodes[se.Err] {
		return core.Permanent(fmt.Errorf("%s: %w", call, err))
	}
	return fmt.Errorf("%s: %w", call, err)
}

// slackCode returns the Slack error code in err ("channel_not_found"), or "".
func slackCode(err error) string {
	if se, ok := errors.AsType[slackgo.SlackErrorResponse](err); ok {
		return se.Err
	}
	return ""
}
