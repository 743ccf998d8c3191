package core

import (
	"context"
	"strconv"
	"unicode/utf8"
)

// MessageInput is a message to add to a ticket.
type MessageInput struct {
	ExternalID  string
	Content     string
	Attachments []Attachment
	Source      string
	// PlaceID is the place the message was written in (a thread the adapter read it from);
	// the core then decides its visibility. 0 means it was written outside the ticket's
	// places (the dashboard, the API, a command), and Internal says what it is.
	PlaceID int64
	// Internal asks for an internal note (outside places; staff only).
	Internal bool
	// Reply marks a message written in a place as an explicit reply to the requester (the
	// "send to requester" action), public whatever the reply mode says.
	Reply bool
	// Deliver is kept for callers that write outside places: such messages are always copied
	// to the places that may see them.
	Deliver bool
}

// AddMessage adds a message by actor to ticket id, idempotently on in.ExternalID, and copies
// it (through the outbox) to every place of the ticket that may see it: a public message to
// every place but the one it was written in, an internal one to staff places only.
//
// Written in a place, the message is part of that place's conversation: whoever the platform
// lets write there takes part, and its visibility follows the place (Visibility). Written
// elsewhere, staff may write either kind and the reporter public messages only.
// Errors: invalid, not_found, forbidden, unavailable, internal.
func (s *Service) AddMessage(ctx context.Context, actor Actor, id int64, in MessageInput) (Message, bool, error) {
	t, err := s.store.Ticket(ctx, id)
	if err != nil {
		return Message{}, false, err
	}
	content := CleanText(in.Content)
	if content == "" && len(in.Attachments) == 0 {
		return Message{}, false, Errorf(EInvalid, "a message needs some text")
	}
	if n := utf8.RuneCountInString(content); n > MaxMessageRunes {
		return Message{}, false, Errorf(EInvalid, "the message is %d characters long; the limit is %d", n, MaxMessageRunes)
	}
	if in.ExternalID == "" {
		return Message{}, false, Errorf(EInvalid, "a message needs an id")
	}
	places, err := s.store.Places(ctx, id)
	if err != nil {
		return Message{}, false, err
	}
	internal := in.Internal
	var place Place
	if in.PlaceID != 0 {
		p, ok := placeByID(places, in.PlaceID)
		if !ok || p.Workspace != actor.Workspace || !s.linkedPlace(ctx, t, p) {
			return Message{}, false, ticketNotFound()
		}
		place = p
		st, err := s.Settings(ctx, p.Workspace)
		if err != nil {
			return Message{}, false, err
		}
		internal = Visibility(p, actor.Role, st.ReplyMode(), content, in.Reply)
	} else {
		if !canSee(actor, t) {
			a, ok := s.staffFrom(ctx, actor, t)
			if !ok {
				return Message{}, false, ticketNotFound()
			}
			actor = a
		}
		if !actor.Role.AtLeast(RoleStaff) && t.Reporter.ID != actor.User.ID {
			return Message{}, false, Errorf(EForbidden, "only staff and the reporter can write to ticket #%d", t.Number)
		}
		if internal && !actor.Role.AtLeast(RoleStaff) {
			return Message{}, false, Errorf(EForbidden, "only staff can write internal notes")
		}
	}
	m := Message{
		TicketID:    t.ID,
		ExternalID:  in.ExternalID,
		Author:      actor.User,
		Content:     content,
		Attachments: in.Attachments,
		Source:      in.Source,
		Internal:    internal,
		PlaceID:     in.PlaceID,
	}
	stored, created, err := s.store.AddMessage(ctx, m, Copies(places, in.PlaceID, internal))
	if err == nil && created {
		s.noteResponse(ctx, actor, t, stored)
		s.changed(ctx, t, internal)
		if writtenByRequester(actor, t, place, internal) {
			if rerr := s.requesterReplied(ctx, t, actor.User); rerr != nil {
				// The message is stored; the status stays and staff see the reply anyway.
				s.log.WarnContext(ctx, "could not reopen a ticket its requester replied to", "ticket", t.ID, "err", rerr)
			}
		}
	}
	return stored, created, err
}

func placeByID(places []Place, id int64) (Place, bool) {
	for _, p := range places {
		if p.ID == id {
			return p, true
		}
	}
	return Place{}, false
}

