package slacktest

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// handler serves one Web API method for caller (the token's user); s.mu is held. It returns
// the answer's fields or a Slack error code.
type handler func(c *Call, caller string) (obj, string)

func (s *Server) methods() map[string]handler {
	return map[string]handler{
		"auth.test":             s.authTest,
		"team.info":             s.teamInfo,
		"users.info":            s.usersInfo,
		"conversations.info":    s.conversationsInfo,
		"conversations.members": s.conversationsMembers,
		"conversations.join":    s.conversationsJoin,
		"conversations.open":    s.conversationsOpen,
		"conversations.history": s.conversationsHistory,
		"conversations.replies": s.conversationsReplies,
		"usergroups.users.list": s.usergroupsUsers,
		"chat.postMessage":      s.chatPost,
		"chat.update":           s.chatUpdate,
		"chat.delete":           s.chatDelete,
		"chat.postEphemeral":    s.chatEphemeral,
		"chat.getPermalink":     s.chatPermalink,
		"reactions.add":         s.reactionsAdd,
		"reactions.remove":      s.reactionsRemove,
		"views.open":            s.viewsOpen,
		"views.push":            s.viewsOpen,
		"views.update":          s.viewsUpdate,
	}
}

func (s *Server) authTest(c *Call, caller string) (obj, string) {
	team, name := s.opts.Team, s.opts.TeamName
	if g, ok := s.tokens[c.Token]; ok { // a token an install issued answers for its team
		team, name = g.Team, g.TeamName
	}
	out := obj{"url": "https://" + s.opts.TeamDomain + ".slack.com/", "team": name, "team_id": team,
		"user_id": caller, "is_enterprise_install": false}
	if u := s.users[caller]; u != nil {
		out["user"] = u.Name
	}
	if caller == BotUserID {
		out["bot_id"] = BotID
	}
	return out, ""
}

func (s *Server) teamInfo(c *Call, _ string) (obj, string) {
	if t := c.Params["team"]; t != "" && t != s.opts.Team {
		return nil, "team_not_found"
	}
	return obj{"team": obj{"id": s.opts.Team, "name": s.opts.TeamName, "domain": s.opts.TeamDomain,
		"email_domain": "", "icon": obj{"image_default": true}}}, ""
}

func (s *Server) userJSON(u *User) obj {
	display := u.DisplayName
	return obj{
		"id": u.ID, "team_id": s.opts.Team, "name": u.Name, "deleted": u.Deleted, "real_name": u.RealName,
		"tz": "Europe/Berlin", "tz_label": "Central European Time", "tz_offset": 3600,
		"profile": obj{"real_name": u.RealName, "display_name": display, "email": u.Email,
			"real_name_normalized": u.RealName, "display_name_normalized": display, "team": s.opts.Team},
		"is_admin": u.Admin, "is_owner": u.Owner, "is_primary_owner": u.PrimaryOwner,
		"is_restricted": false, "is_ultra_restricted": false, "is_bot": u.Bot, "is_app_user": false,
		"updated": 1700000000,
	}
}

func (s *Server) usersInfo(c *Call, _ string) (obj, string) {
	u := s.user(c.Params["user"])
	if u == nil {
		return nil, "user_not_found"
	}
	return obj{"user": s.userJSON(u)}, ""
}

// user returns member id, or under ImplicitUsers an ordinary member named after it; s.mu is held.
func (s *Server) user(id string) *User {
	if u, ok := s.users[id]; ok {
		return u
	}
	if s.opts.ImplicitUsers && id != "" {
		return &User{ID: id, Name: strings.ToLower(id)}
	}
	return nil
}

func (s *Server) channelJSON(ch *Channel) obj {
	out := obj{"id": ch.ID, "created": 1700000000, "is_archived": ch.Archived, "is_im": ch.IM,
		"is_mpim": false, "is_private": ch.Private || ch.IM, "is_channel": !ch.IM && !ch.Private,
		"is_group": ch.Private, "is_general": false, "is_shared": false, "is_ext_shared": false,
		"is_org_shared": false, "context_team_id": s.opts.Team}
	if ch.IM {
		out["user"] = ch.User
		out["is_open"] = true
	} else {
		out["name"] = ch.Name
		out["name_normalized"] = ch.Name
		out["is_member"] = slices.Contains(ch.Members, BotUserID)
		out["num_members"] = len(ch.Members)
	}
	return out
}

func (s *Server) conversationsInfo(c *Call, _ string) (obj, string) {
	ch := s.channel(c.Params["channel"], false)
	if ch == nil {
		return nil, "channel_not_found"
	}
	return obj{"channel": s.channelJSON(ch)}, ""
}

