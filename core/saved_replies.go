package core

import (
	"context"
	"strings"
	"unicode/utf8"
)

// Saved replies: staff of a workspace read and send them; its admins create, change and
// delete them. Sending one is a public reply like any other.

// MaxSavedReplyName bounds a saved reply's name.
const MaxSavedReplyName = 64

// NormalizeReplyName checks a saved reply's name: 1–64 of a-z, 0-9, - and _ (upper case is
// folded). Errors: invalid, naming name.
func NormalizeReplyName(name string) (string, error) {
	n := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), "!")))
	if n == "" || len(n) > MaxSavedReplyName || strings.Trim(n, "abcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
		return "", FieldError("name", "a saved reply's name is 1 to %d letters, digits, - or _ (e.g. vpn-restart)", MaxSavedReplyName)
	}
	return n, nil
}

func checkSavedReply(r *SavedReply) error {
	n, err := NormalizeReplyName(r.Name)
	if err != nil {
		return err
	}
	r.Name = n
	r.Content = strings.TrimSpace(CleanText(r.Content))
	if r.Content == "" {
		return FieldError("content", "a saved reply needs some text")
	}
	if c := utf8.RuneCountInString(r.Content); c > MaxMessageRunes {
		return FieldError("content", "the text is %d characters long; the limit is %d", c, MaxMessageRunes)
	}
	return nil
}

func canReadReplies(actor Actor, ws Workspace) error {
	if err := canAccessWorkspace(actor, ws); err != nil {
		return err
	}
	if !actor.Role.AtLeast(RoleStaff) {
		return Errorf(EForbidden, "only staff use saved replies")
	}
	return nil
}

func canEditReplies(actor Actor, ws Workspace) error {
	if err := canReadReplies(actor, ws); err != nil {
		return err
	}
	if !actor.Role.AtLeast(RoleAdmin) {
		return Errorf(EForbidden, "only admins change saved replies")
	}
	return nil
}

// SavedReplies lists ws's saved replies by name. Staff only. Errors: forbidden, unavailable, internal.
func (s *Service) SavedReplies(ctx context.Context, actor Actor, ws Workspace) ([]SavedReply, error) {
	if err := canReadReplies(actor, ws); err != nil {
		return nil, err
	}
	return s.store.SavedReplies(ctx, ws)
}

// SavedReply returns ws's saved reply id. Staff only. Errors: not_found, forbidden, unavailable, internal.
func (s *Service) SavedReply(ctx context.Context, actor Actor, ws Workspace, id int64) (SavedReply, error) {
	if err := canReadReplies(actor, ws); err != nil {
		return SavedReply{}, err
	}
	r, err := s.store.SavedReply(ctx, id)
	if err == nil && r.Workspace != ws {
		err = Errorf(ENotFound, "saved reply not found")
	}
	return r, err
}

// CreateSavedReply stores r in r.Workspace. Admins only.
// Errors: invalid (naming name or content), forbidden, conflict, unavailable, internal.
func (s *Service) CreateSavedReply(ctx context.Context, actor Actor, r SavedReply) (SavedReply, error) {
	if err := canEditReplies(actor, r.Workspace); err != nil {
		return SavedReply{}, err
	}
	if err := checkSavedReply(&r); err != nil {
		return SavedReply{}, err
	}
	r.Author = actor.User
	err := s.store.CreateSavedReply(ctx, &r)
	return r, err
}

// UpdateSavedReply changes saved reply id of ws: its name and its content where given.
// Admins only. Errors: invalid, not_found, forbidden, conflict, unavailable, internal.
func (s *Service) UpdateSavedReply(ctx context.Context, actor Actor, ws Workspace, id int64, name, content *string) (SavedReply, error) {
	if err := canEditReplies(actor, ws); err != nil {
		return SavedReply{}, err
	}
	r, err := s.SavedReply(ctx, actor, ws, id)
	if err != nil {
		return SavedReply{}, err
	}
	if name != nil {
		r.Name = *name
	}
	if content != nil {
		r.Content = *content
	}
	if err := checkSavedReply(&r); err != nil {
		return SavedReply{}, err
	}
	err = s.store.UpdateSavedReply(ctx, &r)
	return r, err
}

// DeleteSavedReply removes saved reply id of ws. Admins only.
// Errors: not_found, forbidden, unavailable, internal.
func (s *Service) DeleteSavedReply(ctx context.Context, actor Actor, ws Workspace, id int64) error {
	if err := canEditReplies(actor, ws); err != nil {
		return err
	}
	if _, err := s.SavedReply(ctx, actor, ws, id); err != nil {
		return err
	}
	return s.store.DeleteSavedReply(ctx, id)
}

// SendSavedReply sends ws's saved reply name to ticket id as a public reply by actor (staff),
// idempotently on in.ExternalID (in.Content is ignored). An unknown name is not_found with a
// message that lists the known names.
// Errors: invalid, not_found, forbidden, unavailable, internal.
func (s *Service) SendSavedReply(ctx context.Context, actor Actor, id int64, name string, in MessageInput) (Message, SavedReply, error) {
	t, err := s.Ticket(ctx, actor, id)
	if err != nil {
		return Message{}, SavedReply{}, err
	}
	if err := canReadReplies(actor, t.Workspace); err != nil {
		return Message{}, SavedReply{}, err
	}
	n, err := NormalizeReplyName(name)
	var r SavedReply
	if err == nil {
		r, err = s.store.SavedReplyByName(ctx, t.Workspace, n)
	}
	if IsCode(err, ENotFound) || IsCode(err, EInvalid) {
		return Message{}, SavedReply{}, s.unknownReply(ctx, t.Workspace, name)
	}
	if err != nil {
		return Message{}, SavedReply{}, err
	}
	in.Content, in.Internal, in.PlaceID, in.Reply = r.Content, false, 0, false
	m, _, err := s.AddMessage(ctx, actor, id, in)
	return m, r, err
}

// unknownReply is the not_found error for a saved reply name, listing the known ones.
func (s *Service) unknownReply(ctx context.Context, ws Workspace, name string) error {
	all, err := s.store.SavedReplies(ctx, ws)
	if err != nil {
		return err
	}
	if len(all) == 0 {
		return Errorf(ENotFound, "there is no saved reply called %q; this helpdesk has no saved replies yet (admins add them in the dashboard)", name)
	}
	names := make([]string, len(all))
	for i, r := range all {
		names[i] = "!" + r.Name
	}
	return Errorf(ENotFound, "there is no saved reply called %q; the saved replies are: %s", name, strings.Join(names, ", "))
}