// EditMessage records an edit (or, with deleted, a deletion) of a message its author made in
// a place or elsewhere, and has its copies follow. Only the author (or ticketbot) may.
// Errors: invalid, not_found, forbidden, unavailable, internal.
func (s *Service) EditMessage(ctx context.Context, actor Actor, ticketID int64, externalID, content string, deleted bool) (Message, error) {
	t, err := s.store.Ticket(ctx, ticketID)
	if err != nil {
		return Message{}, err
	}
	if !actor.Workspace.IsZero() && actor.Workspace != t.Workspace {
		if _, err := s.placeIn(ctx, ticketID, actor.Workspace); err != nil {
			return Message{}, ticketNotFound()
		}
	}
	content = CleanText(content)
	if n := utf8.RuneCountInString(content); n > MaxMessageRunes {
		return Message{}, Errorf(EInvalid, "the message is %d characters long; the limit is %d", n, MaxMessageRunes)
	}
	m, err := s.store.MessageByExternalID(ctx, ticketID, externalID)
	if err != nil {
		return Message{}, err
	}
	if m.Author.ID != actor.User.ID && actor.User != System().User {
		return Message{}, Errorf(EForbidden, "only the author of a message can change it")
	}
	places, err := s.store.Places(ctx, ticketID)
	if err != nil {
		return Message{}, err
	}
	out, err := s.store.EditMessage(ctx, ticketID, externalID, content, deleted, Copies(places, m.PlaceID, m.Internal))
	if err == nil {
		s.changed(ctx, t, m.Internal)
	}
	return out, err
}

func (s *Service) placeIn(ctx context.Context, ticketID int64, ws Workspace) (Place, error) {
	places, err := s.store.Places(ctx, ticketID)
	if err != nil {
		return Place{}, err
	}
	for _, p := range places {
		if p.Workspace == ws {
			return p, nil
		}
	}
	return Place{}, ticketNotFound()
}

// Message returns message id if actor may see it: requesters never see internal notes.
// Errors: not_found, unavailable, internal.
func (s *Service) Message(ctx context.Context, actor Actor, id int64) (Message, error) {
	m, err := s.store.Message(ctx, id)
	if err != nil {
		return Message{}, err
	}
	if _, err := s.Ticket(ctx, actor, m.TicketID); err != nil || (m.Internal && !actor.Role.AtLeast(RoleStaff)) {
		return Message{}, Errorf(ENotFound, "message not found")
	}
	return m, nil
}

// Messages returns ticket id's conversation as actor may see it: staff everything,
// requesters the public messages only. Errors: not_found, unavailable, internal.
func (s *Service) Messages(ctx context.Context, actor Actor, id int64) ([]Message, error) {
	if _, err := s.Ticket(ctx, actor, id); err != nil {
		return nil, err
	}
	all, err := s.store.Messages(ctx, id)
	if err != nil || actor.Role.AtLeast(RoleStaff) {
		return all, err
	}
	out := all[:0:0]
	for _, m := range all {
		if !m.Internal {
			out = append(out, m)
		}
	}
	return out, nil
}

// Places returns the places of ticket id; only staff (and ticketbot) may ask.
// Errors: not_found, forbidden, unavailable, internal.
func (s *Service) Places(ctx context.Context, actor Actor, id int64) ([]Place, error) {
	_, ps, err := s.TicketAndPlaces(ctx, actor, id)
	return ps, err
}

// TicketAndPlaces returns ticket id and where it is discussed, reading the ticket once: a
// Notifier needs both for each event, and Ticket then Places read it twice. Errors: as Places.
func (s *Service) TicketAndPlaces(ctx context.Context, actor Actor, id int64) (Ticket, []Place, error) {
	t, err := s.Ticket(ctx, actor, id)
	if err != nil {
		return Ticket{}, nil, err
	}
	if !actor.Role.AtLeast(RoleStaff) {
		return Ticket{}, nil, Errorf(EForbidden, "only staff can see where a ticket is discussed")
	}
	ps, err := s.store.Places(ctx, id)
	if err != nil {
		return Ticket{}, nil, err
	}
	return t, ps, nil
}

// TicketPlaces is a ticket and where it is discussed.
type TicketPlaces struct {
	Ticket Ticket
	Places []Place
}

// TicketsAndPlaces is TicketAndPlaces of many tickets in a few queries, not a few per ticket:
// a Notifier reads what a claimed batch of outbox events needs at once (System only). A ticket
// that does not exist is missing from the map. Errors: forbidden, unavailable, internal.
func (s *Service) TicketsAndPlaces(ctx context.Context, actor Actor, ids []int64) (map[int64]TicketPlaces, error) {
	if !actor.Role.AtLeast(RoleAdmin) || !actor.Workspace.IsZero() {
		return nil, Errorf(EForbidden, "only ticketbot itself reads tickets in batches")
	}
	ts, err := s.store.Tickets(ctx, ids)
	if err != nil || len(ts) == 0 {
		return nil, err
	}
	found := make([]int64, len(ts))
	out := make(map[int64]TicketPlaces, len(ts))
	for i, t := range ts {
		found[i], out[t.ID] = t.ID, TicketPlaces{Ticket: t}
	}
	ps, err := s.store.PlacesOf(ctx, found)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		tp := out[p.TicketID]
		tp.Places = append(tp.Places, p)
		out[p.TicketID] = tp
	}
	return out, nil
}

