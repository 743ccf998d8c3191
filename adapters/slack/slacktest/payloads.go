package slacktest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

var (
	idStart = uint64(time.Now().UnixNano())
	idSeq   atomic.Uint64
)

// unique is a number no other call in this process, nor an earlier run, returns: state kept
// in a shared Redis (de-duplication marks) must never see an id twice.
func unique() uint64 { return idStart + idSeq.Add(1) }

// NewTriggerID returns a fresh trigger_id ("1234.5678.hex").
func NewTriggerID() string {
	n := unique()
	return fmt.Sprintf("%d.%d.%s", n%1_000_000_000_000, n/1_000_000_000_000, randomHex(8))
}

// NewEventID returns a fresh Events API event_id ("Ev…").
func NewEventID() string {
	return "Ev" + strings.ToUpper(strconv.FormatUint(unique(), 36)) + strings.ToUpper(randomHex(2))
}

// Command is a slash command invocation; empty fields get Slack-like defaults.
type Command struct {
	Team, TeamDomain      string // [T1], [fake]
	Channel, ChannelName  string // [C1], [general]
	User, UserName        string // [U1], [the user id in lower case]
	Command, Text         string // ["/ticket"]
	TriggerID             string // [fresh each time Form is called]
	ResponseURL           string // [an address nothing listens on]
	AppID, EnterpriseName string
}

func (c Command) withDefaults() Command {
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&c.Team, "T1")
	def(&c.TeamDomain, "fake")
	def(&c.Channel, "C1")
	def(&c.ChannelName, "general")
	def(&c.User, "U1")
	def(&c.UserName, strings.ToLower(c.User))
	def(&c.Command, "/ticket")
	def(&c.TriggerID, NewTriggerID())
	def(&c.ResponseURL, "https://hooks.slack.invalid/commands/"+c.Team+"/"+strconv.FormatUint(unique(), 10)+"/"+randomHex(8))
	def(&c.AppID, AppID)
	return c
}

// Form is the form Slack posts to /slack/commands.
func (c Command) Form() url.Values {
	c = c.withDefaults()
	return url.Values{
		"token": {"legacy-verification-token"}, "team_id": {c.Team}, "team_domain": {c.TeamDomain},
		"channel_id": {c.Channel}, "channel_name": {c.ChannelName}, "user_id": {c.User}, "user_name": {c.UserName},
		"command": {c.Command}, "text": {c.Text}, "api_app_id": {c.AppID}, "is_enterprise_install": {"false"},
		"response_url": {c.ResponseURL}, "trigger_id": {c.TriggerID},
	}
}

// Payload is the slash_commands payload Socket Mode delivers.
func (c Command) Payload() map[string]any {
	p := map[string]any{}
	for k, v := range c.Form() {
		p[k] = v[0]
	}
	return p
}

// EventCallback is the Events API body around event (an event_callback of team).
func EventCallback(team, eventID string, event map[string]any) []byte {
	b, err := json.Marshal(EventPayload(team, eventID, event))
	if err != nil {
		panic(err)
	}
	return b
}

// EventPayload is EventCallback decoded: the events_api payload Socket Mode delivers.
func EventPayload(team, eventID string, event map[string]any) map[string]any {
	return map[string]any{
		"token": "legacy-verification-token", "team_id": team, "api_app_id": AppID, "type": "event_callback",
		"event_id": eventID, "event_time": time.Now().Unix(), "event": event,
		"authorizations":        []any{map[string]any{"team_id": team, "user_id": BotUserID, "is_bot": true, "is_enterprise_install": false}},
		"is_ext_shared_channel": false, "event_context": "4-" + eventID,
	}
}

// MessageEvent is a message event by user in channel at ts (a reply when thread is set);
// channelType is "channel", "group" or "im".
func MessageEvent(channel, channelType, user, text, ts, thread string) map[string]any {
	m := map[string]any{"type": "message", "channel": channel, "channel_type": channelType, "user": user,
		"text": text, "ts": ts, "event_ts": ts, "client_msg_id": randomHex(8)}
	if thread != "" {
		m["thread_ts"] = thread
	}
	return m
}

// ReactionEvent is a reaction_added event: user reacted with name to the message at ts in
// channel, written by itemUser.
func ReactionEvent(user, name, channel, ts, itemUser string) map[string]any {
	return map[string]any{"type": "reaction_added", "user": user, "reaction": name, "item_user": itemUser,
		"item": map[string]any{"type": "message", "channel": channel, "ts": ts}, "event_ts": ts}
}

// Interaction is an interactivity payload (block_actions, view_submission, shortcut,
// message_action), to change further before sending.
type Interaction map[string]any

// JSON encodes the payload.
func (it Interaction) JSON() []byte {
	b, err := json.Marshal(map[string]any(it))
	if err != nil {
		panic(err)
	}
	return b
}

// Form is the body Slack posts to /slack/interactivity: payload=JSON.
func (it Interaction) Form() []byte {
	return []byte(url.Values{"payload": {string(it.JSON())}}.Encode())
}

