package slacktest

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// User is a workspace member as users.info describes them.
type User struct {
	ID, Name              string
	RealName, DisplayName string
	Email                 string
	Admin, Owner          bool
	PrimaryOwner          bool
	Deleted, Bot          bool
}

// Channel is a conversation the fake knows. IM channels ("D…") are made by conversations.open.
type Channel struct {
	ID, Name string
	Private  bool
	Archived bool
	IM       bool
	// User is the other member of an IM.
	User    string
	Members []string
}

// Metadata is a message's metadata, as chat.postMessage takes it.
type Metadata struct {
	EventType    string         `json:"event_type"`
	EventPayload map[string]any `json:"event_payload"`
}

// Message is a message the fake holds, as it stands now.
type Message struct {
	Channel, TS, ThreadTS string
	User, BotID           string
	Text                  string
	Blocks, Attachments   json.RawMessage
	Metadata              *Metadata
	ReplyBroadcast        bool
	UnfurlLinks           *bool
	UnfurlMedia           *bool
	Edits                 int
	Deleted               bool
	// Reactions maps a reaction name to the users who added it, in order.
	Reactions map[string][]string

	replies     int    // standing replies under it
	latestReply string // ts of the newest reply
}

// Ephemeral is a chat.postEphemeral the fake took.
type Ephemeral struct {
	Channel, User, ThreadTS, Text string
	Blocks                        json.RawMessage
	TS                            string
}

// View is a modal opened, updated or pushed.
type View struct {
	ID, Type, CallbackID, ExternalID, PrivateMetadata string
	TriggerID, RootID, PreviousID, Hash               string
	// JSON is the view as last sent.
	JSON json.RawMessage
	// By is the method that last set it ("views.open", "views.update", "views.push").
	By    string
	Edits int
}

// AddUser adds (or replaces) a member of the workspace.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = &u
}

// AddChannel adds (or replaces) a channel. The bot is in it when it is among Members.
func (s *Server) AddChannel(c Channel) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.Members = slices.Clone(c.Members)
	if _, ok := s.channels[c.ID]; !ok {
		s.chanOrder = append(s.chanOrder, c.ID)
	}
	s.channels[c.ID] = &c
}

// SetMembers sets channel's members, making the channel (public) if the fake lacks it.
func (s *Server) SetMembers(channel string, ids ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.channel(channel, true).Members = slices.Clone(ids)
}

// ArchiveChannel archives channel (posts then fail with is_archived).
func (s *Server) ArchiveChannel(channel string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.channel(channel, true).Archived = true
}

// Channel returns channel as it stands.
func (s *Server) Channel(id string) (Channel, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.channels[id]
	if !ok {
		return Channel{}, false
	}
	cp := *c
	cp.Members = slices.Clone(c.Members)
	return cp, true
}

// SetUsergroup sets the members of user group id ("S…").
func (s *Server) SetUsergroup(id string, users ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groups[id] = slices.Clone(users)
}

// DMChannel is the IM channel conversations.open gives for user: "D" + user.
func DMChannel(user string) string { return "D" + user }

// channel returns channel id, making it when create is set (an IM for "D…", else public with
// the bot in it); s.mu is held.
func (s *Server) channel(id string, create bool) *Channel {
	if c, ok := s.channels[id]; ok || !create {
		return c
	}
	c := &Channel{ID: id, Name: strings.ToLower(id), Members: []string{BotUserID}}
	if strings.HasPrefix(id, "D") {
		c.IM, c.User, c.Members, c.Name = true, strings.TrimPrefix(id, "D"), []string{BotUserID, strings.TrimPrefix(id, "D")}, ""
	}
	s.channels[id] = c
	s.chanOrder = append(s.chanOrder, id)
	return c
}

// Post puts a message by user into channel (a thread reply when thread is set), as if a
// person had written it, and returns its ts: for reactions, history and replies to find.
func (s *Server) Post(channel, thread, user, text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.channel(channel, true)
	m := &Message{Channel: channel, TS: s.nextTS(), ThreadTS: thread, User: user, Text: text}
	s.add(m)
	s.touch()
	return m.TS
}

