package core

import (
	"strings"
	"time"
)

// Side is one of the two sides of a ticket's conversation.
type Side string

// Sides.
const (
	// SideRequester is where the person who asked talks; it sees public messages only.
	SideRequester Side = "requester"
	// SideStaff is where staff work; it sees public and internal messages.
	SideStaff Side = "staff"
)

// PlaceKind says what a place is, in platform-neutral terms, and so which rule decides the
// visibility of the messages written there.
type PlaceKind string

// Place kinds.
const (
	// PlaceRequesterDM is a thread in the requester's direct messages with the bot, started by
	// the requester card.
	PlaceRequesterDM PlaceKind = "requester_dm"
	// PlaceRequestThread is the thread of the message a ticket was opened from.
	PlaceRequestThread PlaceKind = "request_thread"
	// PlaceRequesterThread is the ticket's private thread that the requester was added to.
	PlaceRequesterThread PlaceKind = "requester_thread"
	// PlaceTriage is the ticket card's thread in the staff's channel: staff messages there are
	// public or internal by the workspace's reply mode and the note prefixes.
	PlaceTriage PlaceKind = "triage"
	// PlaceStaffNotes is a staff-only thread whose messages are always internal notes.
	PlaceStaffNotes PlaceKind = "staff_notes"
)

// Side is the side a place of this kind is on.
func (k PlaceKind) Side() Side {
	switch k {
	case PlaceTriage, PlaceStaffNotes:
		return SideStaff
	}
	return SideRequester
}

// Valid reports whether k is a known kind.
func (k PlaceKind) Valid() bool {
	switch k {
	case PlaceRequesterDM, PlaceRequestThread, PlaceRequesterThread, PlaceTriage, PlaceStaffNotes:
		return true
	}
	return false
}

// Place is where one side of a ticket's conversation lives on a platform: a channel, a thread
// in it, and the card that heads it. A ticket may have several places on each side (a Discord
// server staffed from a Slack channel has a staff place on each platform).
type Place struct {
	ID       int64
	TicketID int64
	Kind     PlaceKind
	// Workspace is the workspace the place is in; for a ticket staffed from another platform
	// it differs from the ticket's.
	Workspace Workspace
	ChannelID string
	ThreadID  string
	CardID    string
	CreatedAt time.Time
}

// Side is the place's side.
func (p Place) Side() Side { return p.Kind.Side() }

// Sees reports whether a message of that visibility may be shown in the place: public
// messages everywhere, internal ones on the staff side only. This is the one rule that keeps
// internal notes away from requesters.
func (p Place) Sees(internal bool) bool { return !internal || p.Side() == SideStaff }

// notePrefixes mark a staff message in a triage thread as an internal note.
var notePrefixes = []string{"🔒", ":lock:", "note:"}

// IsNote reports whether content starts with a note prefix (any case).
func IsNote(content string) bool {
	c := strings.ToLower(strings.TrimSpace(content))
	for _, p := range notePrefixes {
		if strings.HasPrefix(c, p) {
			return true
		}
	}
	return false
}

// Visibility decides whether a message written in place by someone of role is internal:
// requester-side places are public; staff-notes places internal; in a triage thread a staff
// member's message follows the reply mode (all: public unless it starts with a note prefix;
// notes: internal unless sent as a reply explicitly), while anyone else's is public.
func Visibility(p Place, role Role, mode ReplyMode, content string, explicitReply bool) (internal bool) {
	switch p.Kind {
	case PlaceStaffNotes:
		return true
	case PlaceTriage:
		if !role.AtLeast(RoleStaff) {
			return false
		}
		if explicitReply {
			return false
		}
		if mode == RepliesNotes {
			return true
		}
		return IsNote(content)
	}
	return false
}

// Copies lists the places a message written in place from (0: outside any place) is copied
// to: every other place that may see it.
func Copies(places []Place, from int64, internal bool) []Place {
	var out []Place
	for _, p := range places {
		if p.ID != from && p.Sees(internal) {
			out = append(out, p)
		}
	}
	return out
}

// LateCopies lists the places of platform that were made after message m was stored and may
// see it: the core could not name them in m's copy events, so the Notifier that made them
// copies m into them itself (a ticket whose places were made late, after its first delivery
// was given up, so loses no message).
func LateCopies(places []Place, m Message, platform Platform) []Place {
	var out []Place
	for _, p := range places {
		if p.Workspace.Platform == platform && p.ID != m.PlaceID && p.Sees(m.Internal) && !p.CreatedAt.Before(m.CreatedAt) {
			out = append(out, p)
		}
	}
	return out
}