func interaction(typ, team string, u User) Interaction {
	name := u.Name
	if name == "" {
		name = strings.ToLower(u.ID)
	}
	return Interaction{
		"type": typ, "team": map[string]any{"id": team, "domain": "fake"},
		"user":       map[string]any{"id": u.ID, "username": name, "name": name, "team_id": team},
		"api_app_id": AppID, "token": "legacy-verification-token", "trigger_id": NewTriggerID(),
		"is_enterprise_install": false, "enterprise": nil,
	}
}

// Button is a button element's action (block_actions).
func Button(actionID, value string) map[string]any {
	return map[string]any{"action_id": actionID, "block_id": "b1", "type": "button", "value": value,
		"action_ts": "1700000100.000001", "text": map[string]any{"type": "plain_text", "text": actionID}}
}

// Selected is a static_select element's action choosing value.
func Selected(actionID, value string) map[string]any {
	return map[string]any{"action_id": actionID, "block_id": "b1", "type": "static_select", "action_ts": "1700000100.000001",
		"selected_option": map[string]any{"value": value, "text": map[string]any{"type": "plain_text", "text": value}}}
}

// BlockActions is user pressing actions on the message at ts in channel; responseURL is
// where the app answers (ResponseURL gives one bound to the message).
func BlockActions(team string, u User, channel, ts, responseURL string, actions ...map[string]any) Interaction {
	it := interaction("block_actions", team, u)
	it["container"] = map[string]any{"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": false}
	it["channel"] = map[string]any{"id": channel, "name": strings.ToLower(channel)}
	it["message"] = map[string]any{"type": "message", "ts": ts, "text": "card", "user": BotUserID, "bot_id": BotID}
	it["response_url"] = responseURL
	acts := make([]any, len(actions))
	for i, a := range actions {
		acts[i] = a
	}
	it["actions"] = acts
	return it
}

// PlainInput is a plain_text_input's state in a view submission.
func PlainInput(value string) map[string]any {
	return map[string]any{"type": "plain_text_input", "value": value}
}

// SelectInput is a static_select's state choosing value ("" for none).
func SelectInput(value string) map[string]any {
	st := map[string]any{"type": "static_select"}
	if value != "" {
		st["selected_option"] = map[string]any{"value": value, "text": map[string]any{"type": "plain_text", "text": value}}
	}
	return st
}

// ViewSubmission is user submitting modal callbackID; values maps block id → action id →
// element state (PlainInput, SelectInput).
func ViewSubmission(team string, u User, callbackID, privateMetadata string, values map[string]map[string]any) Interaction {
	it := interaction("view_submission", team, u)
	vals := map[string]any{}
	for block, acts := range values {
		vals[block] = acts
	}
	it["view"] = map[string]any{
		"id": "V" + strconv.FormatUint(unique()%1_000_000, 10), "team_id": team, "type": "modal", "callback_id": callbackID,
		"private_metadata": privateMetadata, "hash": "1.hash", "app_id": AppID, "bot_id": BotID,
		"state": map[string]any{"values": vals},
	}
	it["response_urls"] = []any{}
	return it
}

// Shortcut is user running global shortcut callbackID.
func Shortcut(team string, u User, callbackID string) Interaction {
	it := interaction("shortcut", team, u)
	it["callback_id"] = callbackID
	it["action_ts"] = "1700000100.000001"
	return it
}

// Target is the message a message shortcut runs on.
type Target struct {
	Channel, TS, ThreadTS string
	User, Text            string
}

// MessageAction is user running message shortcut callbackID on msg.
func MessageAction(team string, u User, callbackID string, msg Target, responseURL string) Interaction {
	it := interaction("message_action", team, u)
	it["callback_id"] = callbackID
	it["action_ts"] = "1700000100.000001"
	it["channel"] = map[string]any{"id": msg.Channel, "name": strings.ToLower(msg.Channel)}
	m := map[string]any{"type": "message", "ts": msg.TS, "user": msg.User, "text": msg.Text}
	if msg.ThreadTS != "" {
		m["thread_ts"] = msg.ThreadTS
	}
	it["message"] = m
	it["message_ts"] = msg.TS
	it["response_url"] = responseURL
	return it
}

// ViewBlockActions is user changing an element of the open view v (a modal), as Slack sends
// it for an input block with dispatch_action: the view with its id, hash and state.
func ViewBlockActions(team string, u User, v View, values map[string]map[string]any, actions ...map[string]any) Interaction {
	it := interaction("block_actions", team, u)
	vals := map[string]any{}
	for block, acts := range values {
		vals[block] = acts
	}
	it["container"] = map[string]any{"type": "view", "view_id": v.ID}
	it["view"] = map[string]any{
		"id": v.ID, "team_id": team, "type": "modal", "callback_id": v.CallbackID, "private_metadata": v.PrivateMetadata,
		"hash": v.Hash, "app_id": AppID, "bot_id": BotID, "state": map[string]any{"values": vals},
	}
	acts := make([]any, len(actions))
	for i, a := range actions {
		acts[i] = a
	}
	it["actions"] = acts
	return it
}