// page cuts items by an opaque cursor and a limit (default def, at most max); it returns the
// page and the next cursor ("" at the end).
func page[T any](items []T, cursor string, limit, def, most int) ([]T, string, bool) {
	start := 0
	if cursor != "" {
		b, err := base64.StdEncoding.DecodeString(cursor)
		n, err2 := strconv.Atoi(strings.TrimPrefix(string(b), "next:"))
		if err != nil || err2 != nil || n < 0 || n > len(items) {
			return nil, "", false
		}
		start = n
	}
	if limit <= 0 {
		limit = def
	}
	limit = min(limit, most)
	end := min(start+limit, len(items))
	next := ""
	if end < len(items) {
		next = base64.StdEncoding.EncodeToString([]byte("next:" + strconv.Itoa(end)))
	}
	return items[start:end], next, true
}

func intParam(c *Call, k string) int {
	n, _ := strconv.Atoi(c.Params[k])
	return n
}

func boolParam(c *Call, k string) bool {
	v := c.Params[k]
	return v == "1" || v == "true"
}

func (s *Server) conversationsMembers(c *Call, _ string) (obj, string) {
	ch := s.channel(c.Params["channel"], false)
	if ch == nil {
		return nil, "channel_not_found"
	}
	limit := intParam(c, "limit")
	if limit <= 0 {
		limit = 100
	}
	if s.opts.MemberPageSize > 0 {
		limit = min(limit, s.opts.MemberPageSize)
	}
	ms, next, ok := page(ch.Members, c.Params["cursor"], limit, 100, 1000)
	if !ok {
		return nil, "invalid_cursor"
	}
	return obj{"members": nonNil(ms), "response_metadata": obj{"next_cursor": next}}, ""
}

func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

func (s *Server) conversationsJoin(c *Call, caller string) (obj, string) {
	ch := s.channel(c.Params["channel"], false)
	switch {
	case ch == nil:
		return nil, "channel_not_found"
	case ch.Private || ch.IM:
		return nil, "method_not_supported_for_channel_type"
	case ch.Archived:
		return nil, "is_archived"
	}
	out := obj{}
	if slices.Contains(ch.Members, caller) {
		out["warning"] = "already_in_channel"
		out["response_metadata"] = obj{"warnings": []string{"already_in_channel"}}
	} else {
		ch.Members = append(ch.Members, caller)
	}
	out["channel"] = s.channelJSON(ch)
	return out, ""
}

func (s *Server) conversationsOpen(c *Call, caller string) (obj, string) {
	users := strings.Split(c.Params["users"], ",")
	if c.Params["users"] == "" {
		if id := c.Params["channel"]; id != "" {
			if ch := s.channel(id, false); ch != nil {
				return obj{"channel": s.channelJSON(ch), "no_op": true, "already_open": true}, ""
			}
			return nil, "channel_not_found"
		}
		return nil, "users_list_not_supplied"
	}
	if len(users) != 1 {
		return nil, "not_enough_users" // group DMs are not modelled
	}
	u := users[0]
	if u == caller || u == BotUserID {
		return nil, "cannot_dm_bot"
	}
	if usr := s.user(u); usr == nil || usr.Deleted {
		return nil, "user_not_found"
	}
	_, existed := s.channels[DMChannel(u)]
	ch := s.channel(DMChannel(u), true)
	return obj{"channel": obj{"id": ch.ID}, "no_op": existed, "already_open": existed}, ""
}

func (s *Server) usergroupsUsers(c *Call, _ string) (obj, string) {
	us, ok := s.groups[c.Params["usergroup"]]
	if !ok {
		return nil, "no_such_subteam"
	}
	return obj{"users": nonNil(slices.Clone(us))}, ""
}