// Place returns place id (for a Notifier). Errors: not_found, forbidden, unavailable, internal.
func (s *Service) Place(ctx context.Context, actor Actor, id int64) (Place, error) {
	if !actor.Role.AtLeast(RoleAdmin) || !actor.Workspace.IsZero() {
		return Place{}, Errorf(EForbidden, "only ticketbot itself reads places by id")
	}
	return s.store.Place(ctx, id)
}

// AddPlace records a place of ticket id (a Notifier calls it, as System, after it posted the
// card or made the thread) and returns it with its ID. Errors: invalid, not_found, forbidden,
// unavailable, internal.
func (s *Service) AddPlace(ctx context.Context, actor Actor, p Place) (Place, error) {
	if !actor.Role.AtLeast(RoleAdmin) || !actor.Workspace.IsZero() {
		return Place{}, Errorf(EForbidden, "only ticketbot itself records where tickets are discussed")
	}
	if !p.Kind.Valid() || p.Workspace.IsZero() || p.ChannelID == "" || p.TicketID == 0 {
		return Place{}, Errorf(EInvalid, "a place needs a ticket, a kind, a workspace and a channel")
	}
	out, err := s.store.AddPlace(ctx, p)
	if err != nil {
		return Place{}, err
	}
	_ = s.state.Delete(ctx, threadKey(p.Workspace, p.ChannelID, p.ThreadID))
	return out, nil
}

// AddPlaces records places that each have a thread at once (System only): a Notifier that
// delivered a batch of events records the cards it posted in one write. Errors: forbidden,
// invalid, unavailable, internal.
func (s *Service) AddPlaces(ctx context.Context, actor Actor, ps []Place) error {
	if !actor.Role.AtLeast(RoleAdmin) || !actor.Workspace.IsZero() {
		return Errorf(EForbidden, "only ticketbot itself records where tickets are discussed")
	}
	for _, p := range ps {
		if !p.Kind.Valid() || p.Workspace.IsZero() || p.ChannelID == "" || p.TicketID == 0 || p.ThreadID == "" {
			return Errorf(EInvalid, "a place recorded with others needs a ticket, a kind, a workspace, a channel and a thread")
		}
	}
	if err := s.store.AddPlaces(ctx, ps); err != nil {
		return err
	}
	keys := make([]string, len(ps))
	for i, p := range ps {
		keys[i] = threadKey(p.Workspace, p.ChannelID, p.ThreadID)
	}
	_ = deleteMany(ctx, s.state, keys)
	return nil
}

// UpdatePlace saves a place's thread and card (System only). Errors: forbidden, not_found,
// unavailable, internal.
func (s *Service) UpdatePlace(ctx context.Context, actor Actor, p Place) error {
	if !actor.Role.AtLeast(RoleAdmin) || !actor.Workspace.IsZero() {
		return Errorf(EForbidden, "only ticketbot itself records where tickets are discussed")
	}
	if err := s.store.UpdatePlace(ctx, p); err != nil {
		return err
	}
	_ = s.state.Delete(ctx, threadKey(p.Workspace, p.ChannelID, p.ThreadID))
	return nil
}

// RecordCopy records the platform id of message id's copy in place (System only); a copy is
// posted once, and edits and deletions find it. Errors: forbidden, unavailable, internal.
func (s *Service) RecordCopy(ctx context.Context, actor Actor, messageID, placeID int64, externalID string) error {
	if !actor.Role.AtLeast(RoleAdmin) || !actor.Workspace.IsZero() {
		return Errorf(EForbidden, "only ticketbot itself records copies")
	}
	return s.store.RecordCopy(ctx, messageID, placeID, externalID)
}

// CopyOf returns the platform id of message id's copy in place (System only).
// Errors: forbidden, not_found, unavailable, internal.
func (s *Service) CopyOf(ctx context.Context, actor Actor, messageID, placeID int64) (string, error) {
	if !actor.Role.AtLeast(RoleAdmin) || !actor.Workspace.IsZero() {
		return "", Errorf(EForbidden, "only ticketbot itself reads copies")
	}
	return s.store.CopyOf(ctx, messageID, placeID)
}

// MessageByCopy returns the message whose copy in place is externalID, if actor may see it.
// Errors: not_found, unavailable, internal.
func (s *Service) MessageByCopy(ctx context.Context, actor Actor, placeID int64, externalID string) (Message, error) {
	m, err := s.store.MessageByCopy(ctx, placeID, externalID)
	if err != nil {
		return Message{}, err
	}
	p, err := s.store.Place(ctx, placeID)
	if err != nil || p.Workspace != actor.Workspace {
		return Message{}, Errorf(ENotFound, "message not found")
	}
	return m, nil
}

