package bot

import (
	"context"

	"github.com/ticketbot/ticketbot/core"
)

// Command is one decoded invocation, whatever surface it came from: the subcommand's name and
// its arguments by declared name.
type Command struct {
	Name string
	// TicketID addresses a ticket by id (buttons and menus); typed commands use the "number"
	// argument instead.
	TicketID int64
	Args     Args
}

// Args are a command's decoded argument values by name. The decoder stores each as the Go
// type of its ArgType: ArgTicket int64, ArgStatus core.Status, ArgPriority core.Priority,
// ArgUser core.UserRef, ArgFlag bool, the others string.
type Args map[string]any

// Str returns a text, word, channel or group argument ("" when absent).
func (a Args) Str(name string) string { s, _ := a[name].(string); return s }

// Int returns a ticket number argument (0 when absent); for a linked ticket's reference, its
// number in the linked workspace.
func (a Args) Int(name string) int64 {
	switch n := a[name].(type) {
	case int64:
		return n
	case TicketRef:
		return n.Number
	}
	return 0
}

// Ref returns a ticket argument given as a linked ticket's reference ("d12").
func (a Args) Ref(name string) (TicketRef, bool) { r, ok := a[name].(TicketRef); return r, ok }

// Bool returns a flag (false when absent).
func (a Args) Bool(name string) bool { b, _ := a[name].(bool); return b }

// Status returns a status argument ("" when absent).
func (a Args) Status(name string) core.Status { s, _ := a[name].(core.Status); return s }

// Priority returns a priority argument ("" when absent).
func (a Args) Priority(name string) core.Priority { p, _ := a[name].(core.Priority); return p }

// User returns a user argument (zero when absent).
func (a Args) User(name string) core.UserRef { u, _ := a[name].(core.UserRef); return u }

// Has reports whether the argument was given.
func (a Args) Has(name string) bool { _, ok := a[name]; return ok }

// RoleFunc resolves the caller's role; adapters supply it (Slack asks users.info and the
// triage channel's members; Discord reads the interaction's member permissions and roles).
// It returns an error when the role cannot be checked.
type RoleFunc func(ctx context.Context) (core.Role, error)

// Request is a Command with who sent it, where, and what the platform offers.
type Request struct {
	Workspace core.Workspace
	User      core.UserRef
	// Channel is where the command was typed.
	Channel string
	// RequestID is the platform's id of this request (a trigger id, an interaction id): a
	// replay of the same request is recognised by it.
	RequestID string
	// Resumed marks a request taken up again from the intake after an earlier attempt that
	// may have done its work before its process died: a ticket it finds already opened under
	// its RequestID is answered as opened by it, not as a replay.
	Resumed bool
	Command Command
	// Role resolves the caller's role; nil means requester.
	Role RoleFunc
	// Surface is how the command arrived (typed text or structured options) [text].
	Surface Surface
	// Words are the platform's names for things in replies.
	Words Words
	// Platform answers questions only the platform can (is this channel private?); nil when
	// the adapter has none to offer.
	Platform PlatformInfo
}

// actor is the request's core.Actor with role.
func (r Request) actor(role core.Role) core.Actor {
	return core.Actor{User: r.User, Role: role, Workspace: r.Workspace}
}

// ChannelInfo is what the platform says of a channel.
type ChannelInfo struct {
	// Private: people must be let in (a Slack private channel; a Discord channel @everyone
	// cannot view).
	Private bool
	// BotIn: the bot can read and post there.
	BotIn bool
	Name  string
}

// PlatformInfo answers what the bot needs to know of the platform to apply its rules.
type PlatformInfo interface {
	// Channel describes channel id. Errors: not_found, unavailable.
	Channel(ctx context.Context, id string) (ChannelInfo, error)
}

func (r Request) surface() Surface {
	if r.Surface == 0 {
		return SurfaceText
	}
	return r.Surface
}