// messageJSON is m as history and replies show it; meta includes its metadata.
func (s *Server) messageJSON(m *Message, meta bool) obj {
	out := obj{"type": "message", "ts": m.TS, "text": m.Text, "team": s.opts.Team}
	if m.User != "" {
		out["user"] = m.User
	}
	if m.BotID != "" {
		out["bot_id"] = m.BotID
		out["app_id"] = AppID
	}
	if len(m.Blocks) > 0 {
		out["blocks"] = m.Blocks
	}
	if len(m.Attachments) > 0 {
		out["attachments"] = m.Attachments
	}
	if m.ThreadTS != "" {
		out["thread_ts"] = m.ThreadTS
		if m.ThreadTS != m.TS {
			out["parent_user_id"] = s.parentUser(m)
		}
	}
	if m.ReplyBroadcast {
		out["subtype"] = "thread_broadcast"
	}
	if m.Edits > 0 {
		out["edited"] = obj{"user": m.User, "ts": m.TS}
	}
	if m.replies > 0 {
		out["thread_ts"] = m.TS
		out["reply_count"] = m.replies
		out["latest_reply"] = m.latestReply
	}
	if meta && m.Metadata != nil {
		out["metadata"] = m.Metadata
	}
	if len(m.Reactions) > 0 {
		names := make([]string, 0, len(m.Reactions))
		for k := range m.Reactions {
			names = append(names, k)
		}
		slices.Sort(names)
		var rs []obj
		for _, k := range names {
			rs = append(rs, obj{"name": k, "users": m.Reactions[k], "count": len(m.Reactions[k])})
		}
		out["reactions"] = rs
	}
	return out
}

func (s *Server) parentUser(m *Message) string {
	if p := s.parent(m); p != nil {
		return p.User
	}
	return ""
}

// window keeps the messages between oldest and latest (exclusive unless inclusive).
func window(ms []*Message, c *Call) []*Message {
	oldest, latest, incl := c.Params["oldest"], c.Params["latest"], boolParam(c, "inclusive")
	var out []*Message
	for _, m := range ms {
		if oldest != "" && (tsLess(m.TS, oldest) || (!incl && m.TS == oldest)) {
			continue
		}
		if latest != "" && (tsLess(latest, m.TS) || (!incl && m.TS == latest)) {
			continue
		}
		out = append(out, m)
	}
	return out
}

func (s *Server) conversationsHistory(c *Call, _ string) (obj, string) {
	ch := s.channel(c.Params["channel"], false)
	if ch == nil {
		return nil, "channel_not_found"
	}
	if !ch.IM && !slices.Contains(ch.Members, BotUserID) {
		return nil, "not_in_channel"
	}
	var top []*Message
	for _, m := range slices.Backward(s.messages[ch.ID]) {
		if !m.Deleted && (m.ThreadTS == "" || m.ThreadTS == m.TS || m.ReplyBroadcast) {
			top = append(top, m)
		}
	}
	return s.messagePage(c, top, 100, 999)
}

// messagePage answers the page of ms that c's oldest, latest, inclusive, cursor and limit
// select, with metadata under include_all_metadata; s.mu is held.
func (s *Server) messagePage(c *Call, ms []*Message, def, most int) (obj, string) {
	pg, next, ok := page(window(ms, c), c.Params["cursor"], intParam(c, "limit"), def, most)
	if !ok {
		return nil, "invalid_cursor"
	}
	meta := boolParam(c, "include_all_metadata")
	msgs := []obj{}
	for _, m := range pg {
		msgs = append(msgs, s.messageJSON(m, meta))
	}
	return obj{"messages": msgs, "has_more": next != "", "response_metadata": obj{"next_cursor": next}}, ""
}

func (s *Server) conversationsReplies(c *Call, _ string) (obj, string) {
	ch := s.channel(c.Params["channel"], false)
	if ch == nil {
		return nil, "channel_not_found"
	}
	parent := s.message(ch.ID, c.Params["ts"])
	if parent == nil {
		return nil, "thread_not_found"
	}
	thread := []*Message{parent}
	for _, m := range s.messages[ch.ID] {
		if m.ThreadTS == parent.TS && m.TS != parent.TS && !m.Deleted {
			thread = append(thread, m)
		}
	}
	return s.messagePage(c, thread, 1000, 1000)
}

// postable checks that the bot may post into channel id; s.mu is held.
func (s *Server) postable(id string) (*Channel, string) {
	if id == "" {
		return nil, "channel_not_found"
	}
	ch := s.channel(id, !s.opts.Strict)
	switch {
	case ch == nil:
		return nil, "channel_not_found"
	case ch.Archived:
		return nil, "is_archived"
	case !ch.IM && !slices.Contains(ch.Members, BotUserID) && s.opts.Strict:
		return nil, "not_in_channel"
	}
	return ch, ""
}