// PlaceForThread finds the ticket and place that thread threadID in channelID of ws is,
// through a StateStore cache (this runs for every message in every channel the bot is in).
// Errors: not_found, unavailable, internal.
func (s *Service) PlaceForThread(ctx context.Context, ws Workspace, channelID, threadID string) (Ticket, Place, error) {
	key := threadKey(ws, channelID, threadID)
	if v, err := s.state.Get(ctx, key); err == nil {
		id, _ := strconv.ParseInt(string(v), 10, 64)
		if id == 0 {
			return Ticket{}, Place{}, Errorf(ENotFound, "not a ticket thread")
		}
		if p, err := s.store.Place(ctx, id); err == nil {
			if t, err := s.store.Ticket(ctx, p.TicketID); err == nil {
				return t, p, nil
			}
		}
	}
	p, err := s.store.PlaceByThread(ctx, ws, channelID, threadID)
	switch {
	case IsCode(err, ENotFound):
		_ = s.state.Set(ctx, key, []byte("0"), threadNegativeTTL)
		return Ticket{}, Place{}, err
	case err != nil:
		return Ticket{}, Place{}, err
	}
	t, err := s.store.Ticket(ctx, p.TicketID)
	if err != nil {
		return Ticket{}, Place{}, err
	}
	_ = s.state.Set(ctx, key, []byte(strconv.FormatInt(p.ID, 10)), threadCacheTTL)
	return t, p, nil
}

func threadKey(ws Workspace, channelID, threadID string) string {
	return "tb:thread:" + ws.String() + ":" + channelID + ":" + threadID
}

// Publish sends an internal note written in a staff place to the requester after all (the
// "send to requester" action): it becomes public and is copied to the places that could not
// see it. Staff only. Errors: not_found, forbidden, conflict, unavailable, internal.
func (s *Service) Publish(ctx context.Context, actor Actor, ticketID int64, externalID string) (Message, error) {
	if !actor.Role.AtLeast(RoleStaff) {
		return Message{}, Errorf(EForbidden, "only staff can send a message to the requester")
	}
	t, err := s.store.Ticket(ctx, ticketID)
	if err != nil {
		return Message{}, err
	}
	m, err := s.store.MessageByExternalID(ctx, ticketID, externalID)
	if IsCode(err, ENotFound) {
		return Message{}, Errorf(ENotFound, "that message is not stored with ticket #%d", t.Number)
	}
	if err != nil {
		return Message{}, err
	}
	places, err := s.store.Places(ctx, ticketID)
	if err != nil {
		return Message{}, err
	}
	if p, ok := placeByID(places, m.PlaceID); !ok || p.Workspace != actor.Workspace || p.Side() != SideStaff {
		return Message{}, Errorf(ENotFound, "that message is not in ticket #%d's staff thread", t.Number)
	}
	if !m.Internal {
		return Message{}, Errorf(EConflict, "that message already reached the requester")
	}
	var newly []Place
	for _, p := range Copies(places, m.PlaceID, false) {
		if !p.Sees(true) {
			newly = append(newly, p)
		}
	}
	out, err := s.store.PublishMessage(ctx, ticketID, externalID, newly)
	if err == nil {
		s.changed(ctx, t, false)
	}
	return out, err
}

// DeliveryMessage reads the message a message.added or message.copy event names, for its
// Notifier (as ticketbot itself); a message that is gone can never be delivered (permanent).
func DeliveryMessage(ctx context.Context, s *Service, ev Event) (Message, error) {
	m, err := s.Message(ctx, System(), ev.MessageID)
	if IsCode(err, ENotFound) {
		return Message{}, Permanent(err)
	}
	return m, err
}

// DeliveryCopy reads the message and the place a message.copy event names (see
// DeliveryMessage). A copy of an internal message into a requester-side place is refused for
// good: the core writes no such event, and a forged one must not leak.
func DeliveryCopy(ctx context.Context, s *Service, ev Event) (Message, Place, error) {
	m, err := DeliveryMessage(ctx, s, ev)
	if err != nil {
		return Message{}, Place{}, err
	}
	p, err := s.Place(ctx, System(), ev.PlaceID)
	if IsCode(err, ENotFound) {
		return Message{}, Place{}, Permanent(err)
	}
	if err != nil {
		return Message{}, Place{}, err
	}
	if !p.Sees(m.Internal) {
		return Message{}, Place{}, Permanent(Errorf(EForbidden, "message %d is internal and place %d is on the requester side", m.ID, p.ID))
	}
	return m, p, nil
}