// React adds reaction name by user to the message at ts, as if a person had.
func (s *Server) React(channel, ts, user, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.message(channel, ts); m != nil {
		if m.Reactions == nil {
			m.Reactions = map[string][]string{}
		}
		m.Reactions[name] = append(m.Reactions[name], user)
		s.touch()
	}
}

// message returns the message at ts in channel (nil when absent or deleted); s.mu is held.
func (s *Server) message(channel, ts string) *Message {
	if m := s.index[channel+"/"+ts]; m != nil && !m.Deleted {
		return m
	}
	return nil
}

// add stores m (its TS set) and counts it as a reply of its parent; s.mu is held.
func (s *Server) add(m *Message) {
	s.messages[m.Channel] = append(s.messages[m.Channel], m)
	s.index[m.Channel+"/"+m.TS] = m
	if p := s.parent(m); p != nil {
		p.replies++
		p.latestReply = m.TS
	}
}

// remove marks m deleted; s.mu is held.
func (s *Server) remove(m *Message) {
	m.Deleted = true
	if p := s.parent(m); p != nil {
		p.replies--
	}
}

// parent returns the message m replies to, if any; s.mu is held.
func (s *Server) parent(m *Message) *Message {
	if m.ThreadTS == "" || m.ThreadTS == m.TS {
		return nil
	}
	return s.message(m.Channel, m.ThreadTS)
}

func copyMessage(m *Message) Message {
	c := *m
	if m.Reactions != nil {
		c.Reactions = map[string][]string{}
		for k, v := range m.Reactions {
			c.Reactions[k] = slices.Clone(v)
		}
	}
	return c
}

// Message returns the message at ts in channel as it stands (deleted ones too).
func (s *Server) Message(channel, ts string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.index[channel+"/"+ts]; m != nil {
		return copyMessage(m), true
	}
	return Message{}, false
}

// Messages returns every message in channel (thread replies and deleted ones too), oldest
// first.
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.messages[channel] {
		out = append(out, copyMessage(m))
	}
	return out
}

// Texts returns the texts of the messages standing in channel (deleted ones left out),
// oldest first: the top-level ones when thread is "", else the thread's replies.
func (s *Server) Texts(channel, thread string) []string {
	var out []string
	for _, m := range s.Messages(channel) {
		if m.Deleted {
			continue
		}
		if (thread == "" && (m.ThreadTS == "" || m.ThreadTS == m.TS)) || (thread != "" && m.ThreadTS == thread && m.TS != thread) {
			out = append(out, m.Text)
		}
	}
	return out
}

// Reactions returns the reactions on the message at ts: name → users.
func (s *Server) Reactions(channel, ts string) map[string][]string {
	m, _ := s.Message(channel, ts)
	return m.Reactions
}

// Ephemerals returns every chat.postEphemeral taken, oldest first.
func (s *Server) Ephemerals() []Ephemeral {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.ephemerals)
}

// Views returns every view as it stands, in the order they were opened.
func (s *Server) Views() []View {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]View, 0, len(s.views))
	for _, v := range s.views {
		out = append(out, *v)
	}
	return out
}

// ExpireTrigger makes views.open and views.push with trigger id answer expired_trigger_id.
func (s *Server) ExpireTrigger(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expired[id] = true
}

// place is a message a response URL belongs to.
type place struct{ channel, ts string }

// ResponseURL returns a response URL bound to the message at ts in channel (ts may be "" for
// a slash command's): replace_original and delete_original act on that message, and
// in_channel answers post into channel.
func (s *Server) ResponseURL(channel, ts string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	id := "r" + strconv.FormatInt(s.seq, 10)
	s.responses[id] = place{channel, ts}
	return s.srv.URL + "/response/" + id
}

// tsLess compares two message timestamps ("1700000000.000001").
func tsLess(a, b string) bool {
	as, af, _ := strings.Cut(a, ".")
	bs, bf, _ := strings.Cut(b, ".")
	ai, _ := strconv.ParseInt(as, 10, 64)
	bi, _ := strconv.ParseInt(bs, 10, 64)
	if ai != bi {
		return ai < bi
	}
	return padFrac(af) < padFrac(bf)
}

func padFrac(f string) string { return (f + "000000")[:6] }