// content reads text, blocks, attachments and metadata of a post into m.
func content(c *Call, m *Message) string {
	if v, ok := c.Params["text"]; ok {
		m.Text = v
	}
	if v, ok := c.JSON["blocks"]; ok {
		if _, isList := v.([]any); !isList {
			return "invalid_blocks_format"
		}
		m.Blocks = json.RawMessage(c.Params["blocks"])
	}
	if v, ok := c.JSON["attachments"]; ok {
		if _, isList := v.([]any); !isList {
			return "invalid_attachments"
		}
		m.Attachments = json.RawMessage(c.Params["attachments"])
	}
	if raw, ok := c.Params["metadata"]; ok && raw != "" {
		var md Metadata
		if json.Unmarshal([]byte(raw), &md) != nil || md.EventType == "" {
			return "invalid_metadata_format"
		}
		m.Metadata = &md
	}
	if m.Text == "" && len(m.Blocks) == 0 && len(m.Attachments) == 0 {
		return "no_text"
	}
	if len([]rune(m.Text)) > 40000 {
		return "msg_too_long"
	}
	return ""
}

func optBool(c *Call, k string) *bool {
	if _, ok := c.Params[k]; !ok {
		return nil
	}
	b := boolParam(c, k)
	return &b
}

func (s *Server) chatPost(c *Call, caller string) (obj, string) {
	ch, code := s.postable(c.Params["channel"])
	if code != "" {
		return nil, code
	}
	m := &Message{Channel: ch.ID, User: caller, ThreadTS: c.Params["thread_ts"],
		ReplyBroadcast: boolParam(c, "reply_broadcast"), UnfurlLinks: optBool(c, "unfurl_links"), UnfurlMedia: optBool(c, "unfurl_media")}
	if caller == BotUserID {
		m.BotID = BotID
	}
	if code := content(c, m); code != "" {
		return nil, code
	}
	if m.ThreadTS != "" && s.message(ch.ID, m.ThreadTS) == nil && s.opts.Strict {
		return nil, "thread_not_found"
	}
	m.TS = s.nextTS()
	s.add(m)
	c.Channel, c.TS, c.Thread = ch.ID, m.TS, m.ThreadTS
	return obj{"channel": ch.ID, "ts": m.TS, "message": s.messageJSON(m, true)}, ""
}

func (s *Server) chatUpdate(c *Call, caller string) (obj, string) {
	m := s.message(c.Params["channel"], c.Params["ts"])
	if m == nil {
		return nil, "message_not_found"
	}
	if m.User != caller {
		return nil, "cant_update_message"
	}
	next := *m
	if _, ok := c.Params["text"]; !ok && len(c.Params["blocks"]) > 0 {
		next.Text = ""
	}
	if code := content(c, &next); code != "" {
		return nil, code
	}
	next.Edits++
	*m = next
	c.Channel, c.TS, c.Thread = m.Channel, m.TS, m.ThreadTS
	return obj{"channel": m.Channel, "ts": m.TS, "text": m.Text, "message": s.messageJSON(m, true)}, ""
}

func (s *Server) chatDelete(c *Call, caller string) (obj, string) {
	m := s.message(c.Params["channel"], c.Params["ts"])
	if m == nil {
		return nil, "message_not_found"
	}
	if m.User != caller {
		return nil, "cant_delete_message"
	}
	s.remove(m)
	c.Channel, c.TS, c.Thread = m.Channel, m.TS, m.ThreadTS
	return obj{"channel": m.Channel, "ts": m.TS}, ""
}

func (s *Server) chatEphemeral(c *Call, _ string) (obj, string) {
	ch, code := s.postable(c.Params["channel"])
	if code != "" {
		return nil, code
	}
	if c.Params["user"] == "" {
		return nil, "user_not_found"
	}
	if s.opts.Strict && !ch.IM && !slices.Contains(ch.Members, c.Params["user"]) {
		return nil, "user_not_in_channel"
	}
	var m Message
	if code := content(c, &m); code != "" {
		return nil, code
	}
	ts := s.nextTS()
	s.ephemerals = append(s.ephemerals, Ephemeral{Channel: ch.ID, User: c.Params["user"], ThreadTS: c.Params["thread_ts"],
		Text: m.Text, Blocks: m.Blocks, TS: ts})
	c.Channel, c.TS, c.Thread = ch.ID, ts, c.Params["thread_ts"]
	return obj{"message_ts": ts}, ""
}

func (s *Server) chatPermalink(c *Call, _ string) (obj, string) {
	m := s.message(c.Params["channel"], c.Params["message_ts"])
	if m == nil {
		return nil, "message_not_found"
	}
	link := "https://" + s.opts.TeamDomain + ".slack.com/archives/" + m.Channel + "/p" + strings.ReplaceAll(m.TS, ".", "")
	if m.ThreadTS != "" && m.ThreadTS != m.TS {
		link += "?thread_ts=" + m.ThreadTS + "&cid=" + m.Channel
	}
	return obj{"channel": m.Channel, "permalink": link}, ""
}

func (s *Server) reaction(c *Call) (*Message, string, string) {
	name := strings.Trim(c.Params["name"], ":")
	if name == "" {
		return nil, "", "invalid_name"
	}
	m := s.message(c.Params["channel"], c.Params["timestamp"])
	if m == nil {
		if s.channel(c.Params["channel"], false) == nil {
			return nil, "", "channel_not_found"
		}
		return nil, "", "message_not_found"
	}
	return m, name, ""
}

func (s *Server) reactionsAdd(c *Call, caller string) (obj, string) {
	m, name, code := s.reaction(c)
	if code != "" {
		return nil, code
	}
	if slices.Contains(m.Reactions[name], caller) {
		return nil, "already_reacted"
	}
	if m.Reactions == nil {
		m.Reactions = map[string][]string{}
	}
	m.Reactions[name] = append(m.Reactions[name], caller)
	c.Channel, c.TS = m.Channel, m.TS
	return obj{}, ""
}

func (s *Server) reactionsRemove(c *Call, caller string) (obj, string) {
	m, name, code := s.reaction(c)
	if code != "" {
		return nil, code
	}
	i := slices.Index(m.Reactions[name], caller)
	if i < 0 {
		return nil, "no_reaction"
	}
	m.Reactions[name] = slices.Delete(m.Reactions[name], i, i+1)
	if len(m.Reactions[name]) == 0 {
		delete(m.Reactions, name)
	}
	c.Channel, c.TS = m.Channel, m.TS
	return obj{}, ""
}

// readView decodes the view parameter into v.
func readView(c *Call, v *View) string {
	raw := c.Params["view"]
	var body struct {
		Type            string `json:"type"`
		CallbackID      string `json:"callback_id"`
		ExternalID      string `json:"external_id"`
		PrivateMetadata string `json:"private_metadata"`
		Blocks          []any  `json:"blocks"`
	}
	if raw == "" || json.Unmarshal([]byte(raw), &body) != nil || body.Type == "" {
		return "invalid_arguments"
	}
	if len(body.Blocks) > 100 {
		return "invalid_arguments"
	}
	v.Type, v.CallbackID, v.PrivateMetadata, v.JSON = body.Type, body.CallbackID, body.PrivateMetadata, json.RawMessage(raw)
	if body.ExternalID != "" {
		v.ExternalID = body.ExternalID
	}
	return ""
}

func (s *Server) viewJSON(v *View) obj {
	var body obj
	_ = json.Unmarshal(v.JSON, &body)
	if body == nil {
		body = obj{}
	}
	body["id"], body["team_id"], body["hash"], body["app_id"], body["bot_id"] = v.ID, s.opts.Team, v.Hash, AppID, BotID
	body["root_view_id"], body["previous_view_id"] = v.RootID, nilIfEmpty(v.PreviousID)
	body["state"] = obj{"values": obj{}}
	return body
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (s *Server) viewsOpen(c *Call, _ string) (obj, string) {
	trigger := c.Params["trigger_id"]
	switch {
	case trigger == "":
		return nil, "invalid_trigger_id"
	case s.expired[trigger]:
		return nil, "expired_trigger_id"
	}
	v := &View{TriggerID: trigger, By: c.Method}
	if code := readView(c, v); code != "" {
		return nil, code
	}
	s.seq++
	v.ID = "V" + strconv.FormatInt(s.seq, 10)
	v.Hash = strconv.FormatInt(s.seq, 10) + ".hash"
	v.RootID = v.ID
	if c.Method == "views.push" && len(s.views) > 0 {
		top := s.views[len(s.views)-1]
		v.RootID, v.PreviousID = top.RootID, top.ID
	}
	s.views = append(s.views, v)
	return obj{"view": s.viewJSON(v)}, ""
}

func (s *Server) viewsUpdate(c *Call, _ string) (obj, string) {
	id, ext := c.Params["view_id"], c.Params["external_id"]
	if id == "" && ext == "" {
		return nil, "invalid_arguments"
	}
	var v *View
	for _, x := range s.views {
		if (id != "" && x.ID == id) || (id == "" && x.ExternalID == ext) {
			v = x
		}
	}
	if v == nil {
		return nil, "not_found"
	}
	if h := c.Params["hash"]; h != "" && h != v.Hash {
		return nil, "hash_conflict"
	}
	next := *v
	if code := readView(c, &next); code != "" {
		return nil, code
	}
	s.seq++
	next.Hash, next.By = strconv.FormatInt(s.seq, 10)+".hash", c.Method
	next.Edits++
	*v = next
	return obj{"view": s.viewJSON(v)}, ""
}
